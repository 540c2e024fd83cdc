/**
 * Voice audio analysis and clean-up: the quality report (speech seconds, SNR, clipping, loudness, DC, best window,
 * advice) and the clean-up chain (window → DC removal → GTCRN denoise → VAD trim → loudness normalisation).
 *
 * Everything streams (`analyzeSource`, `cleanSource`): the audio is read in blocks from a PcmSource (a temporary file
 * for long audio, ../audio/pcm-store.ts), intermediate and result audio is written in blocks to a PcmStore, and only
 * compact summaries stay in memory: per 32 ms frame of the 16 kHz analysis copy its power, whether it is speech and
 * its clipped-sample count (13 bytes: 1.5 MB per hour), the VAD's probability per window and the speech segments,
 * and per 10 ms the level used to refine the trim edges. The best window is chosen from the frame summaries. So an
 * hour costs a few passes over the audio and a few MB of memory, whatever its length.
 *
 * Analysis runs on a 16 kHz copy (Silero VAD's native rate) in 32 ms frames aligned with the VAD windows: one
 * resampling pass (clipping, peak, DC and loudness measured on the source-rate samples on the way: resampling would
 * hide flat-topped peaks), then one pass for the VAD and frame powers. `analyzeVoiceAudio` and `cleanVoiceAudio` are
 * the same code for audio already in memory. Pure Node + onnxruntime: no DB, no Electron.
 */
import { countNonFinite } from '../audio/checks.js';
import {
  arraySource,
  mapSource,
  memoryStore,
  rangeSource,
  readAll,
  type PcmSource,
  type PcmStore,
  type PcmWriter,
} from '../audio/pcm-store.js';
import { ApiError } from '../common/errors.js';
import { LoudnessMeter } from '../dsp/loudness-stream.js';
import { Resampler } from '../dsp/resample.js';
import type { SileroVad } from '../vad/silero-vad.js';
import type { SpeechSegment } from '../vad/segments.js';
import { denoiseSource } from './bandsplit.js';
import type { GtcrnDenoiser } from './gtcrn.js';
import { normalizeVoiceSource } from './voice-loudness.js';

export type AdviceCode =
  | 'ok'
  | 'too-short'
  | 'short'
  | 'low-snr'
  | 'noisy'
  | 'clipping'
  | 'too-quiet'
  | 'too-loud'
  | 'low-sample-rate'
  | 'long-pauses'
  | 'dc-offset'
  | 'mostly-non-speech';

export interface Advice {
  code: AdviceCode;
  severity: 'info' | 'warning' | 'error';
}

/** Why a file cannot become a voice: `details.audioProblem` of the INVALID_INPUT errors (also thrown by decoding). */
export type AudioProblem =
  | 'unsupported-type'
  | 'unreadable'
  | 'no-audio-stream'
  | 'too-long'
  | 'invalid-samples'
  | 'too-short'
  | 'silent'
  | 'clipped'
  | 'not-speech';

export interface QualityReport {
  /** Of the source. */
  sampleRate: number;
  /** Of the source (analysis is on the mono downmix). */
  channels: number;
  durationSeconds: number;
  /** Silero VAD. */
  speechSeconds: number;
  /** Speech level vs noise floor in the non-speech parts; null if there is no non-speech part. */
  snrDb: number | null;
  /** % of samples at/near full scale. */
  clippedPercent: number;
  /** Sample peak; -120 for digital silence (every number in the report is finite, so it survives JSON). */
  peakDbfs: number;
  /** BS.1770 integrated; null if too short (or too quiet) to gate. */
  loudnessLufs: number | null;
  /** Mean sample value. */
  dcOffset: number;
  /** Seconds: the clearest 5–30 s of speech. */
  bestWindow: { start: number; end: number } | null;
  /** Level of the non-speech parts in dBFS (null when there are none). */
  noiseFloorDbfs: number | null;
  /** Speech segments found by the VAD (seconds). */
  segments: SpeechSegment[];
  advice: Advice[];
}

export interface VoiceAudioDeps {
  vad: SileroVad;
  denoiser?: GtcrnDenoiser;
}

export interface CleanupOptions {
  /** VAD: drop leading/trailing silence, shorten pauses longer than `maxPauseSeconds`. */
  trim?: boolean;
  /** Pauses longer than this are shortened to it when trimming (default 0.6 s). */
  maxPauseSeconds?: number;
  /** GTCRN via the band split (keeps the band above 8 kHz). Needs `deps.denoiser`. */
  denoise?: boolean;
  /** DC removal + loudness to `targetLufs` (default -20 LUFS) with a -1 dBTP ceiling. */
  normalize?: boolean;
  targetLufs?: number;
  /** Keep only this span (seconds) of the source, or the report's best window. */
  window?: { start: number; end: number } | 'best';
}

