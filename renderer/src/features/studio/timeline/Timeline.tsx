import {
  useCallback,
  useEffect,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
  type KeyboardEvent,
  type MouseEvent,
  type PointerEvent,
} from 'react';
import './timeline.css';
import { LIMITS, TIMELINE_LIMITS, type TimelineOverview } from '../../../../../preload/contract/index.js';
import { api, errorMessage } from '../../../api';
import { useT } from '../../../i18n/useT';
import { useSettings } from '../../../store/settings';
import { useStudio } from '../../../store/studio';
import { Icon } from '../../../components/Icon';
import { speakerHue } from '../../../components/studio/ImportDialog';
import { canvasMeasure, placeLabels, type LabelItem } from './labels';
import { LinePlayer } from './player';
import {
  ZOOM_STEP,
  clampView,
  fitView,
  formatClock,
  panView,
  revealView,
  tickStep,
  zoomView,
  type TimeView,
} from './view';

const cssVar = (name: string, fallback: string) =>
  getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;

function toBase64(buf: ArrayBuffer): string {
  const bytes = new Uint8Array(buf);
  let out = '';
  for (let i = 0; i < bytes.length; i += 0x8000) out += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(out);
}

const TRACK_H = 92;
const LABEL_ROW = 20;
const RULER_H = 22;
const MINIMAP_H = 30;

/** Time → x on a track `width` px wide showing `v`. */
const xOf = (t: number, v: TimeView, width: number) => ((t - v.from) / (v.to - v.from)) * width;

function setupCanvas(c: HTMLCanvasElement, width: number, height: number): CanvasRenderingContext2D | null {
  const dpr = window.devicePixelRatio || 1;
  const w = Math.max(1, Math.round(width * dpr));
  const h = Math.max(1, Math.round(height * dpr));
  if (c.width !== w) c.width = w;
  if (c.height !== h) c.height = h;
  const ctx = c.getContext('2d');
  if (!ctx) return null;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, width, height);
  return ctx;
}

/** Draw an overview's min/max envelope into [top, top + height) for the window `v`. */
function drawEnvelope(
  ctx: CanvasRenderingContext2D,
  o: TimelineOverview,
  v: TimeView,
  width: number,
  top: number,
  height: number,
  color: string,
) {
  const mid = top + height / 2;
  const half = height / 2 - 2;
  const bw = (o.to - o.from) / o.buckets;
  ctx.fillStyle = color;
  for (let b = 0; b < o.buckets; b++) {
    const lo = o.peaks[2 * b];
    const hi = o.peaks[2 * b + 1];
    if (lo === 0 && hi === 0) continue;
    const x0 = xOf(o.from + b * bw, v, width);
    const x1 = xOf(o.from + (b + 1) * bw, v, width);
    if (x1 < 0 || x0 > width) continue;
    const y0 = mid - hi * half;
    const y1 = mid - lo * half;
    ctx.fillRect(x0, y0, Math.max(1, x1 - x0), Math.max(1, y1 - y0));
  }
}

/**
 * The episode timeline at any length: drawn from `timeline.overview` (stored take peaks, only the visible window
 * is fetched), zoom (Ctrl+wheel, + and −, buttons, fit), scrolling (Shift+wheel, arrow keys, the minimap), line
 * labels that never overlap, chapter markers on the ruler, and a line-by-line preview player that follows the
 * playhead.
 */
export function Timeline() {
  const projectId = useStudio((s) => s.projectId);
  return projectId ? <ProjectTimeline key={projectId} projectId={projectId} /> : null;
}

