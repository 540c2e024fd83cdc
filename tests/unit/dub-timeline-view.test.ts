/**
 * The Dub timeline's window (renderer/src/features/dub/timelineView.ts): zoom levels, bounds, and following the
 * playhead, played through as the page does it (a time update every 0.25 s, the user moving the window between them).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  clampView,
  followPlayhead,
  TIMELINE_MAX_CUES,
  zoomLevels,
  type TimelineView,
} from '../../renderer/src/features/dub/timelineView';

/** Plays from `from` to `to` in 0.25 s updates, as the timeline sees them; `move(t)` may move the window. */
function play(
  view: TimelineView,
  duration: number,
  from: number,
  to: number,
  move?: (t: number) => number | undefined,
): { view: TimelineView; moves: number[] } {
  let prev = from;
  const moves: number[] = [];
  for (let t = from + 0.25; t <= to + 1e-9; t += 0.25) {
    const byUser = move?.(t);
    if (byUser !== undefined) view = { ...view, start: clampView(byUser, view.span, duration) };
    const next = followPlayhead(prev, t, view, duration);
    if (next !== null) {
      moves.push(t);
      view = { ...view, start: next };
    }
    prev = t;
  }
  return { view, moves };
}

describe('the Dub timeline window', () => {
  it('follows playback: the playhead never leaves the window, which moves only when it reaches the edge', () => {
    const { view, moves } = play({ start: 0, span: 120 }, 3600, 0, 600);
    // 600 s of playback through a 2-minute window: it moves each time the playhead reaches the right edge.
    expect(moves.length).toBeGreaterThanOrEqual(5);
    expect(moves.length).toBeLessThanOrEqual(6);
    expect(600).toBeGreaterThanOrEqual(view.start);
    expect(600).toBeLessThanOrEqual(view.start + view.span);
    for (const [a, b] of moves.slice(1).map((m, i) => [moves[i], m])) expect(b - a).toBeGreaterThan(100);
  });

  it('a window the user moved away from a playing playhead stays where they put it', () => {
    // Playing at 30 s; at 40 s the user drags the position slider to 30 minutes in.
    const { view, moves } = play({ start: 0, span: 120 }, 3600, 30, 90, (t) => (t === 40 ? 1800 : undefined));
    expect(moves).toEqual([]);
    expect(view.start).toBe(1800);
  });

  it('follows again once the user brings the playhead back into the window, and on a seek', () => {
    const r = play({ start: 0, span: 120 }, 3600, 30, 300, (t) => (t === 40 ? 1800 : t === 50 ? 0 : undefined));
    expect(r.view.start).toBeLessThanOrEqual(300);
    expect(r.view.start + r.view.span).toBeGreaterThanOrEqual(300);
    // A seek (a jump of more than 1.5 s) to outside the window moves it, wherever the window was.
    const away: TimelineView = { start: 1800, span: 120 };
    expect(followPlayhead(30, 700, away, 3600)).toBeCloseTo(700 - 12);
    expect(followPlayhead(30, 30.25, away, 3600)).toBeNull();
    expect(followPlayhead(700, 1850, away, 3600)).toBeNull(); // a seek into the window: it stays
  });

  it('keeps the window inside the media, at the end too', () => {
    expect(followPlayhead(100, 3599, { start: 0, span: 120 }, 3600)).toBe(3480);
    fc.assert(
      fc.property(
        fc.double({ min: 1, max: 36_000, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.constantFrom(15, 30, 60, 120, 300, 600, 1800),
        (duration, a, b, span) => {
          const s = Math.min(span, duration);
          const view = { start: clampView(a * duration, s, duration), span: s };
          const next = followPlayhead(0, b * duration, view, duration);
          if (next === null) return;
          expect(next).toBeGreaterThanOrEqual(0);
          expect(next + s).toBeLessThanOrEqual(duration + 1e-6);
          expect(b * duration).toBeGreaterThanOrEqual(next - 1e-6);
          expect(b * duration).toBeLessThanOrEqual(next + s + 1e-6);
        },
      ),
    );
  });

  it('offers only windows holding at most about TIMELINE_MAX_CUES cues; the whole media when it fits', () => {
    expect(zoomLevels(7200, 2000)).toEqual([15, 30, 60, 120, 300, 600]);
    expect(zoomLevels(600, 100)).toEqual([15, 30, 60, 120, 300, 600]);
    expect(zoomLevels(90, 20)).toEqual([15, 30, 60, 90]);
    for (const z of zoomLevels(36_000, 12_000)) expect((12_000 / 36_000) * z).toBeLessThanOrEqual(TIMELINE_MAX_CUES);
  });
});