export interface CleanupResult {
  samples: Float32Array;
  sampleRate: number;
  /** Report of the cleaned audio. */
  report: QualityReport;
  /** Report of the input. */
  before: QualityReport;
  /** The span of the source that was kept (seconds), before pauses were shortened. */
  kept: { start: number; end: number };
}

/** `cleanSource`'s result: the cleaned audio as a source (in the caller's store, or the input itself if unchanged). */
export interface CleanupSourceResult {
  output: PcmSource;
  /** Report of the cleaned audio. */
  report: QualityReport;
  /** Report of the input. */
  before: QualityReport;
  kept: { start: number; end: number };
}

// ---------------------------------------------------------------------------------------------------------------
// Thresholds

export const ANALYSIS_RATE = 16000;
const MIN_DBFS = -120;
/** One VAD window at 16 kHz: 32 ms. */
const FRAME = 512;
const FRAME_SECONDS = FRAME / ANALYSIS_RATE;
/** A sample at or above this magnitude counts as clipped. */
const CLIP_LEVEL = 0.98;
/** Speech needed for a voice, and for a good one. */
export const MIN_SPEECH_SECONDS = 3;
const GOOD_SPEECH_SECONDS = 5;
const LOW_SNR_DB = 15;
const NOISY_SNR_DB = 25;
const CLIPPING_PERCENT = 0.05;
const HEAVY_CLIPPING_PERCENT = 1;
const SILENT_PEAK = 1e-3;
/** Non-speech parts louder than this are sound (music, noise), not room tone. */
const NOT_SPEECH_FLOOR_DBFS = -50;
const BEST_MIN = 5;
const BEST_MAX = 30;
const DEFAULT_MAX_PAUSE = 0.6;
/** Kept before the first and after the last sound when trimming. */
const EDGE_MARGIN = 0.03;
const DEFAULT_TARGET_LUFS = -20;
const TRUE_PEAK_CEILING = -1;

const ADVICE_TEXT: Record<AdviceCode, string> = {
  ok: 'The recording is clean and usable as a voice reference.',
  'too-short': `There is too little speech: a voice needs at least ${MIN_SPEECH_SECONDS} s of clear speech (10–30 s is best).`,
  short: 'The speech is short: 10–30 s of speech gives a closer voice match.',
  'low-snr': 'Background noise is loud compared with the voice: denoise it, or record again in a quieter room.',
  noisy: 'Some background noise is audible: denoising will help.',
  clipping: 'The recording clips (the level hit the maximum): record again with the input gain lowered.',
  'too-quiet':
    'The recording is very quiet: move closer to the microphone or raise the input gain (normalising helps).',
  'too-loud': 'The recording is very loud: lower the input gain to leave headroom.',
  'low-sample-rate':
    'The sample rate is below 16 kHz: the voice will sound muffled; use a recording at 16 kHz or more.',
  'long-pauses': 'There are long pauses: trimming shortens them.',
  'dc-offset': 'The signal has a DC offset (a constant shift from zero): normalising removes it.',
  'mostly-non-speech': 'Most of the recording is not speech: pick the window with the voice, or trim it.',
};

/** Plain English for an advice code (the CLI's wording; UIs translate the codes themselves). */
export function adviceText(code: AdviceCode): string {
  return ADVICE_TEXT[code];
}

// ---------------------------------------------------------------------------------------------------------------
// Analysis

interface Frames {
  /** Mean square per 32 ms frame of the 16 kHz copy. */
  power: Float64Array;
  /** Whether the frame is inside a speech segment. */
  speech: Uint8Array;
  /** Clipped source samples in the frame. */
  clipped: Uint32Array;
}

interface Analysis {
  report: QualityReport;
  frames: Frames;
  /** The 16 kHz analysis copy (without its DC offset when it had one). */
  x16: PcmSource;
}

const dbPow = (p: number) => 10 * Math.log10(Math.max(p, 1e-12));

/** The 16 kHz analysis resampler: a short kernel (8 zero crossings) is plenty for level and VAD, and cheap. */
const analysisResampler = (sampleRate: number) =>
  new Resampler(sampleRate, ANALYSIS_RATE, { zeroCrossings: 8, rolloff: 0.9 });

/** Length of the 16 kHz copy of `n` samples at `rate` (the resampler's output length). */
const length16 = (n: number, rate: number) => (rate === ANALYSIS_RATE ? n : Math.ceil((n * ANALYSIS_RATE) / rate));

