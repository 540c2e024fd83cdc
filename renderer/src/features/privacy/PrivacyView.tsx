/**
 * The privacy center (issue #13, docs/privacy.md): what Timbre holds (with locations and "show in folder"), retention
 * (limits a managed policy fixes are disabled with "Set by your organization"), the privacy ledger with a filter,
 * export everything, import into an empty data folder, and erase everything behind a typed confirmation.
 */
import { useEffect, useId, useState } from 'react';
import { create } from 'zustand';
import {
  ERASE_CONFIRMATION,
  LedgerKind,
  type HoldingKind,
  type LedgerEntry,
  type PrivacyReport,
  type RetentionInfo,
} from '../../../../preload/contract/index.js';
import { api, errorMessage } from '../../api';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { formatBytes } from '../../components/format';
import { useT } from '../../i18n/useT';
import type { MessageKey } from '../../i18n/en';
import { useSettings } from '../../store/settings';
import { toast } from '../../store/toasts';
import { PolicyNote } from '../policy/PolicyNote';

interface PrivacyState {
  report: PrivacyReport | null;
  entries: LedgerEntry[];
  total: number;
  kind: LedgerKind | '';
  load(): Promise<void>;
  loadLedger(kind?: LedgerKind | ''): Promise<void>;
}

/** The page's store slice. */
export const usePrivacy = create<PrivacyState>((set, get) => ({
  report: null,
  entries: [],
  total: 0,
  kind: '',
  async load() {
    try {
      set({ report: await api().call('privacy.report', {}) });
    } catch (err) {
      toast.error(errorMessage(err));
    }
    await get().loadLedger(get().kind);
  },
  async loadLedger(kind = get().kind) {
    try {
      const page = await api().call('privacy.ledger', { limit: 200, ...(kind ? { kind } : {}) });
      set({ entries: page.entries, total: page.total, kind });
    } catch (err) {
      toast.error(errorMessage(err));
    }
  },
}));

const today = () => new Date().toISOString().slice(0, 10);

export function PrivacyView() {
  const t = useT();
  const report = usePrivacy((s) => s.report);
  const load = usePrivacy((s) => s.load);
  useEffect(() => {
    void load();
  }, [load]);
  return (
    <section className="view privacy-view" aria-labelledby="privacy-title">
      <header className="view-header">
        <div>
          <h1 id="privacy-title">{t('privacy.title')}</h1>
          <p className="subtitle">{t('privacy.subtitle')}</p>
        </div>
      </header>
      <div className="settings-grid">
        <Holdings report={report} />
        {/* Keyed by the rules in force: the fields start again from them after a save or a sweep. */}
        {report && <Retention key={JSON.stringify(report.retention)} info={report.retention} />}
        <Ledger dataDir={report?.dataDir ?? ''} />
        {report && <ExportImport dataDir={report.dataDir} />}
        <Erase />
      </div>
    </section>
  );
}

