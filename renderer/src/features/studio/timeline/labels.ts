/**
 * Which labels the timeline draws: never two that overlap. Items come in time order (lines, groups of lines or
 * chapters); each gets its full text when it fits in its span, else a short form (the line number), else nothing.
 * Greedy left to right: a label is placed only where it starts after the previous one ends (plus a gap), so the
 * result never overlaps whatever the zoom, and when zoomed out the labels thin out evenly along the track.
 */
export interface LabelItem {
  /** Pixel where the item starts and ends on the track (may lie outside [0, width]). */
  x0: number;
  x1: number;
  /** Preferred text, and the short one used when the preferred one does not fit. */
  text: string;
  short: string;
}

export interface PlacedLabel {
  index: number;
  x: number;
  width: number;
  text: string;
}

export const LABEL_GAP = 6;
const PAD = 4;
/** Room beyond the short form needed before a cut full text is shown instead of the short form. */
const TRUNCATED_MIN = 36;

/**
 * Place labels on a track `width` pixels wide. `measure` gives a text's width in pixels. A label never extends past
 * the track's right edge nor, when it uses its full text, past the end of its own span (a full text wider than its
 * span is given the span's width and shown cut, with an ellipsis).
 */
export function placeLabels(
  items: readonly LabelItem[],
  width: number,
  measure: (text: string) => number,
): PlacedLabel[] {
  const out: PlacedLabel[] = [];
  let right = -Infinity;
  for (let i = 0; i < items.length; i++) {
    const it = items[i];
    if (it.x1 < 0 || it.x0 > width) continue;
    const x = Math.max(it.x0, 0) + PAD;
    if (x < right + LABEL_GAP) continue;
    const full = measure(it.text) + 2 * PAD;
    const short = measure(it.short) + 2 * PAD;
    let text: string;
    let w: number;
    const room = Math.min(it.x1, width) - x;
    if (it.text && x + full <= Math.min(it.x1, width)) {
      text = it.text;
      w = full;
    } else if (it.text && room >= short + TRUNCATED_MIN) {
      // The full text, cut to its span (the label ends in an ellipsis).
      text = it.text;
      w = room;
    } else if (x + short <= width) {
      text = it.short;
      w = short;
    } else continue;
    out.push({ index: i, x, width: w, text });
    right = x + w;
  }
  return out;
}

/** Text widths in a canvas font (each string measured once). */
export function canvasMeasure(font: string): (text: string) => number {
  const ctx = document.createElement('canvas').getContext('2d');
  const cache = new Map<string, number>();
  return (text) => {
    let w = cache.get(text);
    if (w === undefined) {
      if (ctx) {
        ctx.font = font;
        w = ctx.measureText(text).width;
      } else w = text.length * 7;
      if (cache.size > 5000) cache.clear();
      cache.set(text, w);
    }
    return w;
  };
}
