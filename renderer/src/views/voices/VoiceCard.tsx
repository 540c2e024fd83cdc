import { useEffect, useRef, useState } from 'react';
import type { LibraryVoice } from '../../../../preload/contract/index.js';
import { api, errorMessage } from '../../api';
import { Icon } from '../../components/Icon';
import { languageName } from '../../components/VoicePicker';
import { usePolicy } from '../../features/policy/policy';
import { useT } from '../../i18n/useT';
import { useCatalog } from '../../store/catalog';
import { noteVaultError, useLibrary } from '../../store/voices';
import { announce, toast } from '../../store/toasts';

const stopOthers = new Set<HTMLAudioElement>();

function ConsentBadge({ voice }: { voice: LibraryVoice }) {
  const t = useT();
  const status = voice.consent?.status;
  if (status === 'verified')
    return (
      <span className="chip chip-success consent-badge" data-consent="verified">
        <Icon name="check" size={13} />
        {t('vl.consent.verified')}
      </span>
    );
  if (status === 'attested')
    return (
      <span className="chip chip-warn consent-badge" data-consent="attested">
        <Icon name="edit" size={13} />
        {t('vl.consent.attested')}
      </span>
    );
  if (status === 'failed')
    return (
      <span className="chip chip-danger consent-badge" data-consent="failed">
        <Icon name="alert" size={13} />
        {t('vl.consent.failed')}
      </span>
    );
  return (
    <span className="chip chip-danger consent-badge" data-consent="none">
      {t('vl.consent.none')}
    </span>
  );
}

