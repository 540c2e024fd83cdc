import { useEffect, useId, useRef, useState, type DragEvent, type FormEvent, type RefObject } from 'react';
import type { ModelPack, ModelProgress } from '../../../preload/contract/index.js';
import { errorMessage } from '../api';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { EmptyState } from '../components/EmptyState';
import { formatBytes, formatEta } from '../components/format';
import { Icon } from '../components/Icon';
import { useDialogFocusRestore } from '../components/useDialogFocusRestore';
import { languageName } from '../components/VoicePicker';
import type { Translator } from '../i18n';
import { PolicyNote } from '../features/policy/PolicyNote';
import { usePolicy } from '../features/policy/policy';
import { useT } from '../i18n/useT';
import { useCatalog } from '../store/catalog';
import { useModels, type PackFailure, type VerifyResult } from '../store/models';
import { useSettings } from '../store/settings';
import { announce, toast } from '../store/toasts';

/** Model packs: install state, download with licence acceptance, progress, verify, remove, and offline import. */
export function ModelsView() {
  const t = useT();
  const packs = useModels((s) => s.packs);
  const status = useModels((s) => s.status);
  const error = useModels((s) => s.error);
  const load = useModels((s) => s.load);
  const download = useModels((s) => s.download);
  const downloadsOff = usePolicy((s) => s.info.policy.modelDownloads === false);
  const remove = useModels((s) => s.remove);
  const loadEngines = useCatalog((s) => s.load);
  const transport = useSettings((s) => s.info?.transport ?? 'web');
  const [termsFor, setTermsFor] = useState<ModelPack | null>(null);
  const [removing, setRemoving] = useState<ModelPack | null>(null);
  const [importPath, setImportPath] = useState('');
  const [dragging, setDragging] = useState(false);
  const dragDepth = useRef(0);
  const pathRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    void load(true);
    void loadEngines(true);
  }, [load, loadEngines]);

  const startDownload = (pack: ModelPack) => {
    if (pack.requiresTermsAcceptance) setTermsFor(pack);
    else void download(pack.id, false);
  };

  const confirmRemove = async () => {
    const pack = removing;
    if (!pack) return;
    setRemoving(null);
    if (await remove(pack.id)) {
      announce(t('models.removed', { name: pack.name }));
      void loadEngines(true);
    }
  };

  const hasFiles = (e: DragEvent) => e.dataTransfer.types.includes('Files');
  const onDrop = (e: DragEvent) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    dragDepth.current = 0;
    setDragging(false);
    const file = e.dataTransfer.files[0] as (File & { path?: string }) | undefined;
    // Electron exposes where a dropped file lives; a browser never does.
    const path = file?.path;
    if (path) {
      setImportPath(path);
      announce(t('models.dropped'));
      pathRef.current?.focus();
    } else {
      toast.info(t('models.dropNoPath'));
      pathRef.current?.focus();
    }
  };

  return (
    <section
      className={`view models-view${dragging ? ' dragging' : ''}`}
      aria-labelledby="models-title"
      onDragEnter={(e) => {
        if (!hasFiles(e)) return;
        dragDepth.current++;
        setDragging(true);
      }}
      onDragOver={(e) => {
        if (!hasFiles(e)) return;
        e.preventDefault();
        e.dataTransfer.dropEffect = 'copy';
      }}
      onDragLeave={(e) => {
        if (!hasFiles(e)) return;
        dragDepth.current = Math.max(0, dragDepth.current - 1);
        if (dragDepth.current === 0) setDragging(false);
      }}
      onDrop={onDrop}
    >
      <header className="view-header">
        <div>
          <h1 id="models-title">{t('models.title')}</h1>
          <p className="subtitle">{t('models.subtitle')}</p>
        </div>
      </header>

      <p className="privacy-note">
        <Icon name="info" size={16} />
        <span>{t('models.privacy')}</span>
      </p>
      {downloadsOff && (
        <p className="privacy-note">
          <Icon name="info" size={16} />
          <span>{t('policy.downloadsOff')}</span>
        </p>
      )}

      {dragging && (
        <div className="drop-overlay" aria-hidden="true">
          <Icon name="download" size={28} />
          <span>{t('models.dropHere')}</span>
        </div>
      )}

      <section className="catalog-group" aria-labelledby="packs-title">
        <h2 id="packs-title" className="group-title">
          {t('models.packsHeading')}
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
            <span>{t('models.loadFailed', { message: error ?? '' })}</span>
            <button type="button" className="btn btn-sm" onClick={() => void load(true)}>
              {t('common.retry')}
            </button>
          </div>
        )}
        {status === 'ready' && packs.length === 0 && (
          <EmptyState icon="models" title={t('models.packsEmpty')}>
            {t('models.packsEmptyBody')}
          </EmptyState>
        )}
        {packs.length > 0 && (
          <ul className="pack-list">
            {packs.map((p) => (
              <PackCard key={p.id} pack={p} onDownload={startDownload} onRemove={setRemoving} />
            ))}
          </ul>
        )}
      </section>

      <ImportCard path={importPath} setPath={setImportPath} inputRef={pathRef} transport={transport} />

      <EnginesSection />

      <TermsDialog
        pack={termsFor}
        onClose={() => setTermsFor(null)}
        onAccept={(pack) => {
          setTermsFor(null);
          void download(pack.id, true);
        }}
      />
      <ConfirmDialog
        open={!!removing}
        title={removing ? t('models.removeTitle', { name: removing.name }) : ''}
        confirmLabel={t('models.remove')}
        danger
        onConfirm={() => void confirmRemove()}
        onClose={() => setRemoving(null)}
      >
        {removing &&
          t('models.removeBody', {
            name: removing.name,
            size: formatBytes(Math.max(removing.bytesPresent, removing.bytesTotal), t.locale),
          })}
      </ConfirmDialog>
    </section>
  );
}