function ProjectTimeline({ projectId }: { projectId: string }) {
  const t = useT();
  const project = useStudio((s) => s.project);
  const lines = useStudio((s) => s.lines);
  const current = useStudio((s) => s.current);
  const theme = useSettings((s) => s.settings.theme);

  const [data, setData] = useState<TimelineOverview | null>(null);
  const [mini, setMini] = useState<TimelineOverview | null>(null);
  const [view, setViewState] = useState<TimeView | null>(null);
  const [width, setWidth] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const [playing, setPlaying] = useState(false);
  const [time, setTime] = useState(0);
  const [loop, setLoop] = useState(false);
  const [follow, setFollow] = useState(true);
  const [zooms, setZooms] = useState(0);
  const [gapDraft, setGap] = useState<number | null>(null);
  const gap = gapDraft ?? project?.gapMs ?? 0;
  const [musicBusy, setMusicBusy] = useState(false);

  const trackRef = useRef<HTMLDivElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const rulerRef = useRef<HTMLCanvasElement>(null);
  const miniRef = useRef<HTMLCanvasElement>(null);
  const playerRef = useRef<LinePlayer | null>(null);
  const viewRef = useRef<TimeView | null>(null);
  const durationRef = useRef(0);
  const marks = useRef({ opened: false, drawn: false, zoomPending: false });

  const duration = data?.durationSeconds ?? 0;
  // The track is shown once a project is open, unless it has no audio at all.
  const bodyShown = !!project && !(data && data.lineCount === 0);

  const setView = useCallback((next: TimeView | ((v: TimeView) => TimeView), zoom = false) => {
    const v = viewRef.current;
    if (!v) return;
    const n = clampView(typeof next === 'function' ? next(v) : next, durationRef.current);
    if (n.from === v.from && n.to === v.to) return;
    if (zoom) {
      performance.mark('timeline-zoom-start');
      marks.current.zoomPending = true;
    }
    viewRef.current = n;
    setViewState(n);
  }, []);

  // What changes the layout: lines with their active takes and text, the gap.
  const layoutKey = useMemo(
    () => [lines.map((l) => `${l.id}:${l.activeTakeId ?? ''}:${l.chapter ?? ''}`).join(','), project?.gapMs].join('|'),
    [lines, project?.gapMs],
  );

  // Opening a project (this component is keyed by it): mark the start for the "overview drawn" measure.
  useEffect(() => {
    marks.current = { opened: true, drawn: false, zoomPending: false };
    performance.clearMarks('timeline-open');
    performance.mark('timeline-open');
    const p = new LinePlayer(projectId, {
      time: (s) => setTime(s),
      playing: (on) => {
        setPlaying(on);
        if (!on) useStudio.getState().setPlayingLine(null);
      },
      line: (lineId) => useStudio.getState().setPlayingLine(lineId),
      error: (m) => setError(m),
    });
    playerRef.current = p;
    return () => {
      p.dispose();
      playerRef.current = null;
      useStudio.getState().setPlayingLine(null);
    };
  }, [projectId]);

  // The music bed plays under the preview (the player keeps it in step and ducks it per line).
  const bedInfo = project?.musicBed ?? null;
  useEffect(() => {
    playerRef.current?.setBed(
      bedInfo
        ? {
            url: api().musicBedUrl(projectId, `${bedInfo.name}:${bedInfo.durationSeconds}`),
            gainDb: bedInfo.gainDb,
            duck: bedInfo.duck,
            durationSeconds: bedInfo.durationSeconds,
          }
        : null,
    );
  }, [projectId, bedInfo]);

  // Track width.
  useLayoutEffect(() => {
    const el = trackRef.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setWidth(Math.floor(el.clientWidth)));
    ro.observe(el);
    setWidth(Math.floor(el.clientWidth));
    return () => ro.disconnect();
  }, [bodyShown]);

  const buckets = Math.max(1, Math.min(TIMELINE_LIMITS.overviewBucketsMax, width || 800));

  // The visible window: fetched (debounced while zooming or scrolling); the first fetch is the whole episode.
  const fetchSeq = useRef(0);
  useEffect(() => {
    if (!width) return;
    const seq = ++fetchSeq.current;
    const v = viewRef.current;
    const run = () =>
      api()
        .call('timeline.overview', { projectId, from: v?.from ?? 0, to: v?.to, buckets })
        .then((o) => {
          if (seq !== fetchSeq.current) return;
          setError(null);
          setData(o);
          const before = durationRef.current;
          durationRef.current = o.durationSeconds;
          if (!viewRef.current) {
            const fit = fitView(o.durationSeconds);
            viewRef.current = fit;
            setViewState(fit);
          } else if (o.durationSeconds !== before) {
            // A view that showed the whole episode keeps showing all of it; any other stays where it is.
            const wasFit = viewRef.current.from === 0 && viewRef.current.to === fitView(before).to;
            const c = wasFit ? fitView(o.durationSeconds) : clampView(viewRef.current, o.durationSeconds);
            if (c.from !== viewRef.current.from || c.to !== viewRef.current.to) setView(c);
          }
        })
        .catch((err: unknown) => seq === fetchSeq.current && setError(errorMessage(err)));
    if (!v) {
      run();
      return;
    }
    const timer = window.setTimeout(run, 60);
    return () => window.clearTimeout(timer);
  }, [projectId, view, width, buckets, layoutKey, setView]);

  // The minimap: the whole episode at its own width, once per layout revision (the fitted track's answer when it
  // is the same window at the same width).
  const miniBuckets = Math.min(width || 800, TIMELINE_LIMITS.overviewBucketsMax);
  const fitted =
    data && data.from === 0 && data.to === Math.max(data.durationSeconds, 1) && data.buckets === miniBuckets;
  const miniShown = fitted ? data : mini;
  const miniStale = !!data && !fitted && (!mini || mini.rev !== data.rev || mini.buckets !== miniBuckets);
  const rev = data?.rev;
  useEffect(() => {
    if (!rev || !miniStale) return;
    let stale = false;
    api()
      .call('timeline.overview', { projectId, from: 0, buckets: miniBuckets })
      .then((o) => !stale && setMini(o))
      .catch((err: unknown) => !stale && setError(errorMessage(err)));
    return () => {
      stale = true;
    };
  }, [projectId, rev, miniStale, miniBuckets]);

  // Draw the track and the ruler.
  const labelFont = '600 10.5px system-ui, sans-serif';
  const measure = useMemo(() => canvasMeasure(labelFont), []);

  const chapterLabels = useMemo(() => {
    if (!data || !view || !width) return [];
    const items = data.chapters.map((c) => ({
      x0: xOf(c.start, view, width) + 6,
      x1: Infinity,
      text: c.title,
      short: c.title.length > 12 ? `${c.title.slice(0, 11)}…` : c.title,
    }));
    return placeLabels(items, width, measure).map((p) => ({ ...p, chapter: data.chapters[p.index] }));
  }, [data, view, width, measure]);

  useLayoutEffect(() => {
    const c = canvasRef.current;
    const r = rulerRef.current;
    if (!c || !r || !data || !view || !width) return;
    const ctx = setupCanvas(c, width, TRACK_H);
    const rc = setupCanvas(r, width, RULER_H);
    if (!ctx || !rc) return;
    const dark = document.documentElement.dataset.theme === 'dark';
    // Line spans (or groups), tinted by speaker.
    for (const s of data.lines) {
      const x0 = xOf(s.start, view, width);
      const x1 = xOf(s.end, view, width);
      if (x1 < 0 || x0 > width) continue;
      const hue = s.speaker ? speakerHue(s.speaker) : 230;
      const sel = s.lineId === current;
      ctx.fillStyle = `hsl(${hue} 70% ${dark ? 60 : 55}% / ${sel ? 0.34 : dark ? 0.16 : 0.14})`;
      ctx.fillRect(x0, LABEL_ROW, Math.max(1, x1 - x0 - (x1 - x0 > 3 ? 1 : 0)), TRACK_H - LABEL_ROW);
    }
    for (const g of data.groups) {
      const x0 = xOf(g.start, view, width);
      const x1 = xOf(g.end, view, width);
      ctx.fillStyle = `hsl(230 40% ${dark ? 60 : 55}% / ${dark ? 0.14 : 0.1})`;
      ctx.fillRect(x0, LABEL_ROW, Math.max(1, x1 - x0 - 1), TRACK_H - LABEL_ROW);
    }
    drawEnvelope(ctx, data, view, width, LABEL_ROW, TRACK_H - LABEL_ROW, cssVar('--text-muted', '#6b7280'));
    // Chapter markers across the track.
    ctx.fillStyle = cssVar('--accent', '#4f4fd1');
    for (const ch of data.chapters) {
      const x = xOf(ch.start, view, width);
      if (x >= 0 && x <= width) ctx.fillRect(Math.round(x), 0, 1.5, TRACK_H);
    }
    // Ruler ticks.
    const spp = (view.to - view.from) / width;
    const step = tickStep(spp);
    rc.fillStyle = cssVar('--text-muted', '#6b7280');
    rc.font = '10.5px system-ui, sans-serif';
    rc.textBaseline = 'top';
    for (let s = Math.ceil(view.from / step) * step; s <= view.to; s += step) {
      const x = Math.round(xOf(s, view, width));
      rc.fillRect(x, RULER_H - 6, 1, 6);
      const label = formatClock(s, step);
      const x1 = x + 3 + rc.measureText(label).width;
      // A tick's time is left out where a chapter title sits (or past the right edge).
      if (x1 <= width && !chapterLabels.some((c) => x1 + 2 > c.x && x + 1 < c.x + c.width))
        rc.fillText(label, x + 3, 3);
    }
    for (const ch of data.chapters) {
      const x = xOf(ch.start, view, width);
      if (x < 0 || x > width) continue;
      rc.fillStyle = cssVar('--accent', '#4f4fd1');
      rc.beginPath();
      rc.moveTo(x - 5, RULER_H - 8);
      rc.lineTo(x + 5, RULER_H - 8);
      rc.lineTo(x, RULER_H);
      rc.fill();
    }
    // Performance marks: the first overview drawn after opening, and each zoom once its window is drawn.
    const exact = Math.abs(data.from - view.from) < 1e-6 && Math.abs(data.to - view.to) < 1e-6;
    if (marks.current.opened && !marks.current.drawn) {
      marks.current.drawn = true;
      performance.mark('timeline-drawn');
      performance.measure('timeline-overview', 'timeline-open', 'timeline-drawn');
    }
    if (marks.current.zoomPending && exact && data.buckets === buckets) {
      marks.current.zoomPending = false;
      performance.mark('timeline-zoom-drawn');
      performance.measure('timeline-zoom', 'timeline-zoom-start', 'timeline-zoom-drawn');
      setZooms((n) => n + 1);
    }
  }, [data, view, width, current, theme, buckets, chapterLabels]);

  // The minimap.
  useLayoutEffect(() => {
    const c = miniRef.current;
    const mini = miniShown;
    if (!c || !mini || !width) return;
    const ctx = setupCanvas(c, width, MINIMAP_H);
    if (!ctx) return;
    const whole = { from: mini.from, to: mini.to };
    drawEnvelope(ctx, mini, whole, width, 0, MINIMAP_H, cssVar('--border-strong', '#9aa1ad'));
    ctx.fillStyle = cssVar('--accent', '#4f4fd1');
    for (const ch of mini.chapters) ctx.fillRect(Math.round(xOf(ch.start, whole, width)), 0, 1, MINIMAP_H);
  }, [miniShown, width, theme]);

  // Labels: lines (or groups) on the track, chapters on the ruler; placed so that none overlap.
  const lineLabels = useMemo(() => {
    if (!data || !view || !width) return [];
    const items: (LabelItem & {
      kind: 'line' | 'group';
      id: string;
      number: number;
      last?: number;
      start: number;
      end: number;
      full: string;
    })[] = data.lines.length
      ? data.lines.map((s) => ({
          kind: 'line',
          id: s.lineId,
          number: s.number,
          start: s.start,
          end: s.end,
          x0: xOf(s.start, view, width),
          x1: xOf(s.end, view, width),
          text: s.label ? `${s.number} ${s.label}` : String(s.number),
          short: String(s.number),
          full: s.label,
        }))
      : data.groups.map((g) => ({
          kind: 'group',
          id: g.firstLineId,
          number: g.firstNumber,
          last: g.lastNumber,
          start: g.start,
          end: g.end,
          x0: xOf(g.start, view, width),
          x1: xOf(g.end, view, width),
          text: `${g.firstNumber}–${g.lastNumber}`,
          short: String(g.firstNumber),
          full: '',
        }));
    return placeLabels(items, width, measure).map((p) => ({ ...p, item: items[p.index] }));
  }, [data, view, width, measure]);

  // Follow the playhead while playing.
  useEffect(() => {
    if (!playing || !follow || !view) return;
    if (time < view.from || time > view.to - (view.to - view.from) * 0.02)
      setView((v) => revealView(v, time, duration));
  }, [time, playing, follow, view, duration, setView]);

  // Ctrl+wheel zooms around the pointer; Shift+wheel or a horizontal wheel scrolls (a native, non-passive listener).
  useEffect(() => {
    const el = trackRef.current;
    if (!el) return;
    const onWheel = (e: WheelEvent) => {
      const v = viewRef.current;
      if (!v) return;
      const rect = el.getBoundingClientRect();
      if (e.ctrlKey || e.metaKey) {
        e.preventDefault();
        const anchor = Math.min(1, Math.max(0, (e.clientX - rect.left) / rect.width));
        setView((cur) => zoomView(cur, Math.exp(-e.deltaY * 0.002), anchor, durationRef.current), true);
      } else if (e.shiftKey || Math.abs(e.deltaX) > Math.abs(e.deltaY)) {
        e.preventDefault();
        const d = e.shiftKey && !e.deltaX ? e.deltaY : e.deltaX;
        setView((cur) => panView(cur, (d / rect.width) * (cur.to - cur.from), durationRef.current));
      }
    };
    el.addEventListener('wheel', onWheel, { passive: false });
    return () => el.removeEventListener('wheel', onWheel);
  }, [bodyShown, setView]);

  const zoom = (factor: number) => setView((v) => zoomView(v, factor, 0.5, duration), true);
  const fit = () => setView(fitView(duration), true);

  const seek = (s: number) => {
    const p = playerRef.current;
    setTime(s);
    if (p?.isPlaying) void p.play(s);
  };

  const onKeyDown = (e: KeyboardEvent) => {
    const target = e.target as HTMLElement;
    if (target.closest('input, textarea, select')) return;
    const v = viewRef.current;
    if (!v) return;
    const span = v.to - v.from;
    if (e.key === '+' || e.key === '=') zoom(ZOOM_STEP);
    else if (e.key === '-' || e.key === '−' || e.key === '_') zoom(1 / ZOOM_STEP);
    else if (e.key === '0') fit();
    else if (e.key === 'ArrowRight' && target === trackRef.current) setView(panView(v, span * 0.1, duration));
    else if (e.key === 'ArrowLeft' && target === trackRef.current) setView(panView(v, -span * 0.1, duration));
    else if (e.key === 'Home' && target === trackRef.current) setView(panView(v, -v.from, duration));
    else if (e.key === 'End' && target === trackRef.current) setView(panView(v, duration, duration));
    else return;
    e.preventDefault();
  };

  // Clicking the track: a line selects it and puts the playhead at its start; a group zooms into it.
  const onTrackClick = (e: MouseEvent<HTMLDivElement>) => {
    const v = viewRef.current;
    if (!v || !data || !width) return;
    if ((e.target as HTMLElement).closest('button')) return;
    const rect = e.currentTarget.getBoundingClientRect();
    const at = v.from + ((e.clientX - rect.left) / rect.width) * (v.to - v.from);
    const line = data.lines.find((s) => at >= s.start && at < s.end);
    if (line) {
      useStudio.getState().setCurrent(line.lineId);
      useStudio.getState().revealLine(line.lineId);
      seek(line.start);
      return;
    }
    const group = data.groups.find((g) => at >= g.start && at < g.end);
    if (group) setView({ from: group.start, to: group.end }, true);
    else seek(Math.min(Math.max(0, at), duration));
  };

  // Dragging the minimap's window scrolls; pressing elsewhere on it centres the window there.
  const dragRef = useRef<{ x: number; from: number } | null>(null);
  const onMiniDown = (e: PointerEvent<HTMLDivElement>) => {
    const v = viewRef.current;
    if (!v || !duration) return;
    const rect = e.currentTarget.getBoundingClientRect();
    const at = ((e.clientX - rect.left) / rect.width) * duration;
    const span = v.to - v.from;
    let from = v.from;
    if (at < v.from || at > v.to) {
      from = at - span / 2;
      setView({ from, to: from + span });
    }
    dragRef.current = { x: e.clientX, from: clampView({ from, to: from + span }, duration).from };
    e.currentTarget.setPointerCapture(e.pointerId);
  };
  const onMiniMove = (e: PointerEvent<HTMLDivElement>) => {
    const d = dragRef.current;
    const v = viewRef.current;
    if (!d || !v) return;
    const rect = e.currentTarget.getBoundingClientRect();
    const from = d.from + ((e.clientX - d.x) / rect.width) * duration;
    setView({ from, to: from + (v.to - v.from) });
  };
  const onMiniUp = () => {
    dragRef.current = null;
  };

  const numberOf = useMemo(() => new Map(lines.map((l, i) => [l.id, i + 1])), [lines]);
  const currentLine = current ? lines.find((l) => l.id === current) : undefined;
  const currentNumber = current ? numberOf.get(current) : undefined;
  const currentHasTake = !!currentLine?.activeTakeId;

  const playPause = () => {
    const p = playerRef.current;
    if (!p) return;
    if (p.isPlaying) p.stop();
    else void p.play(time >= duration ? 0 : time);
  };
  const playFromLine = async () => {
    const p = playerRef.current;
    if (!p || !current) return;
    try {
      const q = await api().call('timeline.playQueue', { projectId, lineId: current, count: 1 });
      const start = q.lines[0]?.start ?? 0;
      setTime(start);
      if (viewRef.current && (start < viewRef.current.from || start > viewRef.current.to))
        setView((v) => revealView(v, start, duration));
      void p.play(start, loop ? { loopLineId: current } : {});
    } catch (err) {
      setError(errorMessage(err));
    }
  };

  const setMusic = async (file: File | null) => {
    if (file && file.size > LIMITS.musicUploadBytesMax) {
      setError(t('timeline.musicTooLarge', { name: file.name, max: Math.round(LIMITS.musicUploadBytesMax / 1048576) }));
      return;
    }
    setError(null);
    setMusicBusy(true);
    try {
      if (file) {
        const base64 = toBase64(await file.arrayBuffer());
        await useStudio.getState().setMix({
          musicBed: {
            source: { fileName: file.name, base64 },
            gainDb: project?.musicBed?.gainDb ?? -18,
            duck: project?.musicBed?.duck ?? true,
          },
        });
      } else await useStudio.getState().setMix({ musicBed: null });
    } finally {
      setMusicBusy(false);
    }
  };

  if (!project) return null;
  const bed = project.musicBed;
  const hasAudio = !!data && data.lineCount > 0;
  const playheadX = view && width ? xOf(time, view, width) : -10;
  const vw =
    view && duration ? { left: (view.from / duration) * 100, width: ((view.to - view.from) / duration) * 100 } : null;

  return (
    <section
      className="timeline-panel"
      aria-labelledby="timeline-title"
      onKeyDown={onKeyDown}
      data-ready={data && view ? 'true' : 'false'}
      data-from={view?.from.toFixed(3)}
      data-to={view?.to.toFixed(3)}
      data-zooms={zooms}
      data-playhead={time.toFixed(2)}
    >
      <div className="timeline-head">
        <h2 id="timeline-title" className="timeline-title">
          <Icon name="wave" size={15} />
          {t('timeline.title')}
        </h2>
        <button
          type="button"
          className="play-btn"
          disabled={!hasAudio}
          aria-label={playing ? t('timeline.pause') : t('timeline.play')}
          aria-pressed={playing}
          onClick={playPause}
        >
          <Icon name={playing ? 'pause' : 'play'} size={15} />
        </button>
        <span className="timeline-time" aria-live="off">
          {formatClock(time)} / {formatClock(duration)}
        </span>
        <button
          type="button"
          className="btn btn-sm"
          disabled={!currentHasTake || !hasAudio}
          title={currentNumber && !currentHasTake ? t('timeline.lineHasNoTake', { n: currentNumber }) : undefined}
          onClick={() => void playFromLine()}
        >
          <Icon name="play" size={12} />
          {currentNumber ? t('timeline.playFromLine', { n: currentNumber }) : t('timeline.playFromLineNone')}
        </button>
        <button
          type="button"
          className="icon-btn"
          aria-pressed={loop}
          disabled={!currentHasTake}
          aria-label={t('timeline.loop')}
          title={t('timeline.loop')}
          onClick={() => setLoop((v) => !v)}
        >
          <Icon name="repeat" size={15} />
        </button>
        <div className="toolbar-spacer" />
        <label className="timeline-controls">
          {t('timeline.gap')}
          <input
            type="number"
            className="input"
            min={0}
            max={10000}
            step={50}
            value={gap}
            onChange={(e) => setGap(Number(e.target.value))}
            onBlur={() => {
              const v = Math.max(0, Math.min(10000, Math.round(gap)));
              setGap(null);
              if (v !== project.gapMs) void useStudio.getState().setMix({ gapMs: v });
            }}
            onKeyDown={(e) => e.key === 'Enter' && e.currentTarget.blur()}
          />
          <span aria-hidden="true">ms</span>
        </label>
        <div className="timeline-controls music-controls">
          <Icon name="music" size={15} />
          {bed ? (
            <>
              <span className="music-name" title={`${bed.name}. ${t('timeline.previewNote')}`}>
                {bed.name}
              </span>
              <label className="timeline-controls">
                <span className="sr-only">{t('timeline.musicGain')}</span>
                <input
                  type="range"
                  min={-40}
                  max={6}
                  step={1}
                  defaultValue={bed.gainDb}
                  aria-label={t('timeline.musicGain')}
                  aria-valuetext={`${bed.gainDb} dB`}
                  onPointerUp={(e) =>
                    void useStudio
                      .getState()
                      .setMix({ musicBed: { gainDb: Number(e.currentTarget.value), duck: bed.duck } })
                  }
                  onKeyUp={(e) =>
                    void useStudio
                      .getState()
                      .setMix({ musicBed: { gainDb: Number(e.currentTarget.value), duck: bed.duck } })
                  }
                />
                <span className="muted">{bed.gainDb} dB</span>
              </label>
              <label className="check-row">
                <input
                  type="checkbox"
                  checked={bed.duck}
                  onChange={(e) =>
                    void useStudio.getState().setMix({ musicBed: { gainDb: bed.gainDb, duck: e.target.checked } })
                  }
                />
                {t('timeline.duck')}
              </label>
              <button
                type="button"
                className="icon-btn btn-sm"
                aria-label={t('timeline.removeMusic')}
                title={t('timeline.removeMusic')}
                disabled={musicBusy}
                onClick={() => void setMusic(null)}
              >
                <Icon name="x" size={13} />
              </button>
            </>
          ) : (
            <label className="btn btn-sm">
              {musicBusy && <span className="spinner" aria-hidden="true" />}
              {t('timeline.addMusic')}
              <input
                type="file"
                className="sr-only"
                accept="audio/*,.mp3,.wav,.flac,.ogg,.m4a"
                disabled={musicBusy}
                onChange={(e) => {
                  const f = e.target.files?.[0];
                  e.target.value = '';
                  if (f) void setMusic(f);
                }}
              />
            </label>
          )}
        </div>
      </div>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      {data && !hasAudio ? (
        <div className="timeline-wave timeline-empty">{t('timeline.empty')}</div>
      ) : (
        <div className="timeline-body">
          <div className="timeline-zoom" role="group" aria-label={t('timeline.zoomGroup')}>
            <span className="timeline-window" aria-live="off">
              {view ? `${formatClock(view.from)} – ${formatClock(view.to)}` : ''}
            </span>
            <button
              type="button"
              className="icon-btn"
              disabled={!hasAudio}
              aria-label={t('timeline.zoomOut')}
              title={t('timeline.zoomOut')}
              onClick={() => zoom(1 / ZOOM_STEP)}
            >
              <Icon name="minus" size={15} />
            </button>
            <button
              type="button"
              className="icon-btn"
              disabled={!hasAudio}
              aria-label={t('timeline.zoomIn')}
              title={t('timeline.zoomIn')}
              onClick={() => zoom(ZOOM_STEP)}
            >
              <Icon name="plus" size={15} />
            </button>
            <button
              type="button"
              className="icon-btn"
              disabled={!hasAudio}
              aria-label={t('timeline.zoomFit')}
              title={t('timeline.zoomFit')}
              onClick={fit}
            >
              <Icon name="fit" size={15} />
            </button>
            <button
              type="button"
              className="icon-btn"
              aria-pressed={follow}
              aria-label={t('timeline.follow')}
              title={t('timeline.follow')}
              onClick={() => setFollow((v) => !v)}
            >
              <Icon name="follow" size={15} />
            </button>
          </div>
          <div className="timeline-ruler" style={{ height: RULER_H }}>
            <canvas ref={rulerRef} className="timeline-canvas" aria-hidden="true" />
            {chapterLabels.map((c) => (
              <span
                key={`${c.chapter.lineId}:${c.chapter.start}`}
                className="timeline-chapter"
                style={{ left: c.x, width: c.width }}
                title={c.chapter.title}
                aria-label={t('timeline.chapter', { title: c.chapter.title })}
              >
                {c.text}
              </span>
            ))}
          </div>
          <div
            ref={trackRef}
            id="timeline-track"
            className="timeline-wave timeline-track"
            style={{ height: TRACK_H }}
            role="group"
            tabIndex={0}
            aria-label={t('timeline.track')}
            aria-busy={!data}
            onClick={onTrackClick}
          >
            <canvas ref={canvasRef} className="timeline-canvas" aria-hidden="true" />
            <div className="timeline-labels" style={{ font: labelFont }}>
              {lineLabels.map((l) => (
                <button
                  type="button"
                  key={l.item.id}
                  className={`timeline-label${l.item.id === current && l.item.kind === 'line' ? ' is-current' : ''}`}
                  data-line-id={l.item.kind === 'line' ? l.item.id : undefined}
                  style={{ left: l.x, width: l.width }}
                  tabIndex={-1}
                  aria-label={
                    l.item.kind === 'line'
                      ? t('timeline.lineLabel', { n: l.item.number, text: l.item.full })
                      : t('timeline.groupLabel', { a: l.item.number, b: l.item.last ?? l.item.number })
                  }
                  title={l.item.kind === 'line' ? l.item.full : undefined}
                  onClick={() => {
                    if (l.item.kind === 'group') setView({ from: l.item.start, to: l.item.end }, true);
                    else {
                      useStudio.getState().setCurrent(l.item.id);
                      useStudio.getState().revealLine(l.item.id);
                      seek(l.item.start);
                    }
                  }}
                >
                  {l.text}
                </button>
              ))}
            </div>
            {playheadX >= 0 && playheadX <= width && (
              <div
                className="timeline-playhead"
                style={{ transform: `translateX(${playheadX}px)` }}
                aria-hidden="true"
              />
            )}
          </div>
          <div
            className="timeline-minimap"
            style={{ height: MINIMAP_H }}
            role="scrollbar"
            aria-label={t('timeline.minimap')}
            aria-orientation="horizontal"
            aria-controls="timeline-track"
            aria-valuemin={0}
            aria-valuemax={Math.round(duration)}
            aria-valuenow={Math.round(view?.from ?? 0)}
            tabIndex={-1}
            onPointerDown={onMiniDown}
            onPointerMove={onMiniMove}
            onPointerUp={onMiniUp}
            onPointerCancel={onMiniUp}
          >
            <canvas ref={miniRef} className="timeline-canvas" aria-hidden="true" />
            {vw && (
              <div
                className="timeline-minimap-window"
                style={{ left: `${vw.left}%`, width: `max(6px, ${vw.width}%)` }}
                aria-hidden="true"
              />
            )}
            {duration > 0 && (
              <div
                className="timeline-minimap-playhead"
                style={{ left: `${(time / duration) * 100}%` }}
                aria-hidden="true"
              />
            )}
          </div>
        </div>
      )}
    </section>
  );
}
