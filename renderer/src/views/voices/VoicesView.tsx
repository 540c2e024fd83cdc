import { useEffect, useId, useMemo, useRef, useState, type FormEvent, type ReactNode } from 'react';
import type { LibraryVoice } from '../../../../preload/contract/index.js';
import { errorMessage } from '../../api';
import { EmptyState } from '../../components/EmptyState';
import { Icon } from '../../components/Icon';
import { useDialogFocusRestore } from '../../components/useDialogFocusRestore';
import { useT } from '../../i18n/useT';
import { useCatalog } from '../../store/catalog';
import { noteVaultError, useLibrary } from '../../store/voices';
import { VaultUnlock } from './VaultUnlock';
import { announce, toast } from '../../store/toasts';
import { CleanupTool, NewVoiceWizard } from './NewVoiceWizard';
import { VoiceCard } from './VoiceCard';
import { useStudio } from '../../store/studio';
import {
  groupHint,
  languageLabel,
  preferredLanguages,
  rankLanguages,
  usedLanguages,
} from '../../features/voices/languages';
import { PreviewButton } from '../../features/voices/PreviewButton';
import { useVoicePreview } from '../../features/voices/preview';

/** The Voices page: the voice library (cards), the new-voice wizard, the clean-up tool and the built-in voices. */
export function VoicesView() {
  const t = useT();
  const voices = useLibrary((s) => s.voices);
  const status = useLibrary((s) => s.status);
  const error = useLibrary((s) => s.error);
  const load = useLibrary((s) => s.load);
  const loadCatalog = useCatalog((s) => s.load);
  const [wizard, setWizard] = useState(false);
  const [cleanup, setCleanup] = useState(false);
  const [importing, setImporting] = useState(false);
  const [exporting, setExporting] = useState<LibraryVoice | null>(null);
  const [deleting, setDeleting] = useState<LibraryVoice | null>(null);

  useEffect(() => {
    void load(true);
    void loadCatalog(true);
  }, [load, loadCatalog]);

  const sorted = useMemo(() => [...voices].sort((a, b) => a.name.localeCompare(b.name)), [voices]);

  return (
    <section className="view voices-view" aria-labelledby="voices-title">
      <header className="view-header">
        <div>
          <h1 id="voices-title">{t('voices.title')}</h1>
          <p className="subtitle">{t('vl.subtitle')}</p>
        </div>
        <div className="header-actions">
          <button type="button" className="btn" onClick={() => setImporting(true)}>
            <Icon name="download" size={15} />
            {t('vl.importFile')}
          </button>
          <button type="button" className="btn" onClick={() => setCleanup(true)}>
            <Icon name="sparkle" size={15} />
            {t('vl.cleanTool')}
          </button>
          <button type="button" className="btn btn-primary" onClick={() => setWizard(true)}>
            <Icon name="plus" size={15} />
            {t('vl.newVoice')}
          </button>
        </div>
      </header>

      <VaultUnlock />

      <section className="catalog-group" aria-labelledby="library-title">
        <h2 id="library-title" className="group-title">
          {t('vl.libraryHeading')}
        </h2>
        {(status === 'idle' || status === 'loading') && (
          <div className="loading-block" aria-busy="true">
            <span className="spinner" aria-hidden="true" />
            {t('common.loading')}
          </div>
        )}
        {status === 'error' && (
          <div className="banner banner-error" role="alert">
            <Icon name="alert" size={16} />
            <span>{t('vl.loadFailed', { message: error ?? '' })}</span>
            <button type="button" className="btn btn-sm" onClick={() => void load(true)}>
              {t('common.retry')}
            </button>
          </div>
        )}
        {status === 'ready' && sorted.length === 0 && (
          <EmptyState
            icon="voices"
            title={t('vl.emptyTitle')}
            action={
              <button type="button" className="btn btn-primary" onClick={() => setWizard(true)}>
                <Icon name="plus" size={15} />
                {t('vl.newVoice')}
              </button>
            }
          >
            {t('vl.emptyBody')}
          </EmptyState>
        )}
        {sorted.length > 0 && (
          <ul className="library-grid" aria-label={t('vl.listLabel')}>
            {sorted.map((v) => (
              <VoiceCard key={v.id} voice={v} onExport={setExporting} onDelete={setDeleting} />
            ))}
          </ul>
        )}
      </section>

      <BuiltinVoices />

      <NewVoiceWizard open={wizard} onClose={() => setWizard(false)} />
      <CleanupTool open={cleanup} onClose={() => setCleanup(false)} />
      <ExportDialog voice={exporting} onClose={() => setExporting(null)} />
      <ImportDialog open={importing} onClose={() => setImporting(false)} />
      <DeleteDialog voice={deleting} onClose={() => setDeleting(null)} />
    </section>
  );
}

