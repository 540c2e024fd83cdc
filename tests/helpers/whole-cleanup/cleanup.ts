// Test reference (not product code): cleanup.ts as it was before the voice clean-up streamed (commit 1d8c85c),
// only its imports changed. tests/unit/cleanup-stream.test.ts checks the streaming implementation against it.
/**
 * Voice audio analysis and clean-up: the quality report (speech seconds, SNR, clipping, loudness, DC, best window,
 * advice) and the clean-up chain (window → DC removal → GTCRN denoise → VAD trim → loudness normalisation).
 *
 * Analysis runs on a 16 kHz copy (Silero VAD's native rate) in 32 ms frames aligned with the VAD windows, so an hour
 * of audio costs one resample, one VAD pass and a few linear passes over ~110 k frames: nothing here is quadratic.
 * Clipping, peak, DC and loudness are measured on the source-rate samples (resampling would hide flat-topped peaks).
 * Pure Node + onnxruntime: no DB, no Electron.
 */
import { countNonFinite } from '../../../native-models/audio/checks.js';
import { ApiError } from '../../../native-models/common/errors.js';
import { integratedLoudness } from '../../../native-models/dsp/loudness.js';
import { resample } from '../../../native-models/dsp/resample.js';
import type { SileroVad } from '../../../native-models/vad/silero-vad.js';
import type { SpeechSegment } from '../../../native-models/vad/segments.js';
import { denoiseAnyRate } from './bandsplit.js';
import type { GtcrnDenoiser } from '../../../native-models/enhance/gtcrn.js';
import { normalizeVoiceLoudness } from './voice-loudness.js';

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
  /** The 16 kHz analysis copy. */
  x16: Float32Array;
}

const dbPow = (p: number) => 10 * Math.log10(Math.max(p, 1e-12));

/**
 * The 16 kHz analysis copy. A short kernel (8 zero crossings) is plenty for level and VAD and keeps an hour of
 * 44.1/48 kHz audio cheap to convert; the output audio never goes through it.
 */
function toMono16k(samples: Float32Array, sampleRate: number): Float32Array {
  return sampleRate === ANALYSIS_RATE
    ? samples
    : resample(samples, sampleRate, ANALYSIS_RATE, { zeroCrossings: 8, rolloff: 0.9 });
}

/** The quality report of mono audio (any rate). */
export async function analyzeVoiceAudio(
  samples: Float32Array,
  sampleRate: number,
  deps: VoiceAudioDeps,
  meta: { channels?: number } = {},
): Promise<QualityReport> {
  return (await analyze(samples, sampleRate, deps, meta)).report;
}

async function analyze(
  samples: Float32Array,
  sampleRate: number,
  deps: VoiceAudioDeps,
  meta: { channels?: number },
): Promise<Analysis> {
  const n = samples.length;
  // One NaN or infinity poisons every sum, filter and level it reaches (the resampler spreads it over its kernel, the
  // loudness gate turns NaN, the normaliser silences everything): refuse it here, whoever passed it in.
  const bad = countNonFinite(samples);
  if (bad > 0)
    throw new ApiError(
      'INVALID_INPUT',
      `The audio contains ${bad.toLocaleString('en-US')} invalid (NaN/infinite) sample${bad === 1 ? '' : 's'}: it cannot be analysed or cleaned.`,
      { audioProblem: 'invalid-samples' },
    );
  const durationSeconds = n / sampleRate;
  // The 16 kHz copy without its DC offset: the offset is reported, not taken for sound (by the VAD or the levels).
  let x16 = toMono16k(samples, sampleRate);
  let mean16 = 0;
  for (let i = 0; i < x16.length; i++) mean16 += x16[i];
  if (x16.length && Math.abs(mean16 / x16.length) > 1e-4) x16 = removeDc(x16);
  const vad = await deps.vad.detect(x16, ANALYSIS_RATE);
  const segments = vad.segments;
  const nFrames = Math.ceil(x16.length / FRAME);

  // Per-frame power (16 kHz copy) and clipped-sample counts (source rate).
  const power = new Float64Array(nFrames);
  for (let f = 0; f < nFrames; f++) {
    let e = 0;
    const end = Math.min(x16.length, (f + 1) * FRAME);
    for (let i = f * FRAME; i < end; i++) e += x16[i] * x16[i];
    power[f] = e / FRAME;
  }
  const clipped = new Uint32Array(nFrames);
  let clippedTotal = 0;
  let peak = 0;
  let sum = 0;
  const framesPerSample = 1 / (sampleRate * FRAME_SECONDS);
  for (let i = 0; i < n; i++) {
    const v = samples[i];
    const a = v < 0 ? -v : v;
    sum += v;
    if (a > peak) peak = a;
    if (a >= CLIP_LEVEL) {
      clippedTotal++;
      clipped[Math.min(nFrames - 1, Math.floor(i * framesPerSample))]++;
    }
  }
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

  const lufs = n >= 0.4 * sampleRate ? integratedLoudness([samples], sampleRate) : -Infinity;
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

/** Subtract the mean (a constant DC offset). */
export function removeDc(x: Float32Array): Float32Array {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i];
  const m = x.length ? s / x.length : 0;
  const y = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) y[i] = x[i] - m;
  return y;
}

/**
 * Move the first segment's start and the last one's end out to where the sound really starts and stops. In noise the
 * VAD can miss a soft onset (a plosive, a breathy vowel) by 100-250 ms; the 10 ms level keeps rising above the noise
 * floor there. Each edge first moves inwards over up to 100 ms of frames below 6 dB above the floor (the VAD's
 * window granularity and padding), then outwards (at most 300 ms) while the level stays above it; 30 ms is kept (like the VAD padding).
 */
