/**
 * The Dub view (issue #11, docs/dubbing.md "The Dub view"): import a video or audio file with its subtitles, then a
 * player (original or dub, the same position) in sync with the timeline and the segment list; per-segment edit,
 * regenerate and lock with a fit badge; a voice per speaker; generate with progress, ETA and cancel; export.
 * Keyboard: Space plays/pauses, J and K go to the next/previous segment.
 */
import { useCallback, useEffect, useId, useMemo, useRef, useState, type DragEvent } from 'react';
import { defaultRangeExtractor, useVirtualizer, type Range } from '@tanstack/react-virtual';
import type { DubExportFormat, DubProjectDetail, DubProjectSegment } from '../../../../preload/contract/index.js';
import { api } from '../../api';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { Icon } from '../../components/Icon';
import { VoicePicker } from '../../components/VoicePicker';
import { useT } from '../../i18n/useT';
import { CloneSpeakerButton } from './CloneSpeaker';
import { DubAnalysisTools } from './DubAnalysisTools';
import { DubTimeline } from './DubTimeline';
import { PredictedFitBadge, WontFitFilter, wontFit } from './PredictedFit';
import { subscribeDubEvents, useDub } from './dubStore';
import './dub.css';

export const fmtTime = (s: number) => {
  const m = Math.floor(s / 60);
  const r = s - m * 60;
  return `${m}:${r < 10 ? '0' : ''}${r.toFixed(1)}`;
};

const SUBTITLE = /\.(srt|vtt|ass|ssa)$/i;

export function DubView() {
  const t = useT();
  const project = useDub((s) => s.project);
  const loadList = useDub((s) => s.loadList);
  useEffect(() => {
    subscribeDubEvents();
    void loadList();
  }, [loadList]);
  return (
    <section className="view dub-view" aria-labelledby="dub-title">
      <header className="view-header">
        <div>
          <h1 id="dub-title">{project ? project.name : t('dub.title')}</h1>
          <p className="subtitle">{project ? project.media.name : t('dub.subtitle')}</p>
        </div>
        {project && (
          <button type="button" className="btn" onClick={() => useDub.getState().close()}>
            {t('dub.back')}
          </button>
        )}
      </header>
      {project ? <Workspace key={project.id} /> : <Home />}
    </section>
  );
}

function Home() {
  const t = useT();
  const projects = useDub((s) => s.projects);
  const [toDelete, setToDelete] = useState<{ id: string; name: string } | null>(null);
  return (
    <div className="dub-home">
      <ImportPanel />
      <section className="card" aria-labelledby="dub-projects-title">
        <h2 id="dub-projects-title">{t('dub.projects')}</h2>
        {projects.length === 0 ? (
          <p className="muted">{t('dub.noProjects')}</p>
        ) : (
          <ul className="dub-project-list">
            {projects.map((p) => (
              <li key={p.id}>
                <span className="dub-project-name">{p.name}</span>
                <span className="muted">
                  {p.mediaName} · {fmtTime(p.durationSeconds)} · {t('dub.segmentsCount', { count: p.segments })}
                </span>
                <button type="button" className="btn btn-primary" onClick={() => void useDub.getState().open(p.id)}>
                  {t('dub.open')}
                </button>
                <button type="button" className="btn" onClick={() => setToDelete({ id: p.id, name: p.name })}>
                  {t('dub.delete')}
                </button>
              </li>
            ))}
          </ul>
        )}
      </section>
      <ConfirmDialog
        open={!!toDelete}
        title={t('dub.delete')}
        confirmLabel={t('dub.delete')}
        danger
        onConfirm={() => {
          if (toDelete) void useDub.getState().remove(toDelete.id);
          setToDelete(null);
        }}
        onClose={() => setToDelete(null)}
      >
        <p>{t('dub.deleteConfirm', { name: toDelete?.name ?? '' })}</p>
      </ConfirmDialog>
    </div>
  );
}

