/** The timeline's label placement and zoom arithmetic (renderer/src/features/studio/timeline/): properties. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { LABEL_GAP, placeLabels, type LabelItem } from '../../renderer/src/features/studio/timeline/labels';
import { clampView, MIN_SPAN, panView, zoomView } from '../../renderer/src/features/studio/timeline/view';

/** A monospace-like measure: 6.5 px per character. */
const measure = (s: string) => s.length * 6.5;

/** Spans in time order (as the overview returns them) on a track of `width` px. */
const spans = fc
  .tuple(
    fc.array(fc.tuple(fc.double({ min: 0, max: 400, noNaN: true }), fc.double({ min: 0, max: 300, noNaN: true })), {
      maxLength: 400,
    }),
    fc.integer({ min: 50, max: 3000 }),
    fc.double({ min: -500, max: 100, noNaN: true }),
  )
  .map(([parts, width, origin]) => {
    let x = origin;
    const items: LabelItem[] = parts.map(([gap, len], i) => {
      const x0 = x + gap / 10;
      x = x0 + len;
      return { x0, x1: x, text: `${i + 1} Some words of line ${i + 1}`, short: String(i + 1) };
    });
    return { items, width };
  });

describe('placeLabels', () => {
  it('never places two labels that overlap, and keeps them on the track', () => {
    fc.assert(
      fc.property(spans, ({ items, width }) => {
        const placed = placeLabels(items, width, measure);
        for (let i = 1; i < placed.length; i++)
          expect(placed[i].x).toBeGreaterThanOrEqual(placed[i - 1].x + placed[i - 1].width + LABEL_GAP);
        for (const p of placed) {
          expect(p.x).toBeGreaterThanOrEqual(0);
          expect(p.x + p.width).toBeLessThanOrEqual(width + 1e-9);
          const it = items[p.index];
          expect([it.text, it.short]).toContain(p.text);
          // A full text stays inside its own span.
          if (p.text === it.text && it.text !== it.short) expect(p.x + p.width).toBeLessThanOrEqual(it.x1 + 1e-9);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('thins out dense lines evenly and labels every line when there is room', () => {
    // 2 000 lines of 1 px each across 1 000 px: a few dozen numbers, spread over the whole track.
    const dense: LabelItem[] = Array.from({ length: 2000 }, (_, i) => ({
      x0: i / 2,
      x1: (i + 1) / 2,
      text: `${i + 1} text`,
      short: String(i + 1),
    }));
    const placed = placeLabels(dense, 1000, measure);
    expect(placed.length).toBeGreaterThan(20);
    expect(placed.length).toBeLessThan(60);
    expect(placed[placed.length - 1].x).toBeGreaterThan(900);
    expect(placed.every((p) => p.text === dense[p.index].short)).toBe(true);
    // Ten lines of 100 px: every one gets its full label.
    const roomy: LabelItem[] = Array.from({ length: 10 }, (_, i) => ({
      x0: i * 100,
      x1: (i + 1) * 100,
      text: `${i + 1} Hello`,
      short: String(i + 1),
    }));
    expect(placeLabels(roomy, 1000, measure).map((p) => p.text)).toEqual(roomy.map((r) => r.text));
  });
});

describe('timeline view', () => {
  it('zoom keeps the anchored time in place and stays inside the episode', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 10, max: 48 * 3600, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0.05, max: 20, noNaN: true }),
        (duration, a, b, factor) => {
          const v = clampView({ from: Math.min(a, b) * duration, to: Math.max(a, b) * duration }, duration);
          const z = zoomView(v, factor, 0.5, duration);
          expect(z.from).toBeGreaterThanOrEqual(0);
          expect(z.to).toBeLessThanOrEqual(Math.max(duration, MIN_SPAN) + 1e-6);
          expect(z.to - z.from).toBeGreaterThanOrEqual(Math.min(MIN_SPAN, duration) - 1e-6);
          const p = panView(z, (b - 0.5) * duration, duration);
          expect(p.to - p.from).toBeCloseTo(z.to - z.from, 6);
        },
      ),
    );
    // Not clamped: the middle stays the middle.
    const z = zoomView({ from: 100, to: 200 }, 2, 0.5, 1000);
    expect(z).toEqual({ from: 125, to: 175 });
  });
});
