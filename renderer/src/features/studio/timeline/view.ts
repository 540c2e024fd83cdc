/** The visible window of the timeline (seconds) and its zoom and scroll arithmetic. */
export interface TimeView {
  from: number;
  to: number;
}

/** Narrowest window: 2 s across the track. */
export const MIN_SPAN = 2;
/** Zoom factor of one +/− step. */
export const ZOOM_STEP = 2;

/** Keep a window inside [0, duration] and at least MIN_SPAN wide (or the whole episode when it is shorter). */
export function clampView(v: TimeView, duration: number): TimeView {
  const total = Math.max(duration, MIN_SPAN);
  let span = Math.min(Math.max(v.to - v.from, MIN_SPAN), total);
  if (!Number.isFinite(span)) span = total;
  let from = Math.max(0, Math.min(v.from, total - span));
  if (!Number.isFinite(from)) from = 0;
  return { from, to: from + span };
}

/** Zoom by `factor` (> 1: in) keeping the time under `anchor` (0..1 across the track) in place. */
export function zoomView(v: TimeView, factor: number, anchor: number, duration: number): TimeView {
  const span = v.to - v.from;
  const at = v.from + span * anchor;
  const next = span / factor;
  return clampView({ from: at - next * anchor, to: at - next * anchor + next }, duration);
}

/** Scroll by `seconds` (negative: back). */
export function panView(v: TimeView, seconds: number, duration: number): TimeView {
  return clampView({ from: v.from + seconds, to: v.to + seconds }, duration);
}

/** Centre-left on a time (following the playhead: it lands a tenth of the way in). */
export function revealView(v: TimeView, t: number, duration: number): TimeView {
  const span = v.to - v.from;
  return clampView({ from: t - span * 0.1, to: t + span * 0.9 }, duration);
}

export const fitView = (duration: number): TimeView => clampView({ from: 0, to: duration }, duration);

/** Ruler tick spacing (seconds) that puts ticks at least `minPx` apart. */
export function tickStep(secondsPerPx: number, minPx = 70): number {
  const steps = [0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200];
  for (const s of steps) if (s / secondsPerPx >= minPx) return s;
  return 7200 * Math.ceil((minPx * secondsPerPx) / 7200);
}

/** h:mm:ss or m:ss (tenths below 10 s steps). */
export function formatClock(t: number, step = 1): string {
  const neg = t < 0;
  t = Math.abs(t);
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const s = t % 60;
  const ss = step < 1 ? s.toFixed(1).padStart(4, '0') : String(Math.floor(s)).padStart(2, '0');
  return `${neg ? '-' : ''}${h ? `${h}:${String(m).padStart(2, '0')}` : m}:${ss}`;
}