function ImportPanel() {
  const t = useT();
  const id = useId();
  const busy = useDub((s) => s.busy);
  const uploadPercent = useDub((s) => s.uploadPercent);
  const [media, setMedia] = useState<File | null>(null);
  const [target, setTarget] = useState<File | null>(null);
  const [source, setSource] = useState<File | null>(null);
  const [over, setOver] = useState(false);
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    const files = [...e.dataTransfer.files];
    const subs = files.filter((f) => SUBTITLE.test(f.name));
    const m = files.find((f) => !SUBTITLE.test(f.name));
    if (m) setMedia(m);
    if (subs[0]) setTarget(subs[0]);
    if (subs[1]) setSource(subs[1]);
  };
  return (
    <section
      className={`card dub-import${over ? ' drag-over' : ''}`}
      aria-labelledby={`${id}-title`}
      onDragOver={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={onDrop}
    >
      <h2 id={`${id}-title`}>{t('dub.import')}</h2>
      <p className="muted">{t('dub.dropHint')}</p>
      <div className="dub-import-fields">
        <label htmlFor={`${id}-media`}>{t('dub.media')}</label>
        <input
          id={`${id}-media`}
          type="file"
          accept="video/*,audio/*,.mkv,.mp4,.mov,.webm,.wav,.flac,.mp3,.m4a"
          onChange={(e) => setMedia(e.target.files?.[0] ?? null)}
        />
        <label htmlFor={`${id}-target`}>{t('dub.targetSubs')}</label>
        <input
          id={`${id}-target`}
          type="file"
          accept=".srt,.vtt,.ass,.ssa"
          onChange={(e) => setTarget(e.target.files?.[0] ?? null)}
        />
        <label htmlFor={`${id}-source`}>{t('dub.sourceSubs')}</label>
        <input
          id={`${id}-source`}
          type="file"
          accept=".srt,.vtt,.ass,.ssa"
          onChange={(e) => setSource(e.target.files?.[0] ?? null)}
        />
      </div>
      {(media || target || source) && (
        <p className="dub-import-picked">
          {[media, target, source]
            .filter(Boolean)
            .map((f) => f!.name)
            .join(' · ')}
        </p>
      )}
      <button
        type="button"
        className="btn btn-primary"
        disabled={!media || busy === 'create'}
        onClick={() => media && void useDub.getState().create(media, target ?? undefined, source ?? undefined)}
      >
        {busy === 'create'
          ? uploadPercent !== null
            ? t('dub.uploading', { percent: uploadPercent })
            : t('dub.creating')
          : t('dub.create')}
      </button>
    </section>
  );
}