const invalidSamples = (bad: number) =>
  new ApiError(
    'INVALID_INPUT',
    `The audio contains ${bad.toLocaleString('en-US')} invalid (NaN/infinite) sample${bad === 1 ? '' : 's'}: it cannot be analysed or cleaned.`,
    { audioProblem: 'invalid-samples' },
  );

/** The quality report of mono audio (any rate). */
export async function analyzeVoiceAudio(
  samples: Float32Array,
  sampleRate: number,
  deps: VoiceAudioDeps,
  meta: { channels?: number } = {},
): Promise<QualityReport> {
  // One NaN or infinity poisons every sum, filter and level it reaches: refuse it before any work.
  const bad = countNonFinite(samples);
  if (bad > 0) throw invalidSamples(bad);
  return (await analyzeSource(arraySource(samples, sampleRate), deps, meta, memoryStore())).report;
}

/**
 * The quality report of a mono source of any length, in two passes (see the file comment). The 16 kHz copy is written
 * to `store` (and returned, for the trim); the caller disposes the store.
 */
export async function analyzeSource(
  src: PcmSource,
  deps: VoiceAudioDeps,
  meta: { channels?: number },
  store: PcmStore,
): Promise<Analysis> {
  const sampleRate = src.sampleRate;
  const n = src.length;
  const durationSeconds = n / sampleRate;
  const n16 = length16(n, sampleRate);
  const nFrames = Math.ceil(n16 / FRAME);

  // Pass 1 (source rate): invalid samples, clipping per frame, peak, DC, loudness; the 16 kHz copy and its mean.
  const clipped = new Uint32Array(nFrames);
  let clippedTotal = 0;
  let peak = 0;
  let sum = 0;
  let bad = 0;
  const framesPerSample = 1 / (sampleRate * FRAME_SECONDS);
  const meter = new LoudnessMeter(sampleRate, { truePeak: false });
  const resampler = sampleRate === ANALYSIS_RATE ? null : analysisResampler(sampleRate);
  const w16: PcmWriter | null = resampler ? store.create(ANALYSIS_RATE) : null;
  let sum16 = 0;
  const add16 = (y: Float32Array) => {
    for (let i = 0; i < y.length; i++) sum16 += y[i];
    w16!.write(y);
  };
  let i = 0;
  for await (const x of src.blocks()) {
    bad += countNonFinite(x);
    for (let k = 0; k < x.length; k++, i++) {
      const v = x[k];
      const a = v < 0 ? -v : v;
      sum += v;
      if (a > peak) peak = a;
      if (a >= CLIP_LEVEL) {
        clippedTotal++;
        clipped[Math.min(nFrames - 1, Math.floor(i * framesPerSample))]++;
      }
    }
    meter.push(x);
    if (resampler) add16(resampler.push(x));
  }
  // One NaN or infinity poisons every sum, filter and level it reaches (the resampler spreads it over its kernel, the
  // loudness gate turns NaN, the normaliser silences everything): refuse it here, whoever passed it in.
  if (bad > 0) throw invalidSamples(bad);
  if (resampler) add16(resampler.flush());
  let x16: PcmSource = w16 ? w16.finish() : src;
  if (!resampler) sum16 = sum;
  // The 16 kHz copy without its DC offset: the offset is reported, not taken for sound (by the VAD or the levels).
  if (x16.length && Math.abs(sum16 / x16.length) > 1e-4) {
    const m = sum16 / x16.length;
    x16 = mapSource(x16, (v) => v - m);
  }

  // Pass 2 (16 kHz): the VAD and the power per 32 ms frame.
  const power = new Float64Array(nFrames);
  const frameBlocks = async function* () {
    let j = 0;
    for await (const y of x16.blocks()) {
      for (let k = 0; k < y.length; k++, j++) power[Math.floor(j / FRAME)] += y[k] * y[k];
      yield y;
    }
  };
  const segments = (await deps.vad.detectBlocks(frameBlocks(), ANALYSIS_RATE)).segments;
  for (let f = 0; f < nFrames; f++) power[f] /= FRAME;

  const speech = new Uint8Array(nFrames);
  for (const s of segments) {
    const a = Math.max(0, Math.floor(s.start / FRAME_SECONDS));
    const b = Math.min(nFrames, Math.ceil(s.end / FRAME_SECONDS));
    speech.fill(1, a, b);
  }

  const speechSeconds = segments.reduce((a, s) => a + (s.end - s.start), 0);
  let speechPow = 0;
  let speechCount = 0;
  const quiet: number[] = [];
  for (let f = 0; f < nFrames; f++) {
    if (speech[f]) {
      speechPow += power[f];
      speechCount++;
    } else quiet.push(power[f]);
  }
  let snrDb: number | null = null;
  let noiseFloorDbfs: number | null = null;
  // At least ~150 ms of non-speech to call it a noise floor.
  if (quiet.length >= 5) {
    quiet.sort((a, b) => a - b);
    // The lower quartile: the pauses' tails (breaths, reverb) sit above the floor.
    const noise = Math.max(quiet[Math.floor(quiet.length * 0.25)], 1e-10);
    noiseFloorDbfs = round1(dbPow(noise));
    if (speechCount) snrDb = round1(dbPow(Math.max(speechPow / speechCount - noise, 1e-12)) - dbPow(noise));
  }

  const lufs = n >= 0.4 * sampleRate ? meter.result().integrated : -Infinity;
  const frames: Frames = { power, speech, clipped };
  const report: QualityReport = {
    sampleRate,
    channels: meta.channels ?? 1,
    durationSeconds,
    speechSeconds: round3(speechSeconds),
    snrDb,
    clippedPercent: n ? round3((100 * clippedTotal) / n) : 0,
    peakDbfs: round1(Math.max(MIN_DBFS, peak > 0 ? 20 * Math.log10(peak) : MIN_DBFS)),
    loudnessLufs: Number.isFinite(lufs) ? round1(lufs) : null,
    dcOffset: n ? sum / n : 0,
    bestWindow: null,
    noiseFloorDbfs,
    segments,
    advice: [],
  };
  report.bestWindow = bestWindow(frames, segments, durationSeconds);
  report.advice = adviseOn(report);
  return { report, frames, x16 };
}