/**
 * The voices that come with eSpeak and the installed packs, grouped by language (named in the UI's language; the
 * UI's and the browser's languages and those already in use first), with a search and a "Listen" button per voice.
 */
function BuiltinVoices() {
  const t = useT();
  const uid = useId();
  const { voices, engines, status, error, load } = useCatalog();
  const [query, setQuery] = useState('');
  const builtin = useMemo(() => voices.filter((v) => v.engineId !== 'library'), [voices]);
  const engineName = (id: string) => engines.find((e) => e.id === id)?.name ?? id;
  const groups = useMemo(() => {
    const q = query.trim().toLowerCase();
    const m = new Map<string, typeof builtin>();
    for (const v of builtin) {
      if (
        q &&
        !v.name.toLowerCase().includes(q) &&
        !v.language.toLowerCase().includes(q) &&
        !languageLabel(v.language, t.locale, v.engineId === 'espeak' ? v.name : undefined)
          .toLowerCase()
          .includes(q) &&
        !v.engineId.toLowerCase().includes(q)
      )
        continue;
      m.set(v.language, [...(m.get(v.language) ?? []), v]);
    }
    const { project, lines } = useStudio.getState();
    const preferred = preferredLanguages(
      t.locale,
      usedLanguages(voices, [
        project?.voiceId,
        ...(project?.speakers ?? []).map((s) => s.voiceId),
        ...lines.map((l) => l.voiceId),
      ]),
    );
    return rankLanguages(
      [...m.entries()].map(([lang, list]) => ({ lang, name: languageLabel(lang, t.locale, groupHint(list)), list })),
      preferred,
    );
  }, [builtin, voices, query, t.locale]);
  const previewError = useVoicePreview((s) => s.error);
  return (
    <section className="catalog-group builtin" aria-labelledby="builtin-title">
      <h2 id="builtin-title" className="group-title">
        {t('vl.builtinHeading')}
      </h2>
      <p className="muted small builtin-hint">{t('vl.builtinHint')}</p>
      <div className="voice-search builtin-search" role="search">
        <Icon name="search" size={15} />
        <label htmlFor={`${uid}-q`} className="sr-only">
          {t('vsearch.label')}
        </label>
        <input
          id={`${uid}-q`}
          type="search"
          className="input"
          placeholder={t('vsearch.placeholder')}
          value={query}
          onChange={(e) => setQuery(e.target.value)}
        />
      </div>
      {previewError && (
        <p className="field-error" role="alert">
          {t('listen.failed', { message: previewError })}
        </p>
      )}
      {status === 'error' && (
        <div className="banner banner-error" role="alert">
          <Icon name="alert" size={16} />
          <span>{t('error.generic', { message: error ?? '' })}</span>
          <button type="button" className="btn btn-sm" onClick={() => void load(true)}>
            {t('common.retry')}
          </button>
        </div>
      )}
      {status === 'ready' && builtin.length === 0 && <p className="muted">{t('voices.empty')}</p>}
      {status === 'ready' && builtin.length > 0 && groups.length === 0 && (
        <p className="muted" role="status">
          {t('vsearch.none', { query: query.trim() })}
        </p>
      )}
      {groups.map((g) => (
        <section key={g.lang} className="builtin-group" aria-labelledby={`${uid}-lang-${g.lang}`}>
          <h3 id={`${uid}-lang-${g.lang}`} className="builtin-lang">
            {g.name} <span className="muted">· {t.plural('voices.count', g.list.length)}</span>
          </h3>
          <ul className="card-grid">
            {g.list.map((v) => (
              <li key={v.id} className="card voice-card">
                <div className="avatar" aria-hidden="true">
                  {v.name.slice(0, 1)}
                </div>
                <div className="voice-card-text">
                  <div className="card-title">{v.name}</div>
                  <div className="muted small">
                    {t(`voice.gender.${v.gender}`)} · {engineName(v.engineId)}
                  </div>
                </div>
                <PreviewButton voiceId={v.id} name={v.name} />
              </li>
            ))}
          </ul>
        </section>
      ))}
    </section>
  );
}