function Workspace() {
  const t = useT();
  const project = useDub((s) => s.project)!;
  const videoRef = useRef<HTMLVideoElement | null>(null);
  const audioRef = useRef<HTMLAudioElement | null>(null);
  const [mode, setMode] = useState<'dub' | 'original'>('dub');
  const [playing, setPlaying] = useState(false);
  const [preview, setPreview] = useState<{ revision: number; url: string } | null>(null);
  const sourceUrl = api().dubMediaUrl(project.id, 'source');
  const generated = project.generated;
  const running = project.generation.status === 'running';
  const revision = project.revision;

  // The dub preview follows the project's revision (built on demand, once no generation is running).
  const wantPreview = generated > 0 && !running;
  useEffect(() => {
    if (!wantPreview) return;
    let cancelled = false;
    api()
      .call('dub.preview', { projectId: project.id })
      .then((r) => {
        if (!cancelled) setPreview({ revision: r.revision, url: api().dubMediaUrl(project.id, 'dub', r.revision) });
      })
      .catch(() => undefined);
    return () => {
      cancelled = true;
    };
  }, [project.id, revision, wantPreview]);
  const building = wantPreview && preview?.revision !== revision;

  // Keep the dub <audio> on the video's clock: same position, playing together; corrected when it drifts.
  const dubSrc = preview?.url ?? null;
  useEffect(() => {
    const v = videoRef.current;
    const a = audioRef.current;
    if (!v) return;
    const dubbing = mode === 'dub' && !!dubSrc && !!a;
    v.muted = dubbing;
    if (!a || !dubSrc) return;
    const align = () => {
      if (Math.abs(a.currentTime - v.currentTime) > 0.08) a.currentTime = v.currentTime;
    };
    const play = () => {
      if (mode !== 'dub') return;
      a.currentTime = v.currentTime;
      void a.play().catch(() => undefined);
    };
    const pause = () => a.pause();
    const tick = () => {
      if (mode === 'dub' && !v.paused) {
        align();
        if (a.paused) void a.play().catch(() => undefined);
      }
    };
    if (mode === 'dub') {
      align();
      if (!v.paused) play();
    } else a.pause();
    v.addEventListener('play', play);
    v.addEventListener('pause', pause);
    v.addEventListener('seeked', align);
    v.addEventListener('timeupdate', tick);
    v.addEventListener('ended', pause);
    return () => {
      v.removeEventListener('play', play);
      v.removeEventListener('pause', pause);
      v.removeEventListener('seeked', align);
      v.removeEventListener('timeupdate', tick);
      v.removeEventListener('ended', pause);
    };
  }, [mode, dubSrc]);

  const seek = (s: number) => {
    const v = videoRef.current;
    if (v) v.currentTime = s;
    useDub.getState().setTime(s);
  };
  // Shortcuts anywhere in the view (not while typing or in a dialog): Space plays/pauses, J/K next/previous segment.
  useEffect(() => {
    const onKey = (e: globalThis.KeyboardEvent) => {
      const el = e.target instanceof HTMLElement ? e.target : null;
      if (el?.closest('input, textarea, select, [contenteditable="true"], [role="listbox"], dialog, [role="dialog"]'))
        return;
      if (e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) return;
      const { project: p, selected: sel } = useDub.getState();
      const segs = p?.segmentList ?? [];
      if (e.key === ' ') {
        if (el?.closest('button, video, audio, a')) return;
        e.preventDefault();
        const v = videoRef.current;
        if (v) void (v.paused ? v.play().catch(() => undefined) : v.pause());
      } else if ((e.key === 'j' || e.key === 'k') && segs.length) {
        e.preventDefault();
        const next = Math.max(0, Math.min(segs.length - 1, sel + (e.key === 'j' ? 1 : -1)));
        useDub.getState().select(next);
        const v = videoRef.current;
        if (v) v.currentTime = segs[next].start;
        useDub.getState().setTime(segs[next].start);
        useDub.getState().requestFocus(next);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  return (
    <div className="dub-workspace">
      <div className="dub-top">
        <section className="card dub-player" aria-labelledby="dub-player-title">
          <h2 id="dub-player-title" className="sr-only">
            {t('dub.player')}
          </h2>
          {project.hasVideo ? (
            <video
              ref={videoRef}
              src={sourceUrl}
              controls
              preload="auto"
              data-testid="dub-video"
              aria-label={t('dub.player')}
              onTimeUpdate={(e) => useDub.getState().setTime(e.currentTarget.currentTime)}
              onPlay={() => setPlaying(true)}
              onPause={() => setPlaying(false)}
            />
          ) : (
            <audio
              ref={videoRef as React.RefObject<HTMLAudioElement>}
              src={sourceUrl}
              controls
              preload="auto"
              data-testid="dub-video"
              aria-label={t('dub.player')}
              onTimeUpdate={(e) => useDub.getState().setTime(e.currentTarget.currentTime)}
              onPlay={() => setPlaying(true)}
              onPause={() => setPlaying(false)}
            />
          )}
          {preview && <audio ref={audioRef} src={preview.url} preload="auto" data-testid="dub-audio" />}
          <fieldset className="dub-ab">
            <legend>{t('dub.listen')}</legend>
            {(['original', 'dub'] as const).map((m) => (
              <label key={m}>
                <input
                  type="radio"
                  name="dub-ab"
                  value={m}
                  checked={mode === m}
                  disabled={m === 'dub' && !preview}
                  onChange={() => setMode(m)}
                />
                {t(m === 'dub' ? 'dub.dub' : 'dub.original')}
              </label>
            ))}
          </fieldset>
          <p className="muted dub-preview-note" role="status">
            {building ? t('dub.buildingPreview') : !preview ? t('dub.noDubYet') : ''}
          </p>
          <p className="muted">
            <Icon name="keyboard" size={14} /> {t('dub.shortcuts')}
          </p>
        </section>
        <SidePanel project={project} />
      </div>
      <DubTimeline
        project={project}
        sourceUrl={sourceUrl}
        dubUrl={preview?.url ?? null}
        onSeek={(s, index) => {
          seek(s);
          if (index !== undefined) useDub.getState().select(index);
        }}
      />
      <SegmentList project={project} onSeek={seek} playing={playing} />
    </div>
  );
}

function SidePanel({ project }: { project: DubProjectDetail }) {
  const t = useT();
  const id = useId();
  const busy = useDub((s) => s.busy);
  const lastExport = useDub((s) => s.lastExport);
  const [format, setFormat] = useState<DubExportFormat>(project.hasVideo ? 'mp4' : 'wav');
  const [stems, setStems] = useState(false);
  const g = project.generation;
  const s = project.settings;
  return (
    <div className="dub-side">
      <section className="card" aria-labelledby={`${id}-voices`}>
        <h2 id={`${id}-voices`}>{t('dub.speakers')}</h2>
        <div className="dub-voice-row">
          <span>{t('dub.defaultVoice')}</span>
          <VoicePicker
            compact
            value={s.defaultVoice}
            label={t('dub.defaultVoice')}
            noneLabel={t('dub.useDefault')}
            onChange={(v) => v && void useDub.getState().setSettings({ defaultVoice: v })}
          />
        </div>
        {project.speakers.map((sp) => (
          <div className="dub-voice-row" key={sp.name}>
            <span>{sp.name}</span>
            <VoicePicker
              compact
              value={sp.voiceId}
              label={t('dub.voiceFor', { name: sp.name })}
              noneLabel={t('dub.useDefault')}
              onChange={(v) => void useDub.getState().setVoice(sp.name, v)}
            />
            <CloneSpeakerButton projectId={project.id} projectName={project.name} speaker={sp.name} />
          </div>
        ))}
      </section>
      <section className="card" aria-labelledby={`${id}-settings`}>
        <h2 id={`${id}-settings`}>{t('dub.settings')}</h2>
        <label className="dub-field">
          <span>{t('dub.background')}</span>
          <select
            value={s.background}
            onChange={(e) =>
              void useDub.getState().setSettings({ background: e.target.value as 'duck' | 'center' | 'none' })
            }
          >
            {(['duck', 'center', 'none'] as const).map((b) => (
              <option key={b} value={b}>
                {t(`dub.background.${b}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="dub-field">
          <span>{t('dub.maxStretch')}</span>
          <select
            value={String(s.maxStretch)}
            onChange={(e) => void useDub.getState().setSettings({ maxStretch: Number(e.target.value) })}
          >
            {[1, 1.1, 1.15, 1.2, 1.3, 1.4].map((x) => (
              <option key={x} value={String(x)}>
                {x.toFixed(2)}×
              </option>
            ))}
          </select>
        </label>
        <label className="dub-field">
          <span>{t('dub.loudness')}</span>
          <select
            value={String(s.loudness)}
            onChange={(e) =>
              void useDub.getState().setSettings({ loudness: Number(e.target.value) as -23 | -16 | -14 })
            }
          >
            {[-23, -16, -14].map((x) => (
              <option key={x} value={String(x)}>
                {x} LUFS
              </option>
            ))}
          </select>
        </label>
      </section>
      <section className="card" aria-labelledby={`${id}-gen`}>
        <h2 id={`${id}-gen`}>{t('dub.generate')}</h2>
        {g.status === 'running' ? (
          <>
            <progress
              max={Math.max(1, g.total)}
              value={g.done}
              aria-label={t('dub.progress', { done: g.done, total: g.total })}
            />
            <p role="status" data-testid="dub-progress">
              {t('dub.progress', { done: g.done, total: g.total })}
              {g.etaSeconds !== null && ` · ${t('dub.eta', { time: fmtTime(g.etaSeconds) })}`}
            </p>
            <button type="button" className="btn" onClick={() => void useDub.getState().cancel()}>
              {t('dub.cancel')}
            </button>
          </>
        ) : (
          <>
            <p role="status" data-testid="dub-progress">
              {g.status === 'failed'
                ? t('dub.status.failed', { error: g.error ?? '' })
                : g.status === 'cancelled'
                  ? t('dub.status.cancelled', { done: g.done, total: g.total })
                  : g.status === 'done' && g.done === g.total
                    ? t('dub.status.done', { total: g.total })
                    : t('dub.status.idle', { done: g.done, total: g.total })}
            </p>
            <div className="dub-actions">
              <button
                type="button"
                className="btn btn-primary"
                disabled={!project.segmentList.length}
                onClick={() => void useDub.getState().generate(false)}
              >
                {t('dub.generate')}
              </button>
              <button
                type="button"
                className="btn"
                disabled={!project.generated}
                onClick={() => void useDub.getState().generate(true)}
              >
                {t('dub.generateAll')}
              </button>
            </div>
          </>
        )}
      </section>
      <section className="card" aria-labelledby={`${id}-export`}>
        <h2 id={`${id}-export`}>{t('dub.export')}</h2>
        <label className="dub-field">
          <span>{t('dub.format')}</span>
          <select value={format} onChange={(e) => setFormat(e.target.value as DubExportFormat)}>
            {(project.hasVideo ? (['mp4', 'mkv', 'wav'] as const) : (['wav'] as const)).map((f) => (
              <option key={f} value={f}>
                {f.toUpperCase()}
              </option>
            ))}
          </select>
        </label>
        <label className="dub-field dub-stems">
          <input type="checkbox" checked={stems} onChange={(e) => setStems(e.target.checked)} />
          <span>{t('dub.stems')}</span>
        </label>
        <button
          type="button"
          className="btn btn-primary"
          disabled={busy === 'export' || g.status === 'running' || !project.segmentList.length}
          onClick={() => void useDub.getState().exportDub(format, stems)}
        >
          {busy === 'export' ? t('dub.exporting') : t('dub.exportButton')}
        </button>
        {lastExport && (
          <div className="dub-export-result" role="status" data-testid="dub-export-path">
            <p>{t('dub.exported', { path: lastExport.path })}</p>
            {lastExport.srtPath && <p className="muted">{t('dub.exportedSrt', { path: lastExport.srtPath })}</p>}
            {lastExport.bilingualSrtPath && (
              <p className="muted">{t('dub.bilingualSrt', { path: lastExport.bilingualSrtPath })}</p>
            )}
            {lastExport.stems && (
              <p className="muted" data-testid="dub-export-stems">
                {t('dub.exportedStems', { path: `${lastExport.stems.dialogue}, ${lastExport.stems.background}` })}
              </p>
            )}
          </div>
        )}
      </section>
      {project.warnings.length > 0 && (
        <details className="card">
          <summary>{t('dub.warnings')}</summary>
          <ul>
            {project.warnings.map((w) => (
              <li key={w}>{w}</li>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}

export function FitBadge({ seg }: { seg: DubProjectSegment }) {
  const t = useT();
  if (!seg.fit) return <span className="dub-fit dub-fit-none">{t('dub.fit.none')}</span>;
  if (seg.stale) return <span className="dub-fit dub-fit-stale">{t('dub.fit.stale')}</span>;
  const f = seg.fit;
  const text =
    f.fit === 'stretched'
      ? t('dub.fit.stretched', { x: f.stretch.toFixed(2) })
      : f.fit === 'borrowed'
        ? t('dub.fit.borrowed', { s: f.borrowedSeconds.toFixed(1) })
        : f.fit === 'too-long'
          ? t('dub.fit.too-long', { s: f.tooLongBySeconds.toFixed(1) })
          : t('dub.fit.fits');
  return <span className={`dub-fit dub-fit-${f.fit}`}>{text}</span>;
}

/** The first segment playing at `time` (segments are in start order), or -1. */
function segmentAt(segs: readonly DubProjectSegment[], time: number): number {
  let lo = 0;
  let hi = segs.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (segs[mid].start <= time) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found >= 0 && time < segs[found].end ? found : -1;
}

/**
 * The segment list, virtualized like the studio script (a feature film has 1,000-2,000 cues): only the rows in view
 * (plus an overscan) are in the DOM, each measured since rows differ in height. The selected row (the one holding
 * focus: focusing a row selects it) and any row with an unsaved draft stay rendered when scrolled away, so focus and
 * typing survive scrolling; a selection from the keyboard, the player or the timeline, and the playing segment during
 * playback, are scrolled into view.
 */
function SegmentList({
  project,
  onSeek,
  playing,
}: {
  project: DubProjectDetail;
  onSeek(s: number): void;
  playing: boolean;
}) {
  const t = useT();
  const busy = useDub((s) => s.busy);
  const time = useDub((s) => s.time);
  const selected = useDub((s) => s.selected);
  const [onlyWontFit, setOnlyWontFit] = useState(false);
  const segs = project.segmentList;
  const wont = useMemo(() => segs.filter(wontFit), [segs]);
  const shown = onlyWontFit ? wont : segs;
  const speakers = useMemo(() => project.speakers.map((x) => x.name), [project.speakers]);
  const scrollRef = useRef<HTMLDivElement>(null);
  const rowOf = useMemo(() => new Map(shown.map((s, i) => [s.index, i])), [shown]);
  const selectedRow = rowOf.get(selected) ?? -1;
  // Rows with an unsaved draft (text or speaker typed, not yet saved): kept rendered so the draft is not lost.
  const [drafting, setDrafting] = useState<ReadonlySet<string>>(() => new Set());
  const onDraft = useCallback((id: string, on: boolean) => {
    setDrafting((d) => {
      if (d.has(id) === on) return d;
      const n = new Set(d);
      if (on) n.add(id);
      else n.delete(id);
      return n;
    });
  }, []);
  const keptRows = useMemo(() => {
    const out = selectedRow >= 0 ? [selectedRow] : [];
    shown.forEach((s, i) => drafting.has(s.id) && i !== selectedRow && out.push(i));
    return out;
  }, [shown, drafting, selectedRow]);
  const rangeExtractor = useCallback(
    (range: Range) => {
      const indexes = defaultRangeExtractor(range);
      const extra = keptRows.filter((i) => i < range.count && !indexes.includes(i));
      return extra.length ? [...indexes, ...extra].sort((a, b) => a - b) : indexes;
    },
    [keptRows],
  );
  // eslint-disable-next-line react-hooks/incompatible-library -- the list re-renders with the project anyway
  const virtualizer = useVirtualizer({
    rangeExtractor,
    count: shown.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: (i) => (shown[i]?.sourceText ? 150 : 126),
    overscan: 8,
    gap: 8,
    getItemKey: (i) => shown[i]?.id ?? i,
  });
  // A new selection (J/K, a click on the timeline) is scrolled into view; not one made by focusing (clicking) a row
  // that is already on screen, which must not move under the pointer between press and release.
  const selectedByFocus = useRef(-1);
  const onFocusRow = useCallback((index: number) => {
    selectedByFocus.current = index;
    useDub.getState().select(index);
  }, []);
  // A keyboard move (J/K) focuses its row too, but is scrolled to (once per request).
  const focusN = useDub((s) => s.focusRequest?.n ?? 0);
  const scrolledFocusN = useRef(0);
  useEffect(() => {
    const byFocus = selectedByFocus.current === selected;
    selectedByFocus.current = -1;
    const requested = focusN !== scrolledFocusN.current && useDub.getState().focusRequest?.index === selected;
    scrolledFocusN.current = focusN;
    if (selectedRow >= 0 && (requested || !byFocus)) virtualizer.scrollToIndex(selectedRow, { align: 'auto' });
    // eslint-disable-next-line react-hooks/exhaustive-deps -- only when the selection (or the filter) changes
  }, [selected, onlyWontFit, focusN]);
  // Follow playback: the playing segment is scrolled into view, unless the user is typing in the list.
  const playingRow = playing ? (rowOf.get(segmentAt(segs, time)) ?? -1) : -1;
  useEffect(() => {
    if (playingRow < 0) return;
    const el = document.activeElement;
    if ((el instanceof HTMLTextAreaElement || el instanceof HTMLInputElement) && scrollRef.current?.contains(el))
      return;
    virtualizer.scrollToIndex(playingRow, { align: 'center' });
    // eslint-disable-next-line react-hooks/exhaustive-deps -- only when the playing segment changes
  }, [playingRow]);
  const items = virtualizer.getVirtualItems();
  return (
    <section className="card dub-segments" aria-labelledby="dub-segments-title">
      <div className="dub-segments-head">
        <h2 id="dub-segments-title">{t('dub.segments')}</h2>
        <button
          type="button"
          className="btn"
          onClick={() =>
            void useDub
              .getState()
              .addSegment(time, Math.min(project.durationSeconds, time + 2), t('dub.newSegmentText'))
          }
        >
          <Icon name="plus" size={14} /> {t('dub.addSegment')}
        </button>
        {project.media.audio && (
          <button
            type="button"
            className="btn"
            disabled={busy === 'detect'}
            onClick={() => void useDub.getState().detectSpeech()}
          >
            <Icon name="wave" size={14} /> {busy === 'detect' ? t('dub.detecting') : t('dub.detectSpeech')}
          </button>
        )}
        <DubAnalysisTools project={project} onSeek={onSeek} />
      </div>
      <WontFitFilter checked={onlyWontFit} count={wont.length} total={segs.length} onChange={setOnlyWontFit} />
      <div className="dub-segment-scroll" ref={scrollRef} data-testid="dub-segment-scroll">
        <ol className="dub-segment-list" style={{ height: virtualizer.getTotalSize() }}>
          {items.map((v) => {
            const s = shown[v.index];
            return (
              <SegmentRow
                key={v.key}
                seg={s}
                next={segs[s.index + 1] ?? null}
                speakers={speakers}
                onSeek={onSeek}
                onDraft={onDraft}
                onFocusRow={onFocusRow}
                slotRef={virtualizer.measureElement}
                slotIndex={v.index}
                slotStart={v.start}
              />
            );
          })}
        </ol>
      </div>
    </section>
  );
}

/** The last focus request a row carried out (a row mounting later must not take the focus again). */
let handledFocusN = 0;

function SegmentRow({
  seg,
  next,
  speakers,
  onSeek,
  onDraft,
  onFocusRow,
  slotRef,
  slotIndex,
  slotStart,
}: {
  seg: DubProjectSegment;
  next: DubProjectSegment | null;
  speakers: string[];
  onSeek(s: number): void;
  onDraft(id: string, on: boolean): void;
  onFocusRow(index: number): void;
  slotRef(el: HTMLLIElement | null): void;
  slotIndex: number;
  slotStart: number;
}) {
  const t = useT();
  const n = seg.index + 1;
  const selected = useDub((s) => s.selected === seg.index);
  const regenerating = useDub((s) => !!s.regenerating[seg.id]);
  const time = useDub((s) => s.time);
  // Drafts while typing; the saved values otherwise (a save or a change elsewhere shows the new text).
  const [draftText, setText] = useState<string | null>(null);
  const [draftSpeaker, setSpeaker] = useState<string | null>(null);
  const text = draftText ?? seg.text;
  const speaker = draftSpeaker ?? seg.speaker ?? '';
  const dirty = text.trim() !== seg.text;
  const edit = useDub.getState().edit;
  const listId = `dub-speakers-${seg.id}`;
  const drafting = draftText !== null || draftSpeaker !== null;
  useEffect(() => onDraft(seg.id, drafting), [onDraft, seg.id, drafting]);
  useEffect(() => () => onDraft(seg.id, false), [onDraft, seg.id]);
  // A keyboard move (J/K) to this segment: focus the row once it is rendered (once per request).
  const focusN = useDub((s) => (s.focusRequest?.index === seg.index ? s.focusRequest.n : 0));
  const rowRef = useRef<HTMLLIElement | null>(null);
  useEffect(() => {
    if (!focusN || focusN === handledFocusN) return;
    handledFocusN = focusN;
    rowRef.current?.focus({ preventScroll: true });
  }, [focusN]);
  const setRef = useCallback(
    (el: HTMLLIElement | null) => {
      rowRef.current = el;
      slotRef(el);
    },
    [slotRef],
  );
  return (
    <li
      ref={setRef}
      data-index={slotIndex}
      style={{ transform: `translateY(${slotStart}px)` }}
      id={`dub-seg-${seg.id}`}
      tabIndex={-1}
      className={`dub-segment${selected ? ' selected' : ''}${seg.locked ? ' locked' : ''}`}
      aria-label={t('dub.segmentLabel', { n, start: fmtTime(seg.start), end: fmtTime(seg.end) })}
      data-testid="dub-segment"
      onFocus={() => onFocusRow(seg.index)}
    >
      <div className="dub-segment-meta">
        <button
          type="button"
          className="btn btn-icon"
          aria-label={t('dub.playFrom', { n })}
          onClick={() => onSeek(seg.start)}
        >
          <Icon name="play" size={14} />
        </button>
        <span className="dub-segment-time">
          {fmtTime(seg.start)}–{fmtTime(seg.end)}
        </span>
        <input
          className="dub-speaker-input"
          aria-label={t('dub.speaker', { n })}
          value={speaker}
          list={listId}
          placeholder={t('dub.noSpeaker')}
          disabled={seg.locked}
          maxLength={100}
          onChange={(e) => setSpeaker(e.target.value)}
          onBlur={() => {
            const v = speaker.trim() || null;
            setSpeaker(null);
            if (v !== seg.speaker) void edit({ segmentId: seg.id, speaker: v });
          }}
        />
        <datalist id={listId}>
          {speakers.map((s) => (
            <option key={s} value={s} />
          ))}
        </datalist>
        <FitBadge seg={seg} />
        <PredictedFitBadge seg={seg} />
      </div>
      {seg.sourceText && <p className="dub-source-text muted">{t('dub.sourceText', { text: seg.sourceText })}</p>}
      <textarea
        aria-label={t('dub.text', { n })}
        value={text}
        rows={2}
        placeholder={t('dub.typeLine')}
        disabled={seg.locked}
        maxLength={2000}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && (e.ctrlKey || e.metaKey) && dirty)
            void edit({ segmentId: seg.id, text: text.trim() }).then((ok) => ok && setText(null));
        }}
      />
      <div className="dub-segment-actions">
        {dirty && (
          <button
            type="button"
            className="btn btn-primary"
            onClick={() => void edit({ segmentId: seg.id, text: text.trim() }).then((ok) => ok && setText(null))}
          >
            {t('dub.save')}
          </button>
        )}
        <button
          type="button"
          className="btn"
          aria-label={t('dub.regenerateN', { n })}
          disabled={seg.locked || regenerating || dirty}
          onClick={() => void useDub.getState().regenerate(seg.id)}
        >
          <Icon name="repeat" size={14} /> {t('dub.regenerate')}
        </button>
        <button
          type="button"
          className="btn btn-icon"
          aria-label={t(seg.locked ? 'dub.unlock' : 'dub.lock', { n })}
          aria-pressed={seg.locked}
          onClick={() => void edit({ segmentId: seg.id, locked: !seg.locked })}
        >
          <Icon name={seg.locked ? 'lock' : 'unlock'} size={14} />
        </button>
        <button
          type="button"
          className="btn btn-icon"
          aria-label={t('dub.earlier', { n })}
          disabled={seg.locked}
          onClick={() =>
            void edit({ segmentId: seg.id, start: Math.max(0, Math.round((seg.start - 0.1) * 1000) / 1000) })
          }
        >
          <Icon name="up" size={14} />
        </button>
        <button
          type="button"
          className="btn btn-icon"
          aria-label={t('dub.later', { n })}
          disabled={seg.locked}
          onClick={() => void edit({ segmentId: seg.id, start: Math.round((seg.start + 0.1) * 1000) / 1000 })}
        >
          <Icon name="down" size={14} />
        </button>
        <button
          type="button"
          className="btn btn-icon"
          aria-label={t('dub.split', { n })}
          disabled={seg.locked || !(time > seg.start && time < seg.end)}
          onClick={() => void useDub.getState().split(seg.id, Math.round(time * 1000) / 1000)}
        >
          <Icon name="scissors" size={14} />
        </button>
        {next && (
          <button
            type="button"
            className="btn btn-icon"
            aria-label={t('dub.mergeNext', { n })}
            disabled={seg.locked || next.locked}
            onClick={() => void useDub.getState().merge([seg.id, next.id])}
          >
            <Icon name="merge" size={14} />
          </button>
        )}
      </div>
    </li>
  );
}