/** One voice of the library: facts, consent, engines, preview, inline rename, duplicate, export, delete. */
export function VoiceCard({
  voice,
  onExport,
  onDelete,
}: {
  voice: LibraryVoice;
  onExport(v: LibraryVoice): void;
  onDelete(v: LibraryVoice): void;
}) {
  const exportOff = usePolicy((st) => st.info.policy.voiceExport === false);
  const t = useT();
  const update = useLibrary((s) => s.update);
  const duplicate = useLibrary((s) => s.duplicate);
  const engines = useCatalog((s) => s.engines);
  const [renaming, setRenaming] = useState(false);
  const [draft, setDraft] = useState(voice.name);
  const [busy, setBusy] = useState<null | 'rename' | 'duplicate' | 'preview'>(null);
  const [previewUrl, setPreviewUrl] = useState<string | null>(null);
  const [playing, setPlaying] = useState(false);
  const audio = useRef<HTMLAudioElement>(null);
  const renameBtn = useRef<HTMLButtonElement>(null);
  /** Escape cancels; the blur that follows must not save. */
  const cancelled = useRef(false);
  const titleId = `voice-${voice.id}-title`;
  const seconds = voice.samples.reduce((a, s) => a + s.seconds, 0);
  const engineName = (id: string) => engines.find((e) => e.id === id)?.name ?? id;

  useEffect(() => {
    const el = audio.current;
    if (!el) return;
    stopOthers.add(el);
    return () => {
      stopOthers.delete(el);
    };
  }, [previewUrl]);

  const commitRename = async () => {
    if (cancelled.current) return;
    const name = draft.trim();
    setRenaming(false);
    if (!name || name === voice.name) return setDraft(voice.name);
    setBusy('rename');
    try {
      await update(voice.id, { name });
      announce(t('vl.renamed', { name }));
    } catch (err) {
      toast.error(errorMessage(err));
      setDraft(voice.name);
    } finally {
      setBusy(null);
      renameBtn.current?.focus();
    }
  };

  const preview = async () => {
    const el = audio.current;
    if (playing && el) return el.pause();
    if (previewUrl && el) {
      for (const o of stopOthers) if (o !== el) o.pause();
      el.currentTime = 0;
      return void el.play().catch(() => setPlaying(false));
    }
    setBusy('preview');
    try {
      const staged = await api().call('library.preview', { id: voice.id });
      setPreviewUrl(api().stagingAudioUrl(staged.stagingId));
    } catch (err) {
      noteVaultError(err);
      toast.error(t('vl.previewFailed', { message: errorMessage(err) }));
    } finally {
      setBusy(null);
    }
  };

  const dup = async () => {
    setBusy('duplicate');
    try {
      const copy = await duplicate(voice.id);
      toast.success(t('vl.duplicated', { name: copy.name }));
    } catch (err) {
      noteVaultError(err);
      toast.error(errorMessage(err));
    } finally {
      setBusy(null);
    }
  };

  return (
    <li className="card library-card" aria-labelledby={titleId} data-voice={voice.id}>
      <div className="library-head">
        <div className="avatar" aria-hidden="true">
          {voice.name.slice(0, 1).toUpperCase()}
        </div>
        <div className="library-title">
          {renaming ? (
            <input
              className="input input-inline"
              aria-label={t('vl.nameLabel')}
              value={draft}
              maxLength={100}
              autoFocus
              onChange={(e) => setDraft(e.target.value)}
              onBlur={() => void commitRename()}
              onKeyDown={(e) => {
                if (e.key === 'Enter') {
                  e.preventDefault();
                  void commitRename();
                } else if (e.key === 'Escape') {
                  e.preventDefault();
                  e.stopPropagation();
                  cancelled.current = true;
                  setDraft(voice.name);
                  setRenaming(false);
                  renameBtn.current?.focus();
                }
              }}
            />
          ) : (
            <h3 id={titleId} className="card-title library-name">
              {voice.name}
            </h3>
          )}
          <div className="muted small">
            {languageName(voice.language, t.locale)} · {t.plural('vl.samples', voice.samples.length)} ·{' '}
            {t('vl.seconds', { seconds: seconds.toLocaleString(t.locale, { maximumFractionDigits: 0 }) })}
          </div>
        </div>
      </div>
      <div className="library-badges">
        <ConsentBadge voice={voice} />
      </div>

      <ul className="tag-list" aria-label={t('vl.tags')}>
        {voice.tags.length ? (
          voice.tags.map((tag) => (
            <li key={tag} className="tag">
              {tag}
            </li>
          ))
        ) : (
          <li className="muted small">{t('vl.noTags')}</li>
        )}
      </ul>

      <div className="library-engines">
        <span className="muted small">{t('vl.enginesLabel')}:</span>{' '}
        {voice.engines.length ? (
          voice.engines.map((e) => (
            <span key={e} className="chip chip-accent">
              {engineName(e)}
            </span>
          ))
        ) : (
          <>
            <span className="chip chip-warn">{t('vl.noEngines')}</span>
            <p className="hint needs-pack">{t('vl.noEnginesHint')}</p>
          </>
        )}
      </div>

      {previewUrl && (
        <audio
          ref={audio}
          src={previewUrl}
          autoPlay
          onPlay={() => setPlaying(true)}
          onPause={() => setPlaying(false)}
          onEnded={() => setPlaying(false)}
        />
      )}

      <div className="library-actions">
        <button
          type="button"
          className="btn btn-sm"
          aria-label={playing ? t('vl.stopPreview', { name: voice.name }) : t('vl.previewNamed', { name: voice.name })}
          disabled={!voice.previewAvailable || busy === 'preview'}
          title={voice.previewAvailable ? undefined : t('vl.noEnginesHint')}
          onClick={() => void preview()}
        >
          {busy === 'preview' ? (
            <span className="spinner" aria-hidden="true" />
          ) : (
            <Icon name={playing ? 'pause' : 'play'} size={14} />
          )}
          {t('vl.preview')}
        </button>
        <span className="toolbar-spacer" />
        <button
          ref={renameBtn}
          type="button"
          className="icon-btn"
          aria-label={t('vl.renameNamed', { name: voice.name })}
          title={t('common.rename')}
          disabled={!!busy}
          onClick={() => {
            cancelled.current = false;
            setDraft(voice.name);
            setRenaming(true);
          }}
        >
          <Icon name="edit" size={16} />
        </button>
        <button
          type="button"
          className="icon-btn"
          aria-label={t('vl.duplicateNamed', { name: voice.name })}
          title={t('vl.duplicate')}
          disabled={!!busy}
          onClick={() => void dup()}
        >
          <Icon name="projects" size={16} />
        </button>
        <button
          type="button"
          className="icon-btn"
          aria-label={t('vl.exportNamed', { name: voice.name })}
          title={exportOff ? `${t('vl.export')}: ${t('policy.setByOrg')}` : t('vl.export')}
          disabled={exportOff}
          onClick={() => onExport(voice)}
        >
          <Icon name="download" size={16} />
        </button>
        <button
          type="button"
          className="icon-btn icon-btn-danger"
          aria-label={t('vl.deleteNamed', { name: voice.name })}
          title={t('common.delete')}
          onClick={() => onDelete(voice)}
        >
          <Icon name="trash" size={16} />
        </button>
      </div>
    </li>
  );
}
