import { useEffect, useId, useRef, useState, type DragEvent } from 'react';
import type { RecorderDevices, StagedAudio } from '../../../../preload/contract/index.js';
import { api, errorMessage } from '../../api';
import { Icon } from '../../components/Icon';
import { useT } from '../../i18n/useT';
import { noteVaultError, useVault } from '../../store/voices';
import { missingPacks, MissingPacksNotice } from '../../features/voices/PackNotices';

export const AUDIO_ACCEPT = 'audio/*,video/*,.wav,.flac,.mp3,.ogg,.opus,.m4a,.aac,.webm,.mp4,.mov,.mkv';

/**
 * Import a recording: a drop zone and a file picker. The file is staged through the API (Electron: its path; web
 * mode: an upload with a progress bar), then analysed.
 */
export function ImportDropZone({
  onStaged,
  onOpenModels,
}: {
  onStaged(staged: StagedAudio, fileName: string): void;
  /** Leave for the Models view (the one click to a missing pack). */
  onOpenModels?(): void;
}) {
  const t = useT();
  const uid = useId();
  const input = useRef<HTMLInputElement>(null);
  const [dragging, setDragging] = useState(false);
  const [phase, setPhase] = useState<
    { kind: 'idle' } | { kind: 'upload'; name: string; sent: number; total: number } | { kind: 'analyse'; name: string }
  >({ kind: 'idle' });
  const [error, setError] = useState<string | null>(null);
  const [needs, setNeeds] = useState<string[] | null>(null);
  /** A file refused because voice data was locked: staged again by itself once it is unlocked. */
  const waiting = useRef<File | null>(null);
  const locked = useVault((s) => s.locked);
  const busy = phase.kind !== 'idle';

  const stage = async (file: File) => {
    setError(null);
    setNeeds(null);
    waiting.current = null;
    setPhase({ kind: 'upload', name: file.name, sent: 0, total: file.size });
    try {
      const staged = await api().stageFile(file, (sent, total) => {
        if (sent >= total) setPhase({ kind: 'analyse', name: file.name });
        else setPhase({ kind: 'upload', name: file.name, sent, total });
      });
      setPhase({ kind: 'idle' });
      onStaged(staged, file.name);
    } catch (err) {
      setPhase({ kind: 'idle' });
      // Locked voice data: the unlock form above says what to do (once); the upload goes on after it.
      if (noteVaultError(err)) {
        waiting.current = file;
        return;
      }
      const packs = missingPacks(err);
      if (packs) return setNeeds(packs);
      setError(t('src.failed', { message: errorMessage(err) }));
    }
  };

  useEffect(() => {
    const file = waiting.current;
    if (locked || !file) return;
    void stage(file);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [locked]);

  const hasFiles = (e: DragEvent) => e.dataTransfer.types.includes('Files');
  const percent = phase.kind === 'upload' && phase.total > 0 ? Math.round((phase.sent / phase.total) * 100) : 0;

  return (
    <div
      className={`drop-zone${dragging ? ' dragging' : ''}${busy ? ' busy' : ''}`}
      onDragOver={(e) => {
        if (!hasFiles(e) || busy) return;
        e.preventDefault();
        e.dataTransfer.dropEffect = 'copy';
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={(e) => {
        if (!hasFiles(e) || busy) return;
        e.preventDefault();
        setDragging(false);
        const file = e.dataTransfer.files[0];
        if (file) void stage(file);
      }}
    >
      <Icon name="download" size={26} />
      <p className="drop-title">{t('src.dropTitle')}</p>
      <p className="muted small">{t('src.dropOr')}</p>
      <input
        ref={input}
        id={`${uid}-file`}
        type="file"
        hidden
        accept={AUDIO_ACCEPT}
        aria-label={t('src.choose')}
        disabled={busy}
        onChange={(e) => {
          const file = e.target.files?.[0];
          e.target.value = '';
          if (file) void stage(file);
        }}
      />
      <button type="button" className="btn" disabled={busy} onClick={() => input.current?.click()}>
        {t('src.choose')}
      </button>
      <p className="hint">{t('src.importBody')}</p>
      {phase.kind === 'upload' && (
        <div className="drop-progress">
          <span className="small">{t('src.uploading', { name: phase.name })}</span>
          <div
            className="progress"
            role="progressbar"
            aria-label={t('src.uploadProgress', { name: phase.name })}
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={percent}
          >
            <div className="progress-bar" style={{ width: `${percent}%` }} />
          </div>
        </div>
      )}
      {phase.kind === 'analyse' && (
        <p className="drop-progress small" role="status">
          <span className="spinner" aria-hidden="true" />
          {t('src.analysing')}
        </p>
      )}
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      {needs && <MissingPacksNotice packs={needs} onOpenModels={() => onOpenModels?.()} />}
    </div>
  );
}

/** The input device picker of the recorder, with the recorder's `problem` shown prominently. */
export function DevicePicker({
  devices,
  value,
  onChange,
}: {
  devices: RecorderDevices | null;
  value: string;
  onChange(id: string): void;
}) {
  const t = useT();
  if (!devices)
    return (
      <p className="muted small" aria-busy="true">
        <span className="spinner" aria-hidden="true" /> {t('src.devicesLoading')}
      </p>
    );
  if (devices.problem)
    return (
      <div className="banner banner-error recorder-problem" role="alert">
        <Icon name="alert" size={16} />
        <span>
          <strong>{t('src.noRecorder')}</strong>
          <br />
          {devices.problem}
        </span>
      </div>
    );
  return (
    <div className="field">
      <label htmlFor="rec-device" className="field-label">
        {t('src.device')}
      </label>
      <select id="rec-device" className="input select" value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">{t('src.deviceDefault')}</option>
        {devices.devices.map((d) => (
          <option key={d.id} value={d.id}>
            {d.isMonitor ? t('src.deviceMonitor', { name: d.description }) : d.description}
          </option>
        ))}
      </select>
    </div>
  );
}