const round1 = (v: number) => (Number.isFinite(v) ? Math.round(v * 10) / 10 : v);
const round3 = (v: number) => Math.round(v * 1000) / 1000;

function longestPause(segments: SpeechSegment[]): number {
  let m = 0;
  for (let i = 1; i < segments.length; i++) m = Math.max(m, segments[i].start - segments[i - 1].end);
  return m;
}

function adviseOn(r: QualityReport): Advice[] {
  const a: Advice[] = [];
  const add = (code: AdviceCode, severity: Advice['severity']) => a.push({ code, severity });
  if (r.speechSeconds < MIN_SPEECH_SECONDS) add('too-short', 'error');
  else if (r.speechSeconds < GOOD_SPEECH_SECONDS) add('short', 'warning');
  if (r.clippedPercent >= HEAVY_CLIPPING_PERCENT) add('clipping', 'error');
  else if (r.clippedPercent >= CLIPPING_PERCENT) add('clipping', 'warning');
  if (r.snrDb !== null && r.speechSeconds > 0) {
    if (r.snrDb < LOW_SNR_DB) add('low-snr', 'warning');
    else if (r.snrDb < NOISY_SNR_DB) add('noisy', 'info');
  }
  if (r.loudnessLufs !== null && r.speechSeconds > 0) {
    if (r.loudnessLufs < -38) add('too-quiet', 'warning');
    else if (r.loudnessLufs > -10) add('too-loud', 'warning');
  }
  if (r.sampleRate < 16000) add('low-sample-rate', 'warning');
  if (longestPause(r.segments) > 2) add('long-pauses', 'info');
  if (Math.abs(r.dcOffset) > 0.01) add('dc-offset', 'info');
  const soundOutsideSpeech = r.noiseFloorDbfs !== null && r.noiseFloorDbfs > NOT_SPEECH_FLOOR_DBFS;
  if (
    r.durationSeconds >= 3 &&
    (r.speechSeconds > 0 || soundOutsideSpeech) &&
    r.speechSeconds / r.durationSeconds < 0.4
  )
    add('mostly-non-speech', 'warning');
  if (!a.length) add('ok', 'info');
  return a;
}

// ---------------------------------------------------------------------------------------------------------------
// Best window

/**
 * The clearest 5–30 s of speech. Each 32 ms frame gets a score: speech frames earn up to +0.5 by their local SNR (frame
 * level over a minimum-statistics noise floor, the smallest smoothed level within ±1.5 s), non-speech frames cost
 * 0.5, frames with clipped samples cost 5. The window is the maximum-sum run of frames whose length is within 5–30 s
 * (prefix sums and a monotonic deque: linear time), then widened or narrowed to whole speech segments.
 */
