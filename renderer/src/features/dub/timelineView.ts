/**
 * The Dub timeline's window over the media (DubTimeline.tsx): its zoom levels, its bounds, and how it follows the
 * playhead. Pure, so it is tested without a page (tests/unit/dub-timeline-view.test.ts).
 */

/** Zoom levels (seconds shown); the whole media is the last level. */
export const TIMELINE_ZOOMS = [15, 30, 60, 120, 300, 600, 1800];
/** The window shown at first, when the media is longer. */
export const TIMELINE_START_SPAN = 120;

/** The part of the media the timeline shows. */
export interface TimelineView {
  start: number;
  span: number;
}

/** At most about this many cues in a window (on average over the media), so the page never holds thousands. */
export const TIMELINE_MAX_CUES = 400;

/**
 * Zoom levels for a media length and its number of segments: those shorter than the media, then the whole media,
 * keeping only windows that hold at most about TIMELINE_MAX_CUES cues on average (the shortest is always offered).
 */
export function zoomLevels(duration: number, segments: number): number[] {
  const fits = (z: number) => (segments / Math.max(1, duration)) * z <= TIMELINE_MAX_CUES;
  const levels = TIMELINE_ZOOMS.filter((z) => z < duration - 1e-6 && fits(z));
  if (fits(duration)) levels.push(duration);
  return levels.length ? levels : [Math.min(duration, TIMELINE_ZOOMS[0])];
}

/** A window start kept inside the media. */
export function clampView(start: number, span: number, duration: number): number {
  return Math.max(0, Math.min(Math.max(0, duration - span), start));
}

/** A playhead move of more than this (seconds) between two updates is a seek, not playback. */
const SEEK_JUMP = 1.5;

/**
 * Where the window goes when the playhead moves from `prev` to `time`: near its left edge when the playhead leaves
 * the window it was in, or jumps (a seek) to outside it; null to stay. A window the user moved away from a playing
 * playhead (with the position slider) stays where they put it.
 */
export function followPlayhead(prev: number, time: number, view: TimelineView, duration: number): number | null {
  const inside = (t: number) => t >= view.start && t <= view.start + view.span;
  if (inside(time)) return null;
  if (!inside(prev) && Math.abs(time - prev) <= SEEK_JUMP) return null;
  return clampView(time - view.span * 0.1, view.span, duration);
}