function statusChip(pack: ModelPack, t: Translator) {
  if (pack.busy)
    return (
      <span className="chip chip-accent">
        <span className="pulse" aria-hidden="true" />
        {t('models.status.busy')}
      </span>
    );
  if (pack.status === 'installed' && pack.outdated)
    return (
      <span className="chip chip-warn">
        <Icon name="alert" size={13} />
        {t('models.status.outdated')}
      </span>
    );
  if (pack.status === 'installed')
    return (
      <span className="chip chip-success">
        <Icon name="check" size={13} />
        {t('models.status.installed')}
      </span>
    );
  if (pack.status === 'partial')
    return (
      <span className="chip chip-warn">
        <Icon name="clock" size={13} />
        {t('models.status.partial')}
      </span>
    );
  return <span className="chip">{t('models.status.not-installed')}</span>;
}

function PackCard({
  pack,
  onDownload,
  onRemove,
}: {
  pack: ModelPack;
  onDownload(pack: ModelPack): void;
  onRemove(pack: ModelPack): void;
}) {
  const t = useT();
  const progress = useModels((s) => s.progress[pack.id]);
  const failure = useModels((s) => s.failures[pack.id]);
  const verified = useModels((s) => s.verified[pack.id]);
  const pending = useModels((s) => s.pending[pack.id]);
  const cancel = useModels((s) => s.cancel);
  const verify = useModels((s) => s.verify);
  const titleId = `pack-${pack.id}-title`;
  const size = formatBytes(pack.bytesTotal, t.locale);
  const langs = pack.languages.map((l) => (l === 'mul' ? t('models.anyLanguage') : languageName(l, t.locale)));
  const transferring = pack.busy || !!progress;
  const downloadsOff = usePolicy((s) => s.info.policy.modelDownloads === false);
  const policyNoteId = `pack-${pack.id}-policy`;

  // Tell screen-reader users when a transfer they started has finished.
  const wasBusy = useRef(pack.busy);
  useEffect(() => {
    if (wasBusy.current && !pack.busy && pack.status === 'installed')
      announce(t('models.installedNow', { name: pack.name }));
    wasBusy.current = pack.busy;
  }, [pack, t]);

  const primary = (() => {
    if (transferring) return null;
    const name = pack.name;
    if (failure && failure.code !== 'NOT_FOUND' && pack.status !== 'installed')
      return { label: t('models.retry'), aria: t('models.retryNamed', { name }), icon: 'download' as const };
    if (pack.status === 'not-installed')
      return { label: t('models.download'), aria: t('models.downloadNamed', { name }), icon: 'download' as const };
    if (pack.status === 'partial')
      return { label: t('models.resume'), aria: t('models.resumeNamed', { name }), icon: 'download' as const };
    if (pack.outdated)
      return {
        label: t('models.update'),
        aria: t('models.updateNamed', { name, version: pack.version }),
        icon: 'download' as const,
      };
    return null;
  })();

  return (
    <li className={`card pack-card${transferring ? ' busy' : ''}`} aria-labelledby={titleId} data-pack={pack.id}>
      <div className="pack-head">
        <div className="engine-icon" aria-hidden="true">
          <Icon name={pack.kind === 'tts' ? 'voices' : pack.kind === 'enhance' ? 'sparkle' : 'wave'} size={20} />
        </div>
        <div className="pack-title-block">
          <h3 id={titleId} className="card-title pack-title">
            {pack.name}
          </h3>
          <div className="muted small">
            {t('models.version', { version: pack.version })}
            {pack.installedVersion && pack.installedVersion !== pack.version && (
              <> · {t('models.installedVersion', { version: pack.installedVersion })}</>
            )}
          </div>
          {pack.description && <p className="pack-description">{pack.description}</p>}
        </div>
        {statusChip(pack, t)}
      </div>

      <dl className="pack-facts">
        <div>
          <dt>{t('models.kindLabel')}</dt>
          <dd>{t(`models.kind.${pack.kind}`)}</dd>
        </div>
        <div>
          <dt>{t('models.languages')}</dt>
          <dd>{langs.join(', ') || '—'}</dd>
        </div>
        <div>
          <dt>{t('models.size')}</dt>
          <dd>{size}</dd>
        </div>
        <div>
          <dt>{t('models.cloning')}</dt>
          <dd>
            {pack.cloning ? t('models.cloningYes') : t('models.cloningNo')}
            {pack.presetVoices > 0 && (
              <span className="muted"> · {t.plural('models.presetVoices', pack.presetVoices)}</span>
            )}
          </dd>
        </div>
        <div>
          <dt>{t('models.licence')}</dt>
          <dd>
            {pack.licence.url ? (
              <a
                href={pack.licence.url}
                target="_blank"
                rel="noreferrer noopener"
                className="link"
                aria-label={t('models.licenceOpen', { id: pack.licence.id })}
              >
                {pack.licence.id}
              </a>
            ) : (
              pack.licence.id
            )}
            {pack.requiresTermsAcceptance && <span className="fact-note">{t('models.licenceMustAccept')}</span>}
          </dd>
        </div>
      </dl>

      {pack.problem && !transferring && (
        <p className="pack-problem">
          <Icon name="alert" size={15} />
          <span>{pack.problem}</span>
        </p>
      )}

      {transferring && <TransferProgress pack={pack} progress={progress} />}

      {failure && !transferring && <FailureNote failure={failure} />}

      {verified && <VerifyNote pack={pack} result={verified} />}

      <div className="pack-actions">
        {transferring && pack.busy && (
          <button
            type="button"
            className="btn btn-sm"
            aria-label={t('models.cancelNamed', { name: pack.name })}
            disabled={pending === 'cancel'}
            onClick={() => void cancel(pack.id)}
          >
            <Icon name="x" size={15} />
            {t('common.cancel')}
          </button>
        )}
        {primary && (
          <button
            type="button"
            className="btn btn-sm btn-primary"
            aria-label={primary.aria}
            aria-describedby={downloadsOff ? policyNoteId : undefined}
            disabled={pending === 'download' || downloadsOff}
            onClick={() => onDownload(pack)}
          >
            <Icon name={primary.icon} size={15} />
            {primary.label}
          </button>
        )}
        {primary && downloadsOff && <PolicyNote id={policyNoteId} />}
        {(pack.status === 'installed' || pack.needsVerification) && !transferring && (
          <button
            type="button"
            className="btn btn-sm"
            aria-label={t('models.verifyNamed', { name: pack.name })}
            disabled={pending === 'verify'}
            onClick={() => void verify(pack.id)}
          >
            {pending === 'verify' ? <span className="spinner" aria-hidden="true" /> : <Icon name="check" size={15} />}
            {pending === 'verify' ? t('models.verifying') : t('models.verify')}
          </button>
        )}
        {pack.status !== 'not-installed' && !transferring && (
          <button
            type="button"
            className="btn btn-sm btn-ghost pack-remove"
            aria-label={t('models.removeNamed', { name: pack.name })}
            disabled={pending === 'remove'}
            onClick={() => onRemove(pack)}
          >
            <Icon name="trash" size={15} />
            {t('models.remove')}
          </button>
        )}
      </div>
    </li>
  );
}