export function refineEdges(x16: Float32Array, segments: SpeechSegment[]): SpeechSegment[] {
  if (!segments.length) return segments;
  const hop = ANALYSIS_RATE / 100;
  const nF = Math.floor(x16.length / hop);
  if (nF < 3) return segments;
  const level = new Float64Array(nF);
  for (let f = 0; f < nF; f++) {
    let e = 0;
    for (let i = f * hop; i < (f + 1) * hop; i++) e += x16[i] * x16[i];
    level[f] = dbPow(e / hop);
  }
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
  last.end = Math.min(x16.length / ANALYSIS_RATE, (g + 1) / 100 + EDGE_MARGIN);
  if (last === first && last.end <= first.start) return segments;
  return out;
}

/**
 * Keep the speech: from the first segment's start to the last one's end, with pauses longer than `maxPause` shortened
 * to it (the middle of the pause is cut, its two edges kept, joined with a 10 ms cross-fade). Returns the samples and
 * the kept span of the input in seconds.
 */
export function trimToSpeech(
  x: Float32Array,
  sampleRate: number,
  segments: SpeechSegment[],
  maxPause = DEFAULT_MAX_PAUSE,
): { samples: Float32Array; start: number; end: number } {
  if (!segments.length) return { samples: x.slice(), start: 0, end: x.length / sampleRate };
  const at = (t: number) => Math.max(0, Math.min(x.length, Math.round(t * sampleRate)));
  // Spans of the input to keep.
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
  const fade = Math.round(0.01 * sampleRate);
  let total = 0;
  for (const [a, b] of spans) total += b - a;
  total -= fade * (spans.length - 1);
  const out = new Float32Array(Math.max(0, total));
  let o = 0;
  for (const [k, [a, b]] of spans.entries()) {
    if (k === 0) {
      out.set(x.subarray(a, b), 0);
      o = b - a;
      continue;
    }
    // Cross-fade the last `fade` samples written with the first `fade` of this span.
    const f = Math.min(fade, o, b - a);
    const base = o - f;
    for (let i = 0; i < f; i++) {
      const t = (i + 0.5) / f;
      out[base + i] = out[base + i] * (1 - t) + x[a + i] * t;
    }
    out.set(x.subarray(a + f, b), o);
    o += b - a - f;
  }
  return { samples: out.subarray(0, o), start: segments[0].start, end: segments.at(-1)!.end };
}

/** Clean mono audio: window → DC removal → denoise → trim → loudness. Rate and (for windows) time base are kept. */
export async function cleanVoiceAudio(
  samples: Float32Array,
  sampleRate: number,
  opts: CleanupOptions,
  deps: VoiceAudioDeps,
  meta: { channels?: number } = {},
): Promise<CleanupResult> {
  const analysis = await analyze(samples, sampleRate, deps, meta);
  const before = analysis.report;
  let x = samples;
  let offset = 0;
  let keptEnd = samples.length / sampleRate;
  const win = opts.window === 'best' ? before.bestWindow : opts.window;
  if (win) {
    const a = Math.max(0, Math.min(samples.length, Math.round(win.start * sampleRate)));
    const b = Math.max(a, Math.min(samples.length, Math.round(win.end * sampleRate)));
    if (b - a === 0)
      throw new ApiError('INVALID_INPUT', `The window ${win.start}–${win.end} s is outside the audio.`, {
        audioProblem: 'too-short',
      });
    x = samples.subarray(a, b);
    offset = a / sampleRate;
    keptEnd = b / sampleRate;
  }
  if (opts.normalize) x = removeDc(x);
  if (opts.denoise) {
    if (!deps.denoiser)
      throw new ApiError('ENGINE_UNAVAILABLE', 'Denoising needs the GTCRN model pack (gtcrn), which is not loaded.');
    x = (await denoiseAnyRate(deps.denoiser, x, sampleRate)).samples;
  }
  let kept = { start: offset, end: keptEnd };
  if (opts.trim) {
    let x16: Float32Array;
    let segments: SpeechSegment[];
    if (opts.denoise) {
      // Denoising changed the audio: find the speech again.
      x16 = toMono16k(x, sampleRate);
      segments = (await deps.vad.detect(x16, ANALYSIS_RATE)).segments;
    } else {
      // Same audio as analysed (up to DC): reuse its VAD pass, shifted into the window.
      const a16 = Math.round(offset * ANALYSIS_RATE);
      x16 = analysis.x16.subarray(a16, Math.min(analysis.x16.length, Math.round(keptEnd * ANALYSIS_RATE)));
      const span = x16.length / ANALYSIS_RATE;
      segments = before.segments
        .map((s) => ({ start: Math.max(0, s.start - offset), end: Math.min(span, s.end - offset) }))
        .filter((s) => s.end > s.start);
    }
    segments = refineEdges(x16, segments);
    const t = trimToSpeech(x, sampleRate, segments, opts.maxPauseSeconds ?? DEFAULT_MAX_PAUSE);
    x = t.samples;
    if (segments.length) kept = { start: offset + t.start, end: offset + t.end };
  }
  if (opts.normalize) {
    x = normalizeVoiceLoudness(x, sampleRate, opts.targetLufs ?? DEFAULT_TARGET_LUFS, TRUE_PEAK_CEILING).samples;
  }
  if (x === samples) x = samples.slice();
  // The result is mono, whatever the source had.
  const report = (await analyze(x, sampleRate, deps, { ...meta, channels: 1 })).report;
  return { samples: x, sampleRate, report, before, kept };
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
