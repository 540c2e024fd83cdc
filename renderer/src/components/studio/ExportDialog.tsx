import { useEffect, useId, useState } from 'react';
import type { ExportJob, MethodInput } from '../../../../preload/contract/index.js';
import { api, errorMessage } from '../../api';
import { useT } from '../../i18n/useT';
import type { MessageKey } from '../../i18n';
import { useStudio } from '../../store/studio';
import { formatBytes } from '../format';
import { Icon } from '../Icon';
import { Modal } from '../Modal';
import { formatTime } from '../TakePlayer';
import { AcxReportView } from '../../features/audiobook/AcxReportView';

type Preset = 'wav16' | 'wav24' | 'flac' | 'mp3cbr' | 'mp3vbr' | 'opus' | 'm4a' | 'm4b';
const PRESETS: { id: Preset; label: MessageKey }[] = [
  { id: 'mp3cbr', label: 'export.fmt.mp3cbr' },
  { id: 'mp3vbr', label: 'export.fmt.mp3vbr' },
  { id: 'wav16', label: 'export.fmt.wav16' },
  { id: 'wav24', label: 'export.fmt.wav24' },
  { id: 'flac', label: 'export.fmt.flac' },
  { id: 'opus', label: 'export.fmt.opus' },
  { id: 'm4a', label: 'export.fmt.m4a' },
  { id: 'm4b', label: 'export.fmt.m4b' },
];
type Rate = 22050 | 24000 | 44100 | 48000;
const RATES: Rate[] = [22050, 24000, 44100, 48000];
type Params = MethodInput<'export.start'>;

function formatOf(p: Preset): Pick<Params, 'format' | 'wavBits' | 'mp3Mode'> {
  switch (p) {
    case 'wav16':
      return { format: 'wav', wavBits: 16 };
    case 'wav24':
      return { format: 'wav', wavBits: 24 };
    case 'mp3cbr':
      return { format: 'mp3', mp3Mode: 'cbr' };
    case 'mp3vbr':
      return { format: 'mp3', mp3Mode: 'vbr' };
    default:
      return { format: p };
  }
}

const baseName = (p: string) => p.split(/[\\/]/).pop() ?? p;