function TransferProgress({ pack, progress }: { pack: ModelPack; progress: ModelProgress | undefined }) {
  const t = useT();
  const done = progress?.bytesDone ?? pack.bytesPresent;
  const total = progress?.bytesTotal || pack.bytesTotal;
  const percent = total > 0 ? Math.min(100, Math.round((done / total) * 100)) : 0;
  const phase = progress ? t(`models.phase.${progress.phase}`) : t('models.phase.starting');
  const parts = [t('models.progressBytes', { done: formatBytes(done, t.locale), total: formatBytes(total, t.locale) })];
  if (progress && progress.phase === 'download' && progress.speedBps > 0)
    parts.push(t('models.speed', { speed: formatBytes(progress.speedBps, t.locale) }));
  if (progress?.etaSeconds != null && progress.etaSeconds > 0)
    parts.push(t('models.eta', { time: formatEta(progress.etaSeconds, t.locale) }));
  return (
    <div className="pack-progress">
      <div className="pack-progress-row">
        <span className="pack-phase">
          <span className="spinner" aria-hidden="true" />
          {phase}
          {progress?.file && <span className="muted pack-file"> · {progress.file}</span>}
        </span>
        <span className="muted small pack-progress-numbers">{parts.join(' · ')}</span>
      </div>
      <div
        className="progress"
        role="progressbar"
        aria-label={t('models.progressLabel', { name: pack.name })}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
        aria-valuetext={`${percent}% · ${parts.join(' · ')}`}
      >
        <div className="progress-bar" style={{ width: `${percent}%` }} />
      </div>
    </div>
  );
}