function bestWindow(
  frames: Frames,
  segments: SpeechSegment[],
  duration: number,
): { start: number; end: number } | null {
  const n = frames.power.length;
  if (!segments.length || duration < BEST_MIN) return null;
  if (duration <= BEST_MAX && frames.clipped.every((c) => c === 0)) {
    // Short enough to keep whole: the speech span.
    return { start: segments[0].start, end: segments.at(-1)!.end };
  }
  // Smoothed level (3 frames) and its running minimum over ±1.5 s.
  const lv = new Float64Array(n);
  for (let f = 0; f < n; f++) {
    const a = frames.power[Math.max(0, f - 1)];
    const b = frames.power[Math.min(n - 1, f + 1)];
    lv[f] = (a + frames.power[f] + b) / 3;
  }
  const floor = slidingMin(lv, Math.round(1.5 / FRAME_SECONDS));
  const score = new Float64Array(n);
  for (let f = 0; f < n; f++) {
    if (frames.clipped[f] > 0) score[f] = -5;
    else if (!frames.speech[f]) score[f] = -0.5;
    else {
      const snr = dbPow(frames.power[f]) - dbPow(Math.max(floor[f], 1e-10));
      score[f] = Math.max(0, Math.min(1, (snr - 5) / 20)) - 0.5;
    }
  }
  const minLen = Math.min(n, Math.round(BEST_MIN / FRAME_SECONDS));
  const maxLen = Math.min(n, Math.floor(BEST_MAX / FRAME_SECONDS));
  const P = new Float64Array(n + 1);
  for (let f = 0; f < n; f++) P[f + 1] = P[f] + score[f];
  // For each end j, the start i in [j-maxLen, j-minLen] with the smallest P[i].
  let best = -Infinity;
  let bi = 0;
  let bj = minLen;
  const dq = new Int32Array(n + 1);
  let head = 0;
  let tail = 0;
  for (let j = minLen; j <= n; j++) {
    const add = j - minLen;
    while (tail > head && P[dq[tail - 1]] >= P[add]) tail--;
    dq[tail++] = add;
    while (dq[head] < j - maxLen) head++;
    const v = P[j] - P[dq[head]];
    if (v > best) {
      best = v;
      bi = dq[head];
      bj = j;
    }
  }
  return snapToSegments(bi * FRAME_SECONDS, Math.min(duration, bj * FRAME_SECONDS), segments);
}

/** Widen the window's edges to whole segments when it stays within 30 s, else drop the cut segment. */
function snapToSegments(start: number, end: number, segments: SpeechSegment[]): { start: number; end: number } | null {
  const inside = segments.filter((s) => s.end > start && s.start < end);
  if (!inside.length) return null;
  let first = 0;
  let last = inside.length - 1;
  let s = inside[first].start;
  let e = inside[last].end;
  // Too long after widening: drop partial edge segments (the one cut deepest first).
  while (e - s > BEST_MAX && last > first) {
    const cutStart = Math.max(0, start - inside[first].start);
    const cutEnd = Math.max(0, inside[last].end - end);
    if (cutStart >= cutEnd) first++;
    else last--;
    s = inside[first].start;
    e = inside[last].end;
  }
  if (e - s > BEST_MAX) e = s + BEST_MAX;
  return { start: round3(s), end: round3(e) };
}