/** Mixdown and export: format, rate, channels, loudness, subtitles, chapters, stems; progress, cancel, results. */
export function ExportDialog({ open, onClose }: { open: boolean; onClose(): void }) {
  const t = useT();
  const id = useId();
  const projectId = useStudio((s) => s.projectId);
  const hasTakes = useStudio((s) => s.lines.some((l) => l.activeTakeId));
  const [preset, setPreset] = useState<Preset>('mp3cbr');
  const [delivery, setDelivery] = useState<'none' | 'acx'>('none');
  const acx = delivery === 'acx';
  const [rate, setRate] = useState<Rate>(44100);
  const [channels, setChannels] = useState<1 | 2>(2);
  const [loudness, setLoudness] = useState<'podcast' | 'broadcast' | 'none'>('podcast');
  const [srt, setSrt] = useState(true);
  const [vtt, setVtt] = useState(false);
  const [chapters, setChapters] = useState(true);
  const [stems, setStems] = useState<'none' | 'line' | 'speaker'>('none');
  const [job, setJob] = useState<ExportJob | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [starting, setStarting] = useState(false);

  useEffect(() => {
    if (!job || job.status !== 'running') return;
    const update = (j: ExportJob) => {
      if (j.id === job.id) setJob(j);
    };
    const offs = [api().on('export.progress', update), api().on('export.done', update)];
    // An event may have been missed between start and subscribe: ask once.
    void api()
      .call('export.get', { id: job.id })
      .then(update)
      .catch(() => undefined);
    return () => offs.forEach((off) => off());
  }, [job?.id, job?.status]); // eslint-disable-line react-hooks/exhaustive-deps -- resubscribe per export

  // Re-attach to an export still running (e.g. after a reload) when the dialog opens.
  useEffect(() => {
    if (!open || !projectId) return;
    let stale = false;
    api()
      .call('export.list', { projectId })
      .then((list) => {
        const running = list.find((j) => j.status === 'running');
        if (!stale && running) setJob((cur) => cur ?? running);
      })
      .catch(() => undefined);
    return () => {
      stale = true;
    };
  }, [open, projectId]);

  const start = async () => {
    if (!projectId) return;
    setError(null);
    setStarting(true);
    try {
      const subtitles: ('srt' | 'vtt')[] = [...(srt ? ['srt' as const] : []), ...(vtt ? ['vtt' as const] : [])];
      // The ACX preset fixes format, rate and bit rate itself (mono, as ACX recommends); no subtitles or stems.
      const j = await api().call(
        'export.start',
        acx
          ? { projectId, preset: 'acx', format: 'mp3', mp3Mode: 'cbr', sampleRate: 44100, channels: 1 }
          : {
              projectId,
              ...formatOf(preset),
              sampleRate: rate,
              channels,
              loudness,
              subtitles,
              chapters,
              stems,
            },
      );
      setJob(j);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setStarting(false);
    }
  };
  const cancel = async () => {
    if (!job) return;
    try {
      setJob(await api().call('export.cancel', { id: job.id }));
    } catch (err) {
      setError(errorMessage(err));
    }
  };
  const close = () => {
    if (job?.status === 'running') return;
    setJob(null);
    setError(null);
    onClose();
  };

  const running = job?.status === 'running';
  const pct = job ? Math.round(job.progress * 100) : 0;
  const target = acx
    ? null
    : loudness === 'podcast'
      ? channels === 1
        ? -19
        : -16
      : loudness === 'broadcast'
        ? -23
        : null;

  return (
    <Modal
      open={open}
      title={t('export.title')}
      className="dialog-wide"
      onClose={close}
      actions={
        running ? (
          <button type="button" className="btn btn-stop" onClick={() => void cancel()}>
            <Icon name="stop" size={13} />
            {t('export.cancel')}
          </button>
        ) : (
          <>
            <button type="button" className="btn" onClick={close}>
              {t('common.close')}
            </button>
            <button
              type="button"
              className="btn btn-primary"
              disabled={starting || !hasTakes}
              onClick={() => void start()}
            >
              {starting ? <span className="spinner" aria-hidden="true" /> : <Icon name="export" size={15} />}
              {job?.status === 'done' ? t('export.again') : t('export.start')}
            </button>
          </>
        )
      }
    >
      {!hasTakes && <p className="hint">{t('export.noTakes')}</p>}
      <fieldset className="dialog-grid" disabled={running}>
        <label className="field">
          <span className="field-label">{t('export.preset')}</span>
          <select
            className="input"
            value={delivery}
            onChange={(e) => setDelivery(e.target.value as typeof delivery)}
            data-testid="export-preset"
          >
            <option value="none">{t('export.preset.none')}</option>
            <option value="acx">{t('export.preset.acx')}</option>
          </select>
        </label>
      </fieldset>
      {acx && (
        <p className="hint" id={`${id}-acx`} data-testid="acx-hint">
          {t('export.acxHint')}
        </p>
      )}
      {/* The ACX preset shows the settings it fixes, locked at its values (the hint says why). */}
      <fieldset className="dialog-grid" disabled={running || acx} aria-describedby={acx ? `${id}-acx` : undefined}>
        <label className="field">
          <span className="field-label">{t('export.format')}</span>
          <select
            className="input"
            value={acx ? 'mp3cbr' : preset}
            onChange={(e) => setPreset(e.target.value as Preset)}
          >
            {PRESETS.map((p) => (
              <option key={p.id} value={p.id}>
                {t(p.label)}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span className="field-label">{t('export.sampleRate')}</span>
          <select
            className="input"
            value={acx ? 44100 : rate}
            onChange={(e) => setRate(Number(e.target.value) as Rate)}
          >
            {RATES.map((r) => (
              <option key={r} value={r}>
                {(r / 1000).toLocaleString(t.locale)} kHz
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span className="field-label">{t('export.channels')}</span>
          <select
            className="input"
            value={acx ? 1 : channels}
            onChange={(e) => setChannels(Number(e.target.value) as 1 | 2)}
          >
            <option value={2}>{t('export.stereo')}</option>
            <option value={1}>{t('export.mono')}</option>
          </select>
        </label>
        <label className="field" hidden={acx}>
          <span className="field-label">{t('export.loudness')}</span>
          <select className="input" value={loudness} onChange={(e) => setLoudness(e.target.value as typeof loudness)}>
            <option value="podcast">{t('export.loud.podcast', { lufs: channels === 1 ? -19 : -16 })}</option>
            <option value="broadcast">{t('export.loud.broadcast')}</option>
            <option value="none">{t('export.loud.none')}</option>
          </select>
        </label>
        <fieldset className="field">
          <legend className="field-label">{t('export.subtitles')}</legend>
          <div className="radio-row">
            <label>
              <input type="checkbox" checked={!acx && srt} onChange={(e) => setSrt(e.target.checked)} />
              SRT
            </label>
            <label>
              <input type="checkbox" checked={!acx && vtt} onChange={(e) => setVtt(e.target.checked)} />
              WebVTT
            </label>
          </div>
        </fieldset>
        <label className="field">
          <span className="field-label">{t('export.stems')}</span>
          <select
            className="input"
            value={acx ? 'none' : stems}
            onChange={(e) => setStems(e.target.value as typeof stems)}
          >
            <option value="none">{t('export.stems.none')}</option>
            <option value="line">{t('export.stems.line')}</option>
            <option value="speaker">{t('export.stems.speaker')}</option>
          </select>
        </label>
        <label className="check-row" hidden={acx}>
          <input type="checkbox" checked={chapters} onChange={(e) => setChapters(e.target.checked)} />
          {t('export.chapters')}
        </label>
      </fieldset>
      {target !== null && <p className="hint">{t('export.loudHint', { lufs: target })}</p>}

      {error && (
        <div className="error-box" role="alert">
          {error}
        </div>
      )}
      {job && (
        <section className="dialog-section" aria-labelledby={`${id}-result`}>
          <h3 id={`${id}-result`} className="section-title">
            {t(`export.status.${job.status}`)}
          </h3>
          {running && (
            <div className="export-progress">
              <span className="muted">{t(`export.phase.${job.phase}`)}</span>
              <div
                className="progress"
                role="progressbar"
                aria-label={t('export.progress')}
                aria-valuemin={0}
                aria-valuemax={100}
                aria-valuenow={pct}
              >
                <div className="progress-bar" style={{ width: `${Math.max(2, pct)}%` }} />
              </div>
            </div>
          )}
          {job.status === 'failed' && job.error && (
            <div className="error-box" role="alert">
              {job.error.message}
            </div>
          )}
          {job.status === 'done' && (
            <>
              <div className="stat-row">
                <div className="stat">
                  <span className="stat-value" data-testid="export-lufs">
                    {job.integratedLufs !== null ? `${job.integratedLufs.toFixed(1)} LUFS` : '—'}
                  </span>
                  <span className="stat-label">{t('export.measuredLoudness')}</span>
                </div>
                <div className="stat">
                  <span className="stat-value" data-testid="export-peak">
                    {job.truePeakDbtp !== null ? `${job.truePeakDbtp.toFixed(1)} dBTP` : '—'}
                  </span>
                  <span className="stat-label">{t('export.truePeak')}</span>
                </div>
                <div className="stat">
                  <span className="stat-value">{formatTime(job.durationSeconds ?? 0)}</span>
                  <span className="stat-label">{t('export.duration')}</span>
                </div>
              </div>
              <ul className="export-files" aria-label={t('export.files')}>
                {job.files.map((f, i) => (
                  <li key={f.path}>
                    <Icon name={f.kind === 'audio' ? 'wave' : f.kind === 'stems' ? 'layers' : 'edit'} size={15} />
                    <span className="export-file-name" title={f.path}>
                      {baseName(f.path)}
                    </span>
                    <span className="muted">{formatBytes(f.bytes, t.locale)}</span>
                    {api().transport === 'web' && (
                      <a
                        className="btn btn-sm"
                        href={api().exportFileUrl(job.id, i)}
                        download={baseName(f.path)}
                        aria-label={t('export.download', { name: baseName(f.path) })}
                      >
                        <Icon name="download" size={13} />
                        {t('export.downloadShort')}
                      </a>
                    )}
                  </li>
                ))}
              </ul>
              <ExportLocation job={job} />
              {job.acx && <AcxReportView report={job.acx} />}
            </>
          )}
        </section>
      )}
    </Modal>
  );
}

const folderOf = (p: string) => p.slice(0, Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\')) + 1) || p;

/**
 * Where the finished export is kept (the data folder's exports/, or the path the user chose): its folder, with
 * "Show in folder" in the desktop app; in web mode the files' Download links above are the way to the copy.
 */
function ExportLocation({ job }: { job: ExportJob }) {
  const t = useT();
  const [error, setError] = useState<string | null>(null);
  const first = job.files[0];
  if (!first) return null;
  const reveal = async () => {
    setError(null);
    try {
      await api().call('export.reveal', { id: job.id, index: 0 });
    } catch (err) {
      setError(errorMessage(err));
    }
  };
  return (
    <div className="export-location" data-testid="export-location">
      <p>
        {t('exportLoc.keptIn')} <code className="mono export-location-path">{folderOf(first.path)}</code>
      </p>
      {api().transport === 'electron' ? (
        <button type="button" className="btn btn-sm" onClick={() => void reveal()}>
          <Icon name="projects" size={13} />
          {t('exportLoc.showInFolder')}
        </button>
      ) : (
        <p className="muted small">{t('exportLoc.webHint')}</p>
      )}
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