function Holdings({ report }: { report: PrivacyReport | null }) {
  const t = useT();
  const locale = useSettings((s) => s.settings.locale);
  const show = async (kind: HoldingKind) => {
    try {
      const r = await api().call('privacy.showInFolder', { kind });
      if (!r.shown) toast.info(t('privacy.pathCopied', { path: r.path }));
    } catch (err) {
      toast.error(errorMessage(err));
    }
  };
  return (
    <section className="card settings-card privacy-wide" aria-labelledby="holdings-title">
      <h2 id="holdings-title" className="card-heading">
        {t('privacy.holdings')}
      </h2>
      {report && (
        <>
          <div className="table-scroll">
            <table className="data-table privacy-holdings">
              <thead>
                <tr>
                  <th scope="col">{t('privacy.kind')}</th>
                  <th scope="col">{t('privacy.count')}</th>
                  <th scope="col">{t('privacy.size')}</th>
                  <th scope="col">{t('privacy.location')}</th>
                  <th scope="col">
                    <span className="sr-only">{t('privacy.showInFolder')}</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {report.holdings.map((h) => {
                  const label = t(`privacy.kind.${h.kind}` as MessageKey);
                  return (
                    <tr key={h.kind} data-kind={h.kind}>
                      <th scope="row">{label}</th>
                      <td className="num">{h.count.toLocaleString(locale)}</td>
                      <td className="num">{formatBytes(h.bytes, locale)}</td>
                      <td>
                        <code className="privacy-path">{h.location}</code>
                      </td>
                      <td>
                        <button
                          type="button"
                          className="btn btn-sm"
                          aria-label={t('privacy.showInFolderLabel', { kind: label })}
                          onClick={() => void show(h.kind)}
                        >
                          {t('privacy.showInFolder')}
                        </button>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          {report.truncated && <p className="field-hint">{t('privacy.truncated')}</p>}
          <p className="field-hint">
            {t('privacy.keychain')}:{' '}
            {report.keychain.length
              ? report.keychain.map((k) => `${k.service} / ${k.account}`).join(', ')
              : t('privacy.keychainNone')}
          </p>
        </>
      )}
    </section>
  );
}

/** A number of days, or empty for "keep". */
const daysText = (v: number | null) => (v === null ? '' : String(v));

function Retention({ info }: { info: RetentionInfo }) {
  const t = useT();
  const load = usePrivacy((s) => s.load);
  const [hours, setHours] = useState(String(info.stagedUploadsHours.value));
  const [exportsDays, setExportsDays] = useState(daysText(info.exportsDays.value));
  const [takesDays, setTakesDays] = useState(daysText(info.inactiveTakesDays.value));
  const ids = { hours: useId(), exports: useId(), takes: useId() };
  const save = async () => {
    const patch: Record<string, number | null> = {};
    const num = (s: string) => (s.trim() === '' ? null : Number(s));
    if (!info.stagedUploadsHours.fixedByPolicy) patch.stagedUploadsHours = Number(hours);
    if (!info.exportsDays.fixedByPolicy) patch.exportsDays = num(exportsDays);
    if (!info.inactiveTakesDays.fixedByPolicy) patch.inactiveTakesDays = num(takesDays);
    try {
      await api().call('privacy.setRetention', patch);
      toast.success(t('privacy.retentionSaved'));
      await load();
    } catch (err) {
      toast.error(errorMessage(err));
    }
  };
  const sweep = async () => {
    try {
      const r = await api().call('privacy.sweep', {});
      toast.success(t('privacy.swept', { n: r.deleted.reduce((n, d) => n + d.count, 0) }));
      await load();
    } catch (err) {
      toast.error(errorMessage(err));
    }
  };
  const field = (
    id: string,
    label: MessageKey,
    value: string,
    set: (v: string) => void,
    fixed: boolean,
    min: number,
    max: number,
  ) => (
    <label className="field" htmlFor={id}>
      <span className="field-label">{t(label)}</span>
      <input
        id={id}
        className="input"
        type="number"
        min={min}
        max={max}
        placeholder={t('privacy.keep')}
        value={value}
        disabled={fixed}
        aria-describedby={fixed ? `${id}-policy` : undefined}
        onChange={(e) => set(e.target.value)}
      />
      {fixed && <PolicyNote id={`${id}-policy`} />}
    </label>
  );
  return (
    <section className="card settings-card" aria-labelledby="retention-title">
      <h2 id="retention-title" className="card-heading">
        {t('privacy.retention')}
      </h2>
      <p className="field-hint">{t('privacy.retentionHint')}</p>
      {field(ids.hours, 'privacy.stagedHours', hours, setHours, info.stagedUploadsHours.fixedByPolicy, 1, 24)}
      {field(ids.exports, 'privacy.exportsDays', exportsDays, setExportsDays, info.exportsDays.fixedByPolicy, 1, 3650)}
      {field(ids.takes, 'privacy.takesDays', takesDays, setTakesDays, info.inactiveTakesDays.fixedByPolicy, 1, 3650)}
      {info.lastSweepAt && (
        <p className="field-hint">{t('privacy.lastSweep', { at: new Date(info.lastSweepAt).toLocaleString() })}</p>
      )}
      <div className="privacy-actions">
        <button type="button" className="btn btn-primary" onClick={() => void save()}>
          {t('privacy.saveRetention')}
        </button>
        <button type="button" className="btn" onClick={() => void sweep()}>
          {t('privacy.sweepNow')}
        </button>
      </div>
    </section>
  );
}

function Ledger({ dataDir }: { dataDir: string }) {
  const t = useT();
  const entries = usePrivacy((s) => s.entries);
  const total = usePrivacy((s) => s.total);
  const kind = usePrivacy((s) => s.kind);
  const loadLedger = usePrivacy((s) => s.loadLedger);
  const filterId = useId();
  const save = async () => {
    try {
      const r = await api().call('privacy.exportLedger', { path: `${dataDir}-ledger-${today()}.json` });
      toast.success(t('privacy.exported', { path: r.path }));
      await loadLedger();
    } catch (err) {
      toast.error(errorMessage(err));
    }
  };
  return (
    <section className="card settings-card privacy-wide" aria-labelledby="ledger-title">
      <h2 id="ledger-title" className="card-heading">
        {t('privacy.ledger')}
      </h2>
      <p className="field-hint">{t('privacy.ledgerHint')}</p>
      <div className="privacy-actions">
        <label className="field privacy-filter" htmlFor={filterId}>
          <span className="field-label">{t('privacy.filter')}</span>
          <select
            id={filterId}
            className="input select"
            value={kind}
            onChange={(e) => void loadLedger(e.target.value as LedgerKind | '')}
          >
            <option value="">{t('privacy.allEvents')}</option>
            {LedgerKind.options.map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </label>
        <button type="button" className="btn" onClick={() => void save()} disabled={!dataDir}>
          {t('privacy.exportLedger')}
        </button>
      </div>
      {entries.length === 0 ? (
        <p className="field-hint">{t('privacy.ledgerEmpty')}</p>
      ) : (
        <>
          <p className="field-hint" role="status">
            {t('privacy.ledgerCount', { shown: entries.length, total })}
          </p>
          <div className="table-scroll privacy-ledger-scroll">
            <table className="data-table privacy-ledger">
              <thead>
                <tr>
                  <th scope="col">{t('privacy.when')}</th>
                  <th scope="col">{t('privacy.event')}</th>
                  <th scope="col">{t('privacy.detail')}</th>
                </tr>
              </thead>
              <tbody>
                {entries.map((e) => (
                  <tr key={e.id} data-kind={e.kind}>
                    <td>
                      <time dateTime={e.at}>{new Date(e.at).toLocaleString()}</time>
                    </td>
                    <td>{e.kind}</td>
                    <td className="privacy-detail">
                      {Object.entries(e.detail)
                        .map(([k, v]) => `${k}: ${String(v)}`)
                        .join(' · ')}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}

function ExportImport({ dataDir }: { dataDir: string }) {
  const t = useT();
  const load = usePrivacy((s) => s.load);
  const [target, setTarget] = useState(`${dataDir}-export-${today()}.zip`);
  const [pass, setPass] = useState('');
  const [source, setSource] = useState('');
  const [importPass, setImportPass] = useState('');
  const [busy, setBusy] = useState(false);
  const ids = { target: useId(), pass: useId(), source: useId(), importPass: useId() };
  const run = async (work: () => Promise<string>) => {
    setBusy(true);
    try {
      toast.success(await work());
      await load();
    } catch (err) {
      toast.error(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="card settings-card" aria-labelledby="export-all-title">
      <h2 id="export-all-title" className="card-heading">
        {t('privacy.exportAll')}
      </h2>
      <p className="field-hint">{t('privacy.exportHint')}</p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void run(async () => {
            const r = await api().call('privacy.export', { path: target, passphrase: pass });
            return t('privacy.exported', { path: r.path });
          });
        }}
      >
        <label className="field" htmlFor={ids.target}>
          <span className="field-label">{t('privacy.archivePath')}</span>
          <input id={ids.target} className="input" value={target} onChange={(e) => setTarget(e.target.value)} />
        </label>
        <label className="field" htmlFor={ids.pass}>
          <span className="field-label">{t('privacy.passphrase')}</span>
          <input
            id={ids.pass}
            className="input"
            type="password"
            autoComplete="new-password"
            minLength={8}
            value={pass}
            onChange={(e) => setPass(e.target.value)}
          />
        </label>
        <button type="submit" className="btn btn-primary" disabled={busy || pass.length < 8 || !target}>
          {t('privacy.export')}
        </button>
      </form>
      <h3 className="field-label privacy-subheading">{t('privacy.importArchive')}</h3>
      <p className="field-hint">{t('privacy.importHint')}</p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void run(async () => {
            const r = await api().call('privacy.import', { path: source, passphrase: importPass });
            return t('privacy.imported', { projects: r.counts.projects, voices: r.counts.voices });
          });
        }}
      >
        <label className="field" htmlFor={ids.source}>
          <span className="field-label">{t('privacy.importPath')}</span>
          <input id={ids.source} className="input" value={source} onChange={(e) => setSource(e.target.value)} />
        </label>
        <label className="field" htmlFor={ids.importPass}>
          <span className="field-label">{t('privacy.passphrase')}</span>
          <input
            id={ids.importPass}
            className="input"
            type="password"
            autoComplete="current-password"
            value={importPass}
            onChange={(e) => setImportPass(e.target.value)}
          />
        </label>
        <button type="submit" className="btn" disabled={busy || importPass.length < 8 || !source}>
          {t('privacy.import')}
        </button>
      </form>
    </section>
  );
}

function Erase() {
  const t = useT();
  const load = usePrivacy((s) => s.load);
  const [open, setOpen] = useState(false);
  const [typed, setTyped] = useState('');
  const [busy, setBusy] = useState(false);
  const inputId = useId();
  const erase = async () => {
    setBusy(true);
    try {
      const r = await api().call('privacy.erase', { confirm: ERASE_CONFIRMATION });
      toast.success(
        t('privacy.erased', { files: r.filesRemoved, rows: Object.values(r.rows).reduce((a, b) => a + b, 0) }),
      );
      setOpen(false);
      setTyped('');
      await load();
    } catch (err) {
      toast.error(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="card settings-card" aria-labelledby="erase-title">
      <h2 id="erase-title" className="card-heading">
        {t('privacy.erase')}
      </h2>
      <p className="field-hint">{t('privacy.eraseHint')}</p>
      <button type="button" className="btn btn-danger" onClick={() => setOpen(true)}>
        {t('privacy.eraseButton')}
      </button>
      <ConfirmDialog
        open={open}
        title={t('privacy.eraseConfirmTitle')}
        confirmLabel={t('privacy.eraseButton')}
        danger
        busy={busy || typed !== ERASE_CONFIRMATION}
        onConfirm={() => void erase()}
        onClose={() => {
          setOpen(false);
          setTyped('');
        }}
      >
        <p>{t('privacy.eraseHint')}</p>
        <label className="field" htmlFor={inputId}>
          <span className="field-label">{t('privacy.eraseType', { words: ERASE_CONFIRMATION })}</span>
          <input
            id={inputId}
            className="input"
            autoComplete="off"
            value={typed}
            onChange={(e) => setTyped(e.target.value)}
          />
        </label>
      </ConfirmDialog>
    </section>
  );
}