function FailureNote({ failure }: { failure: PackFailure }) {
  const t = useT();
  const network = failure.code === 'ENGINE_ERROR' || failure.code === 'NETWORK' || failure.code === 'INTERNAL';
  return (
    <div className="pack-failure" role="alert">
      <Icon name="alert" size={15} />
      <div>
        <p>{t('models.failed', { message: failure.message })}</p>
        {network && <p className="hint">{t('models.failedHint')}</p>}
      </div>
    </div>
  );
}

function VerifyNote({ pack, result }: { pack: ModelPack; result: VerifyResult }) {
  const t = useT();
  const bad = result.files.filter((f) => !f.ok);
  return (
    <div
      className={`pack-verify ${result.ok ? 'ok' : 'bad'}`}
      role="status"
      aria-label={t('models.verifyResults', { name: pack.name })}
    >
      <p className="pack-verify-summary">
        <Icon name={result.ok ? 'check' : 'alert'} size={15} />
        {result.ok ? t.plural('models.verifyOk', result.files.length) : t('models.verifyBad')}
      </p>
      <ul className="pack-verify-files">
        {(result.ok ? result.files : bad).map((f) => (
          <li key={f.path} className={f.ok ? 'ok' : 'bad'}>
            <code>{f.path}</code>
            <span>{f.ok ? t('models.verifyFileOk') : (f.problem ?? '')}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}

function TermsDialog({
  pack,
  onClose,
  onAccept,
}: {
  pack: ModelPack | null;
  onClose(): void;
  onAccept(pack: ModelPack): void;
}) {
  const t = useT();
  const ref = useRef<HTMLDialogElement>(null);
  const checkRef = useRef<HTMLInputElement>(null);
  const [accepted, setAccepted] = useState(false);
  const open = !!pack;
  useDialogFocusRestore(ref, open);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) {
      setAccepted(false);
      d.showModal();
      checkRef.current?.focus();
    } else if (!open && d.open) d.close();
  }, [open]);
  return (
    <dialog
      ref={ref}
      className="dialog terms-dialog"
      aria-labelledby="terms-title"
      aria-describedby="terms-intro"
      onClose={onClose}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
      onClick={(e) => {
        if (e.target === ref.current) onClose();
      }}
    >
      {pack && (
        <form
          className="dialog-body"
          method="dialog"
          onSubmit={(e) => {
            e.preventDefault();
            if (accepted) onAccept(pack);
          }}
        >
          <h2 id="terms-title" className="dialog-title">
            {t('models.termsTitle', { name: pack.name })}
          </h2>
          <p id="terms-intro" className="dialog-text">
            {t('models.termsIntro', { name: pack.name, licence: pack.licence.id })}
          </p>
          {pack.licence.text && (
            <pre className="licence-text" tabIndex={0} aria-label={t('models.licence')}>
              {pack.licence.text}
            </pre>
          )}
          {pack.licence.url && (
            <p className="terms-link">
              <a href={pack.licence.url} target="_blank" rel="noreferrer noopener" className="link">
                {t('models.termsRead')} ({pack.licence.id})
              </a>
            </p>
          )}
          <label className="checkbox-row">
            <input ref={checkRef} type="checkbox" checked={accepted} onChange={(e) => setAccepted(e.target.checked)} />
            <span>{t('models.termsAccept', { name: pack.name })}</span>
          </label>
          <div className="dialog-actions">
            <button type="button" className="btn" onClick={onClose}>
              {t('common.cancel')}
            </button>
            <button type="submit" className="btn btn-primary" disabled={!accepted}>
              <Icon name="download" size={15} />
              {t('models.termsDownload', { size: formatBytes(pack.bytesTotal, t.locale) })}
            </button>
          </div>
        </form>
      )}
    </dialog>
  );
}

function ImportCard({
  path,
  setPath,
  inputRef,
  transport,
}: {
  path: string;
  setPath(path: string): void;
  inputRef: RefObject<HTMLInputElement | null>;
  transport: 'electron' | 'web';
}) {
  const t = useT();
  const packs = useModels((s) => s.packs);
  const importing = useModels((s) => s.importing);
  const importPack = useModels((s) => s.importPack);
  const loadEngines = useCatalog((s) => s.load);
  const [accept, setAccept] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const hintId = useId();
  const errorId = useId();
  const needTerms = packs.filter((p) => p.requiresTermsAcceptance);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const source = path.trim();
    if (!source) {
      setError(t('models.importPathRequired'));
      inputRef.current?.focus();
      return;
    }
    setError(null);
    try {
      const pack = await importPack(source, accept);
      toast.success(t('models.imported', { name: pack.name }));
      setPath('');
      void loadEngines(true);
    } catch (err) {
      setError(t('models.importFailed', { message: errorMessage(err) }));
    }
  };

  return (
    <section className="card import-card" aria-labelledby="import-title">
      <h2 id="import-title" className="card-heading">
        {t('models.importHeading')}
      </h2>
      <p className="muted import-body">{t('models.importBody')}</p>
      <form className="import-form" onSubmit={(e) => void submit(e)} noValidate>
        <div className="field">
          <label htmlFor="import-path" className="field-label">
            {t('models.importPath')}
          </label>
          <div className="import-row">
            <input
              ref={inputRef}
              id="import-path"
              className="input mono"
              value={path}
              spellCheck={false}
              autoComplete="off"
              placeholder={t('models.importPlaceholder')}
              aria-describedby={error ? `${hintId} ${errorId}` : hintId}
              aria-invalid={error ? true : undefined}
              onChange={(e) => {
                setPath(e.target.value);
                if (error) setError(null);
              }}
            />
            <button type="submit" className="btn btn-primary" disabled={importing}>
              {importing ? <span className="spinner" aria-hidden="true" /> : <Icon name="download" size={15} />}
              {importing ? t('models.importing') : t('models.import')}
            </button>
          </div>
          <p id={hintId} className="hint">
            {transport === 'electron' ? t('models.importPathHint') : t('models.importPathHintWeb')}
          </p>
          {error && (
            <p id={errorId} className="field-error" role="alert">
              {error}
            </p>
          )}
        </div>
        {needTerms.length > 0 && (
          <div className="field">
            <label className="checkbox-row">
              <input type="checkbox" checked={accept} onChange={(e) => setAccept(e.target.checked)} />
              <span>{t('models.importAccept')}</span>
            </label>
            <p className="hint">
              {t('models.importAcceptHint', {
                packs: needTerms.map((p) => `${p.name} (${p.licence.id})`).join(', '),
              })}
            </p>
          </div>
        )}
      </form>
    </section>
  );
}

