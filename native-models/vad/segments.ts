/**
 * Speech segments from per-window speech probabilities, with hysteresis: speech starts when a window reaches
 * `threshold` and ends after `minSilenceMs` of windows below `negThreshold` (default threshold - 0.15). Segments shorter
 * than `minSpeechMs` are dropped; survivors are padded by `speechPadMs` each side (split evenly when two segments are
 * closer than twice the padding). The rules follow snakers4/silero-vad get_speech_timestamps (without the
 * max-speech splitting) with one change: a segment ends at the end of its last window at or above `threshold` rather
 * than at the first window below `negThreshold` (the model's probability takes 2-4 windows to decay after speech
 * stops, which put the reference's ends 100-200 ms late on clean recordings). Pure code, no model: fed one probability at a time, so it serves streaming and whole files.
 */

export interface SegmentOptions {
  /** Probability at or above which speech starts (default 0.5). */
  threshold?: number;
  /** Probability below which speech may end (default threshold - 0.15, at least 0.01). */
  negThreshold?: number;
  /** Drop segments shorter than this (default 250 ms). */
  minSpeechMs?: number;
  /** Silence needed to end a segment (default 100 ms). */
  minSilenceMs?: number;
  /** Padding added each side of a segment (default 30 ms). */
  speechPadMs?: number;
}

export interface SpeechSegment {
  /** Seconds from the start of the audio. */
  start: number;
  end: number;
}

export type SegmentEvent = { type: 'start'; time: number } | { type: 'end'; segment: SpeechSegment };

interface Resolved {
  threshold: number;
  negThreshold: number;
  minSpeech: number;
  minSilence: number;
  pad: number;
}

export function resolveSegmentOptions(o: SegmentOptions, sampleRate: number): Resolved {
  const threshold = o.threshold ?? 0.5;
  return {
    threshold,
    negThreshold: o.negThreshold ?? Math.max(threshold - 0.15, 0.01),
    minSpeech: (sampleRate * (o.minSpeechMs ?? 250)) / 1000,
    minSilence: (sampleRate * (o.minSilenceMs ?? 100)) / 1000,
    pad: (sampleRate * (o.speechPadMs ?? 30)) / 1000,
  };
}

/**
 * Streaming segmenter. Positions are in samples at the model rate; events are reported in seconds. A segment is
 * announced ('start') once it has lasted `minSpeechMs` and closed ('end', padded) once `minSilenceMs` of silence
 * followed it. Streaming padding cannot look ahead, so a segment's start padding is clamped to the previous
 * segment's end instead of splitting the gap; `segmentsFromProbabilities` applies the exact whole-file rule.
 */
export class SpeechSegmenter {
  private readonly o: Resolved;
  private triggered = false;
  private start = 0;
  private tempEnd = 0;
  /** End of the last window at or above `threshold` in the open segment. */
  private lastSpeechEnd = 0;
  private announced = false;
  private lastEmittedEnd = 0;
  private index = 0;

  constructor(
    private readonly sampleRate: number,
    private readonly window: number,
    opts: SegmentOptions = {},
  ) {
    this.o = resolveSegmentOptions(opts, sampleRate);
  }

  /** Raw (unpadded) segments in samples, for the whole-file padding rule. */
  readonly raw: { start: number; end: number }[] = [];

  push(prob: number): SegmentEvent[] {
    const events: SegmentEvent[] = [];
    const pos = this.window * this.index++;
    const { threshold, negThreshold, minSilence, minSpeech } = this.o;
    if (prob >= threshold && this.tempEnd) this.tempEnd = 0;
    if (prob >= threshold) this.lastSpeechEnd = pos + this.window;
    if (prob >= threshold && !this.triggered) {
      this.triggered = true;
      this.start = pos;
      this.announced = false;
    } else if (prob < negThreshold && this.triggered) {
      if (!this.tempEnd) this.tempEnd = pos;
      if (pos - this.tempEnd >= minSilence) {
        // Hysteresis decides that the segment ended; the boundary is where the model was last confident.
        this.close(Math.min(this.tempEnd, this.lastSpeechEnd), events);
        return events;
      }
    }
    if (this.triggered && !this.announced && pos + this.window - this.start > minSpeech) {
      this.announced = true;
      events.push({ type: 'start', time: this.toSeconds(Math.max(this.lastEmittedEnd, this.start - this.o.pad)) });
    }
    return events;
  }

  /** End of audio at `totalSamples` (model rate): close an open segment. */
  finish(totalSamples: number): SegmentEvent[] {
    const events: SegmentEvent[] = [];
    if (this.triggered) this.close(totalSamples, events, totalSamples);
    return events;
  }

  private close(end: number, events: SegmentEvent[], total = Infinity): void {
    const start = this.start;
    this.triggered = false;
    this.tempEnd = 0;
    const long = end - start > this.o.minSpeech;
    if (long) this.raw.push({ start, end });
    // A segment already announced is always closed, even if its silence came back early and made it short.
    if (!long && !this.announced) return;
    const s = Math.max(this.lastEmittedEnd, start - this.o.pad);
    const e = Math.min(total, end + this.o.pad);
    if (!this.announced) events.push({ type: 'start', time: this.toSeconds(s) });
    this.announced = false;
    this.lastEmittedEnd = e;
    events.push({ type: 'end', segment: { start: this.toSeconds(s), end: this.toSeconds(e) } });
  }

  private toSeconds(samples: number): number {
    return samples / this.sampleRate;
  }
}

/** Whole-file padding rule (reference behaviour): pad each side, split gaps narrower than two paddings evenly. */
export function padSegments(
  raw: readonly { start: number; end: number }[],
  pad: number,
  totalSamples: number,
  sampleRate: number,
): SpeechSegment[] {
  const s = raw.map((r) => ({ ...r }));
  for (let i = 0; i < s.length; i++) {
    if (i === 0) s[i].start = Math.max(0, s[i].start - pad);
    if (i < s.length - 1) {
      const gap = s[i + 1].start - s[i].end;
      if (gap < 2 * pad) {
        s[i].end += gap / 2;
        s[i + 1].start = Math.max(0, s[i + 1].start - gap / 2);
      } else {
        s[i].end = Math.min(totalSamples, s[i].end + pad);
        s[i + 1].start = Math.max(0, s[i + 1].start - pad);
      }
    } else {
      s[i].end = Math.min(totalSamples, s[i].end + pad);
    }
  }
  return s.map((r) => ({ start: r.start / sampleRate, end: r.end / sampleRate }));
}

/** Segments for a whole file from its per-window probabilities (windows of `window` samples at `sampleRate`). */
export function segmentsFromProbabilities(
  probs: ArrayLike<number>,
  sampleRate: number,
  window: number,
  totalSamples: number,
  opts: SegmentOptions = {},
): SpeechSegment[] {
  const seg = new SpeechSegmenter(sampleRate, window, opts);
  for (let i = 0; i < probs.length; i++) seg.push(probs[i]);
  seg.finish(totalSamples);
  return padSegments(seg.raw, resolveSegmentOptions(opts, sampleRate).pad, totalSamples, sampleRate);
}