/** Minimum of x over [i-r, i+r] for every i (monotonic deque, linear time). */
function slidingMin(x: Float64Array, r: number): Float64Array {
  const n = x.length;
  const out = new Float64Array(n);
  const dq = new Int32Array(n);
  let head = 0;
  let tail = 0;
  let next = 0;
  for (let i = 0; i < n; i++) {
    const hi = Math.min(n - 1, i + r);
    for (; next <= hi; next++) {
      while (tail > head && x[dq[tail - 1]] >= x[next]) tail--;
      dq[tail++] = next;
    }
    while (dq[head] < i - r) head++;
    out[i] = x[dq[head]];
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Clean-up

/** Mean of a source (one pass). */
async function meanOf(src: PcmSource): Promise<number> {
  let s = 0;
  for await (const x of src.blocks()) for (let i = 0; i < x.length; i++) s += x[i];
  return src.length ? s / src.length : 0;
}

/** Growable Float64 list. */
class F64Grow {
  data = new Float64Array(4096);
  at(i: number): void {
    if (i >= this.data.length) {
      const d = new Float64Array(Math.max(i + 1, 2 * this.data.length));
      d.set(this.data);
      this.data = d;
    }
  }
}

/**
 * Energy per 10 ms (160 samples) of a 16 kHz stream, as its blocks pass: `levels(n16)` then gives the level in dB of
 * each whole 10 ms frame (1 value per 10 ms: 2.9 MB per hour).
 */
class TenMsLevels {
  private readonly e = new F64Grow();
  private j = 0;
  push(y: Float32Array): void {
    const hop = ANALYSIS_RATE / 100;
    this.e.at(Math.floor((this.j + y.length) / hop));
    const e = this.e.data;
    for (let k = 0; k < y.length; k++, this.j++) e[Math.floor(this.j / hop)] += y[k] * y[k];
  }
  levels(): Float64Array {
    const hop = ANALYSIS_RATE / 100;
    const nF = Math.floor(this.j / hop);
    const level = new Float64Array(nF);
    for (let f = 0; f < nF; f++) level[f] = dbPow(this.e.data[f] / hop);
    return level;
  }
}

/**
 * Move the first segment's start and the last one's end out to where the sound really starts and stops. In noise the
 * VAD can miss a soft onset (a plosive, a breathy vowel) by 100-250 ms; the 10 ms level keeps rising above the noise
 * floor there. Each edge first moves inwards over up to 100 ms of frames below 6 dB above the floor (the VAD's
 * window granularity and padding), then outwards (at most 300 ms) while the level stays above it; 30 ms is kept (like
 * the VAD padding). `level` is the 10 ms level (dB) of the 16 kHz copy, `n16` its length in samples.
 */
function refineEdges(level: Float64Array, n16: number, segments: SpeechSegment[]): SpeechSegment[] {
  if (!segments.length) return segments;
  const nF = level.length;
  if (nF < 3) return segments;
  // Noise floor: the lower decile of the frames outside speech (digital silence: -120 dB).
  const inSpeech = new Uint8Array(nF);
  for (const s of segments)
    inSpeech.fill(1, Math.max(0, Math.floor(s.start * 100)), Math.min(nF, Math.ceil(s.end * 100)));
  const quiet = Array.from(level).filter((_, f) => !inSpeech[f]);
  if (quiet.length < 5) return segments;
  quiet.sort((a, b) => a - b);
  const threshold = quiet[Math.floor(quiet.length * 0.1)] + 6;
  const out = segments.map((s) => ({ ...s }));
  const loud = (f: number) => f >= 0 && f < nF && level[f] > threshold;
  // Start: first pull it in over up to 100 ms of sub-threshold frames (window granularity and padding), then push
  // it out over up to 300 ms of frames above the threshold.
  const first = out[0];
  let f = Math.max(0, Math.min(nF - 1, Math.floor(first.start * 100)));
  for (let k = 0; k < 10 && !loud(f) && f + 1 < nF; k++) f++;
  if (loud(f)) for (let k = 0; k < 30 && loud(f - 1); k++) f--;
  first.start = Math.max(0, f / 100 - EDGE_MARGIN);
  const last = out.at(-1)!;
  let g = Math.max(0, Math.min(nF - 1, Math.ceil(last.end * 100) - 1));
  for (let k = 0; k < 10 && !loud(g) && g > 0; k++) g--;
  if (loud(g)) for (let k = 0; k < 30 && loud(g + 1); k++) g++;
  last.end = Math.min(n16 / ANALYSIS_RATE, (g + 1) / 100 + EDGE_MARGIN);
  if (last === first && last.end <= first.start) return segments;
  return out;
}

/**
 * The spans of the input (in samples) that trimming keeps: from the first segment's start to the last one's end, with
 * pauses longer than `maxPause` shortened to it (the middle of the pause is cut, its two edges kept).
 */
function trimSpans(
  length: number,
  sampleRate: number,
  segments: SpeechSegment[],
  maxPause: number,
): [number, number][] {
  const at = (t: number) => Math.max(0, Math.min(length, Math.round(t * sampleRate)));
  const spans: [number, number][] = [];
  let cur: [number, number] = [at(segments[0].start), at(segments[0].end)];
  const half = maxPause / 2;
  for (let i = 1; i < segments.length; i++) {
    const gap = segments[i].start - segments[i - 1].end;
    if (gap > maxPause) {
      cur[1] = at(segments[i - 1].end + half);
      spans.push(cur);
      cur = [at(segments[i].start - half), at(segments[i].end)];
    } else cur[1] = at(segments[i].end);
  }
  spans.push(cur);
  return spans;
}

/**
 * Write the spans of `x` one after another into `write`, each joined to the previous with a 10 ms cross-fade: the
 * last 10 ms written are held back until the next span (or the end) so they can be faded.
 */
async function writeSpans(x: PcmSource, spans: [number, number][], write: (y: Float32Array) => void): Promise<void> {
  const fade = Math.round(0.01 * x.sampleRate);
  let tail = new Float32Array(0);
  let o = 0;
  const emit = (y: Float32Array) => {
    if (!y.length) return;
    const m = new Float32Array(tail.length + y.length);
    m.set(tail);
    m.set(y, tail.length);
    const keep = Math.min(fade, m.length);
    if (m.length > keep) write(m.subarray(0, m.length - keep));
    tail = m.slice(m.length - keep);
  };
  for (const [k, [a, b]] of spans.entries()) {
    let from = a;
    if (k > 0) {
      // Cross-fade the last `f` samples written with the first `f` of this span.
      const f = Math.min(fade, o, b - a);
      const head = await readAll(rangeSource(x, a, a + f));
      const base = tail.length - f;
      for (let i = 0; i < f; i++) {
        const t = (i + 0.5) / f;
        tail[base + i] = tail[base + i] * (1 - t) + head[i] * t;
      }
      from = a + f;
      o -= f;
    }
    for await (const y of x.blocks(from, b)) emit(y);
    o += b - a;
  }
  if (tail.length) write(tail);
}

/**
 * The 10 ms levels of the 16 kHz analysis copy of [from, to) seconds of `src` (without its DC offset, as in the
 * analysis, when the input's offset was over 1e-4), made afresh; returns the copy's length.
 */
async function levelsOfSpan(src: PcmSource, from: number, to: number, dc: number, tens: TenMsLevels): Promise<number> {
  const rate = src.sampleRate;
  const resampler = rate === ANALYSIS_RATE ? null : analysisResampler(rate);
  const m = Math.abs(dc) > 1e-4 ? dc : 0;
  let n = 0;
  const add = (z: Float32Array) => {
    const y = m ? z.map((v) => v - m) : z;
    tens.push(y);
    n += y.length;
  };
  for await (const x of src.blocks(Math.round(from * rate), Math.round(to * rate)))
    add(resampler ? resampler.push(x) : x);
  if (resampler) add(resampler.flush());
  return n;
}

/** Clean mono audio: window → DC removal → denoise → trim → loudness. Rate and (for windows) time base are kept. */
export async function cleanVoiceAudio(
  samples: Float32Array,
  sampleRate: number,
  opts: CleanupOptions,
  deps: VoiceAudioDeps,
  meta: { channels?: number } = {},
): Promise<CleanupResult> {
  const bad = countNonFinite(samples);
  if (bad > 0) throw invalidSamples(bad);
  const r = await cleanSource(arraySource(samples, sampleRate), opts, deps, meta, memoryStore());
  return { samples: await readAll(r.output), sampleRate, report: r.report, before: r.before, kept: r.kept };
}

/**
 * Clean a mono source of any length: window → DC removal → denoise → trim → loudness, each a streaming pass (or a
 * few) over blocks, with intermediate audio and the result in `store` (the caller disposes it once it has used the
 * output). Returns the output with the reports of the input and of the output.
 *
 * `prior` is the input's full report when the caller has it (staging analysed the audio when it was staged): the
 * analysis pass over the whole input (the VAD's hour of model calls for an hour) is then skipped, and the trim's
 * 10 ms levels come from a fresh 16 kHz copy of the kept span (the same samples but within the resampler's kernel,
 * half a millisecond, at the span's edges).
 */
export async function cleanSource(
  src: PcmSource,
  opts: CleanupOptions,
  deps: VoiceAudioDeps,
  meta: { channels?: number },
  store: PcmStore,
  prior?: QualityReport,
): Promise<CleanupSourceResult> {
  const sampleRate = src.sampleRate;
  const analysis = prior ? null : await analyzeSource(src, deps, meta, store);
  const before = prior ?? analysis!.report;
  let x = src;
  let offset = 0;
  let keptEnd = src.length / sampleRate;
  const win = opts.window === 'best' ? before.bestWindow : opts.window;
  if (win) {
    const a = Math.max(0, Math.min(src.length, Math.round(win.start * sampleRate)));
    const b = Math.max(a, Math.min(src.length, Math.round(win.end * sampleRate)));
    if (b - a === 0)
      throw new ApiError('INVALID_INPUT', `The window ${win.start}–${win.end} s is outside the audio.`, {
        audioProblem: 'too-short',
      });
    x = rangeSource(src, a, b);
    offset = a / sampleRate;
    keptEnd = b / sampleRate;
  }
  if (opts.normalize) {
    const m = await meanOf(x);
    x = mapSource(x, (v) => v - m);
  }
  if (opts.denoise) {
    if (!deps.denoiser)
      throw new ApiError('ENGINE_UNAVAILABLE', 'Denoising needs the GTCRN model pack (gtcrn), which is not loaded.');
    x = (await denoiseSource(deps.denoiser, x, store)).output;
  }
  let kept = { start: offset, end: keptEnd };
  let loudness: number | undefined;
  if (opts.trim) {
    let segments: SpeechSegment[];
    const tens = new TenMsLevels();
    let n16: number;
    if (opts.denoise) {
      // Denoising changed the audio: find the speech again (on its 16 kHz copy, measuring the 10 ms levels on the way).
      const resampler = sampleRate === ANALYSIS_RATE ? null : analysisResampler(sampleRate);
      let count = 0;
      const blocks16 = async function* () {
        for await (const y of x.blocks()) {
          const z = resampler ? resampler.push(y) : y;
          tens.push(z);
          count += z.length;
          yield z;
        }
        if (resampler) {
          const z = resampler.flush();
          tens.push(z);
          count += z.length;
          yield z;
        }
      };
      segments = (await deps.vad.detectBlocks(blocks16(), ANALYSIS_RATE)).segments;
      n16 = count;
    } else {
      // Same audio as analysed (up to DC): reuse its VAD pass, shifted into the window.
      if (analysis) {
        const a16 = Math.round(offset * ANALYSIS_RATE);
        const x16 = rangeSource(analysis.x16, a16, Math.min(analysis.x16.length, Math.round(keptEnd * ANALYSIS_RATE)));
        for await (const y of x16.blocks()) tens.push(y);
        n16 = x16.length;
      } else n16 = await levelsOfSpan(src, offset, keptEnd, before.dcOffset, tens);
      const span = n16 / ANALYSIS_RATE;
      segments = before.segments
        .map((s) => ({ start: Math.max(0, s.start - offset), end: Math.min(span, s.end - offset) }))
        .filter((s) => s.end > s.start);
    }
    segments = refineEdges(tens.levels(), n16, segments);
    if (segments.length) {
      const out = store.create(sampleRate);
      const meter = opts.normalize ? new LoudnessMeter(sampleRate, { truePeak: false }) : null;
      await writeSpans(x, trimSpans(x.length, sampleRate, segments, opts.maxPauseSeconds ?? DEFAULT_MAX_PAUSE), (y) => {
        meter?.push(y);
        out.write(y);
      });
      x = out.finish();
      if (meter) loudness = meter.result().integrated;
      kept = { start: offset + segments[0].start, end: offset + segments.at(-1)!.end };
    }
  }
  if (opts.normalize) {
    x = (await normalizeVoiceSource(x, opts.targetLufs ?? DEFAULT_TARGET_LUFS, TRUE_PEAK_CEILING, store, loudness))
      .output;
  }
  // The result is mono, whatever the source had.
  const report = (await analyzeSource(x, deps, { ...meta, channels: 1 }, store)).report;
  return { output: x, report, before, kept };
}

// ---------------------------------------------------------------------------------------------------------------
// Validation

/** The problem that keeps this audio from making a voice, or null when it is usable. */
export function voiceAudioProblem(r: QualityReport): { problem: AudioProblem; message: string } | null {
  const s = (v: number) => `${v.toFixed(1)} s`;
  if (r.peakDbfs < 20 * Math.log10(SILENT_PEAK) || r.loudnessLufs === null)
    return r.durationSeconds < MIN_SPEECH_SECONDS && r.peakDbfs >= 20 * Math.log10(SILENT_PEAK)
      ? {
          problem: 'too-short',
          message: `The recording is ${s(r.durationSeconds)} long: a voice needs at least ${MIN_SPEECH_SECONDS} s of speech.`,
        }
      : {
          problem: 'silent',
          message:
            'The recording is silent (no sound above the noise floor): check the microphone or pick another file.',
        };
  if (r.clippedPercent >= HEAVY_CLIPPING_PERCENT)
    return {
      problem: 'clipped',
      message: `The recording is heavily clipped (${r.clippedPercent.toFixed(1)} % of samples at full scale), which distorts the voice: record again with the input gain lowered.`,
    };
  if (r.speechSeconds < MIN_SPEECH_SECONDS) {
    // Sound that is not speech (music, noise, tones) vs a recording that is just short.
    const nonSpeechLoud = r.noiseFloorDbfs !== null && r.noiseFloorDbfs > NOT_SPEECH_FLOOR_DBFS;
    if (r.durationSeconds >= MIN_SPEECH_SECONDS && nonSpeechLoud && r.speechSeconds < 0.3 * r.durationSeconds)
      return {
        problem: 'not-speech',
        message: `The recording is mostly not speech (${s(r.speechSeconds)} of speech in ${s(r.durationSeconds)}; it sounds like music or noise): pick a recording of the voice alone.`,
      };
    return {
      problem: 'too-short',
      message: `The recording has ${s(r.speechSeconds)} of speech: a voice needs at least ${MIN_SPEECH_SECONDS} s (10–30 s is best).`,
    };
  }
  return null;
}

/** Throws ApiError('INVALID_INPUT', <specific plain-English message>, { audioProblem }) when a voice cannot be made. */
export function assertUsableForVoice(report: QualityReport): void {
  const p = voiceAudioProblem(report);
  if (p) throw new ApiError('INVALID_INPUT', p.message, { audioProblem: p.problem });
}