function EnginesSection() {
  const t = useT();
  const { engines, status } = useCatalog();
  if (status === 'error' || (status === 'ready' && engines.length === 0))
    return (
      <section className="catalog-group" aria-labelledby="engines-title">
        <h2 id="engines-title" className="group-title">
          {t('models.enginesHeading')}
        </h2>
        <p className="muted">{t('models.empty')}</p>
      </section>
    );
  if (engines.length === 0) return null;
  return (
    <section className="catalog-group" aria-labelledby="engines-title">
      <h2 id="engines-title" className="group-title">
        {t('models.enginesHeading')}
      </h2>
      <ul className="engine-list">
        {engines.map((e) => (
          <li key={e.id} className="card engine-card">
            <div className="engine-icon" aria-hidden="true">
              <Icon name="models" size={20} />
            </div>
            <div className="engine-info">
              <div className="card-title">{e.name}</div>
              <div className="muted small">{t('models.license', { license: e.license })}</div>
              {!e.available && e.unavailableReason && <p className="engine-reason">{e.unavailableReason}</p>}
            </div>
            <span className={`chip ${e.available ? 'chip-success' : 'chip-warn'}`}>
              <Icon name={e.available ? 'check' : 'alert'} size={13} />
              {e.available ? t('models.available') : t('models.unavailable')}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}
