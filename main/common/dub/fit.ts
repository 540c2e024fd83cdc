/**
 * Fitting dubbed takes into their cue slots. Process-neutral and pure: the pipeline (main/node/dub/) and later the
 * Dub view use the same rules (docs/dubbing.md, "Fit rules").
 *
 * After generating, per segment, in this order: (1) trim the take's edge silence (done on the audio by the caller);
 * (2) borrow silence from the gap after the slot, up to `borrowLimit` (the gap to the next cue minus a guard,
 * capped by `maxBorrow`); (3) time-stretch within `maxStretch` to fit slot + borrow; (4) re-generate at a faster
 * speaking rate where the engine has one; (5) else place it anyway, whole, at the cue start and mark it too long.
 * Nothing is ever cut. A take that fits keeps its natural speed and starts at the cue start.
 *
 * Before generating: a speaking rate per voice (characters per second at natural speed, calibrated from the takes
 * made so far with that voice) predicts each segment's length and so its fit, so the user can shorten text first.
 */
import type { FitKind } from '../../../preload/contract/dub.js';

/** Silence kept between a borrowed take's end and the next cue. */
export const BORROW_GUARD_SECONDS = 0.1;

export interface SlotCue {
  start: number;
  end: number;
}

/** How much of the gap after cue `i` its take may use: next cue start (or the media end) − guard − cue end. */
export function borrowLimit(cues: readonly SlotCue[], i: number, mediaEnd: number, maxBorrow: number): number {
  const next = i + 1 < cues.length ? cues[i + 1].start : mediaEnd;
  return Math.max(0, Math.min(maxBorrow, next - BORROW_GUARD_SECONDS - cues[i].end));
}

export interface FitDecision {
  fit: FitKind;
  /** Speed-up to apply (1 = none). */
  stretch: number;
  borrowedSeconds: number;
  /** Length once placed. */
  placedSeconds: number;
  /** How far past slot + borrow limit it runs (too-long only). */
  tooLongBySeconds: number;
}

const round = (x: number, d = 4) => Math.round(x * 10 ** d) / 10 ** d;

/**
 * Fit of a take of `takeSeconds` (edge silence trimmed) into `slotSeconds` + up to `borrowLimitSeconds`, with at
 * most `maxStretch`. `too-long` means even the capped stretch does not fit (the caller may re-generate faster first).
 */
export function decideFit(
  takeSeconds: number,
  slotSeconds: number,
  borrowLimitSeconds: number,
  maxStretch: number,
): FitDecision {
  if (takeSeconds <= slotSeconds)
    return { fit: 'fits', stretch: 1, borrowedSeconds: 0, placedSeconds: takeSeconds, tooLongBySeconds: 0 };
  const room = slotSeconds + borrowLimitSeconds;
  if (takeSeconds <= room)
    return {
      fit: 'borrowed',
      stretch: 1,
      borrowedSeconds: round(takeSeconds - slotSeconds),
      placedSeconds: takeSeconds,
      tooLongBySeconds: 0,
    };
  const needed = takeSeconds / room;
  if (needed <= maxStretch)
    return {
      fit: 'stretched',
      stretch: needed,
      borrowedSeconds: round(borrowLimitSeconds),
      placedSeconds: room,
      tooLongBySeconds: 0,
    };
  const placed = takeSeconds / maxStretch;
  return {
    fit: 'too-long',
    stretch: maxStretch,
    borrowedSeconds: round(borrowLimitSeconds),
    placedSeconds: placed,
    tooLongBySeconds: round(placed - room),
  };
}

/**
 * The speaking rate to re-generate at so the take fits with the capped stretch, or null when re-generating cannot
 * help (already at the engine's fastest). A 5 % margin covers the rate not scaling lengths exactly.
 */
export function fasterRate(
  takeSeconds: number,
  roomSeconds: number,
  maxStretch: number,
  currentRate: number,
  maxRate: number,
): number | null {
  if (currentRate >= maxRate) return null;
  const needed = (takeSeconds / (roomSeconds * maxStretch)) * 1.05 * currentRate;
  return Math.min(maxRate, Math.max(currentRate * 1.05, needed));
}

/** Characters that take time to say (letters and digits; spaces and punctuation only pace them). */
export function spokenChars(text: string): number {
  let n = 0;
  for (const _ of text.matchAll(SPOKEN)) n++;
  return n;
}
const SPOKEN = /[\p{L}\p{N}]/gu;

/**
 * Per-voice speaking rate in spoken characters per second at natural speed. Starts from a prior (`defaultRate`,
 * weighted like `priorSeconds` of speech) and moves to the measured rate as takes are made.
 */
export class SpeakingRateModel {
  private readonly stats = new Map<string, { chars: number; seconds: number }>();

  constructor(
    private readonly defaultRate = 14,
    private readonly priorSeconds = 4,
  ) {}

  /** Record a take: its text and its trimmed length at natural speed (a faster take is scaled back). */
  observe(voice: string, text: string, seconds: number): void {
    const chars = spokenChars(text);
    if (!(seconds > 0.2) || chars === 0) return;
    const s = this.stats.get(voice) ?? { chars: 0, seconds: 0 };
    s.chars += chars;
    s.seconds += seconds;
    this.stats.set(voice, s);
  }

  rate(voice: string): number {
    const s = this.stats.get(voice);
    const prior = this.defaultRate * this.priorSeconds;
    return s ? (s.chars + prior) / (s.seconds + this.priorSeconds) : this.defaultRate;
  }

  /** Whether takes of `voice` were observed (its rate is measured, not the prior alone). */
  calibrated(voice: string): boolean {
    return this.stats.has(voice);
  }

  /** Measured rates only (voices with takes). */
  measured(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [v, s] of this.stats) out[v] = round(s.chars / s.seconds, 2);
    return out;
  }

  predictSeconds(voice: string, text: string): number {
    return spokenChars(text) / this.rate(voice);
  }
}

/** Fit before generating: the predicted length of each cue's take and the fit that predicts. */
export function predictFit(
  predictedSeconds: number,
  slotSeconds: number,
  borrowLimitSeconds: number,
  maxStretch: number,
): FitKind {
  return decideFit(predictedSeconds, slotSeconds, borrowLimitSeconds, maxStretch).fit;
}

/** A segment's fit before generating (`timbre dub --plan`, the Dub view's predicted-fit badges). */
export interface SegmentPrediction {
  /** Predicted length of the take at natural speed, seconds (edge silence excluded). */
  predictedSeconds: number;
  /** The fit the predicted length would get (the same rules as a real take: `decideFit`). */
  fit: FitDecision;
  /** Whether the voice's rate was measured on takes of it (false: the prior rate only). */
  calibrated: boolean;
}

/**
 * The one estimator of fit before generating: `rates` (calibrated from the voice's takes so far) predicts the length
 * of `text` spoken by `voice`, and `decideFit` says what that length would need in the slot.
 */
export function predictSegment(
  rates: SpeakingRateModel,
  voice: string,
  text: string,
  slotSeconds: number,
  borrowLimitSeconds: number,
  maxStretch: number,
): SegmentPrediction {
  const predictedSeconds = rates.predictSeconds(voice, text);
  return {
    predictedSeconds,
    fit: decideFit(predictedSeconds, slotSeconds, borrowLimitSeconds, maxStretch),
    calibrated: rates.calibrated(voice),
  };
}