function ModalDialog({
  open,
  titleId,
  onClose,
  children,
}: {
  open: boolean;
  titleId: string;
  onClose(): void;
  children: ReactNode;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useDialogFocusRestore(ref, open);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) {
      d.showModal();
      d.querySelector<HTMLElement>('input, button')?.focus();
    } else if (!open && d.open) d.close();
  }, [open]);
  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby={titleId}
      onClose={onClose}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
      onClick={(e) => {
        if (e.target === ref.current) onClose();
      }}
    >
      {open && children}
    </dialog>
  );
}

function DeleteDialog({ voice, onClose }: { voice: LibraryVoice | null; onClose(): void }) {
  const titleId = useId();
  return (
    <ModalDialog open={!!voice} titleId={titleId} onClose={onClose}>
      {voice && <DeleteBody key={voice.id} voice={voice} titleId={titleId} onClose={onClose} />}
    </ModalDialog>
  );
}

function DeleteBody({ voice, titleId, onClose }: { voice: LibraryVoice; titleId: string; onClose(): void }) {
  const t = useT();
  const remove = useLibrary((s) => s.remove);
  const [withTakes, setWithTakes] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const confirm = async () => {
    if (!voice) return;
    setBusy(true);
    try {
      const n = await remove(voice.id, withTakes);
      const msg = withTakes
        ? t.plural('vl.deletedTakes', n, { name: voice.name })
        : t('vl.deleted', { name: voice.name });
      toast.success(msg);
      announce(msg);
      onClose();
    } catch (err) {
      noteVaultError(err);
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      {voice && (
        <div className="dialog-body">
          <h2 id={titleId} className="dialog-title">
            {t('vl.deleteTitle', { name: voice.name })}
          </h2>
          <p className="dialog-text">{t('vl.deleteBody')}</p>
          {voice.takeCount !== 0 && (
            <label className="checkbox-row delete-takes">
              <input type="checkbox" checked={withTakes} onChange={(e) => setWithTakes(e.target.checked)} />
              <span>
                {voice.takeCount === undefined
                  ? t('vl.deleteTakesUnknown')
                  : t.plural('vl.deleteTakes', voice.takeCount)}
              </span>
            </label>
          )}
          {error && (
            <p className="field-error" role="alert">
              {error}
            </p>
          )}
          <div className="dialog-actions">
            <button type="button" className="btn" onClick={onClose}>
              {t('common.cancel')}
            </button>
            <button type="button" className="btn btn-danger" disabled={busy} onClick={() => void confirm()}>
              {t('common.delete')}
            </button>
          </div>
        </div>
      )}
    </>
  );
}

function ExportDialog({ voice, onClose }: { voice: LibraryVoice | null; onClose(): void }) {
  const titleId = useId();
  return (
    <ModalDialog open={!!voice} titleId={titleId} onClose={onClose}>
      {voice && <ExportBody key={voice.id} voice={voice} titleId={titleId} onClose={onClose} />}
    </ModalDialog>
  );
}

function ExportBody({ voice, titleId, onClose }: { voice: LibraryVoice; titleId: string; onClose(): void }) {
  const t = useT();
  const uid = useId();
  const exportVoice = useLibrary((s) => s.exportVoice);
  const [pass, setPass] = useState('');
  const [again, setAgain] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!voice) return;
    if (pass.length < 8) return setError(t('vl.passphraseShort'));
    if (pass !== again) return setError(t('vl.passphraseMismatch'));
    setBusy(true);
    setError(null);
    try {
      const r = await exportVoice(voice.id, pass);
      setDone(r.path);
      announce(t('vl.exported', { name: voice.name }));
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      {voice && (
        <form className="dialog-body" onSubmit={(e) => void submit(e)} noValidate>
          <h2 id={titleId} className="dialog-title">
            {t('vl.exportTitle', { name: voice.name })}
          </h2>
          <p className="dialog-text">{t('vl.exportBody')}</p>
          {done ? (
            <p className="export-done" role="status">
              <Icon name="check" size={15} />
              <span>
                {t('vl.exportSavedTo', { path: '' })}
                <code className="mono">{done}</code>
              </span>
            </p>
          ) : (
            <>
              <div className="field dialog-field">
                <label htmlFor={`${uid}-p1`} className="field-label">
                  {t('vl.passphrase')}
                </label>
                <input
                  id={`${uid}-p1`}
                  type="password"
                  className="input"
                  autoComplete="new-password"
                  value={pass}
                  aria-describedby={`${uid}-hint`}
                  onChange={(e) => setPass(e.target.value)}
                />
                <p id={`${uid}-hint`} className="hint">
                  {t('vl.passphraseHint')}
                </p>
              </div>
              <div className="field dialog-field">
                <label htmlFor={`${uid}-p2`} className="field-label">
                  {t('vl.passphraseRepeat')}
                </label>
                <input
                  id={`${uid}-p2`}
                  type="password"
                  className="input"
                  autoComplete="new-password"
                  value={again}
                  onChange={(e) => setAgain(e.target.value)}
                />
              </div>
            </>
          )}
          {error && (
            <p className="field-error" role="alert">
              {error}
            </p>
          )}
          <div className="dialog-actions">
            <button type="button" className="btn" onClick={onClose}>
              {done ? t('common.close') : t('common.cancel')}
            </button>
            {!done && (
              <button type="submit" className="btn btn-primary" disabled={busy}>
                {busy ? <span className="spinner" aria-hidden="true" /> : <Icon name="download" size={15} />}
                {busy ? t('vl.exporting') : t('vl.exportGo')}
              </button>
            )}
          </div>
        </form>
      )}
    </>
  );
}

function ImportDialog({ open, onClose }: { open: boolean; onClose(): void }) {
  const titleId = useId();
  return (
    <ModalDialog open={open} titleId={titleId} onClose={onClose}>
      <ImportBody titleId={titleId} onClose={onClose} />
    </ModalDialog>
  );
}

function ImportBody({ titleId, onClose }: { titleId: string; onClose(): void }) {
  const t = useT();
  const uid = useId();
  const importFile = useLibrary((s) => s.importFile);
  const [file, setFile] = useState<File | null>(null);
  const [pass, setPass] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!file || !pass) return;
    setBusy(true);
    setError(null);
    try {
      const v = await importFile(file, pass);
      toast.success(t('vl.imported', { name: v.name }));
      onClose();
    } catch (err) {
      noteVaultError(err);
      setError(t('vl.importFailed', { message: errorMessage(err) }));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="dialog-body" onSubmit={(e) => void submit(e)} noValidate>
      <h2 id={titleId} className="dialog-title">
        {t('vl.importTitle')}
      </h2>
      <p className="dialog-text">{t('vl.importBody')}</p>
      <div className="field dialog-field">
        <label htmlFor={`${uid}-file`} className="field-label">
          {t('vl.importChoose')}
        </label>
        <input
          id={`${uid}-file`}
          type="file"
          className="input file-input"
          accept=".timbrevoice"
          onChange={(e) => setFile(e.target.files?.[0] ?? null)}
        />
      </div>
      <div className="field dialog-field">
        <label htmlFor={`${uid}-pass`} className="field-label">
          {t('vl.passphrase')}
        </label>
        <input
          id={`${uid}-pass`}
          type="password"
          className="input"
          autoComplete="off"
          value={pass}
          onChange={(e) => setPass(e.target.value)}
        />
      </div>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      <div className="dialog-actions">
        <button type="button" className="btn" onClick={onClose}>
          {t('common.cancel')}
        </button>
        <button type="submit" className="btn btn-primary" disabled={busy || !file || !pass}>
          {busy ? <span className="spinner" aria-hidden="true" /> : <Icon name="download" size={15} />}
          {busy ? t('vl.importing') : t('vl.importGo')}
        </button>
      </div>
    </form>
  );
}
