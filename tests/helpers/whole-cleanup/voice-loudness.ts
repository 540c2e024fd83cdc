// Test reference (not product code): voice-loudness.ts as it was before the voice clean-up streamed (commit 1d8c85c),
// only its imports changed. tests/unit/cleanup-stream.test.ts checks the streaming implementation against it.
/**
 * Loudness normalisation for long recordings: the same result as `normalizeLoudness` in ../dsp/loudness.ts (gain to
 * a target integrated loudness, look-ahead true-peak limiter, make-up iterations), but the 4x-oversampled true-peak
 * envelope (about 100 multiply-adds per sample) is computed only around samples whose level comes within 6 dB of the
 * ceiling. Inter-sample peaks of real audio sit well under 6 dB above the neighbouring samples, so every sample that
 * could break the ceiling is looked at; speech normalised to -20 LUFS has few such samples, which turns an hour of
 * audio from minutes of envelope work into seconds. The result is verified with the same sparse envelope.
 */
import { integratedLoudness, truePeakEnvelope } from '../../../native-models/dsp/loudness.js';

/** Half the true-peak interpolator's support, plus a margin: the context a sparse envelope needs each side. */
const CONTEXT = 24;
/** Samples this far (dB) under the ceiling cannot produce an over. */
const MARGIN_DB = 6;

export interface VoiceLoudnessResult {
  samples: Float32Array;
  gainDb: number;
  limited: boolean;
  /** Integrated loudness of the result (LUFS; -Infinity for silence). */
  integrated: number;
  /** True peak of the result (dBTP), measured on the candidate regions. */
  truePeak: number;
}

/**
 * Sparse true-peak envelope: env[i] for samples near a candidate (|x| above `threshold`), 0 elsewhere (those samples
 * are at least MARGIN_DB under the ceiling and cannot reach it).
 */
export function sparseTruePeakEnvelope(x: Float32Array, sampleRate: number, threshold: number): Float32Array {
  const env = new Float32Array(x.length);
  const n = x.length;
  let i = 0;
  while (i < n) {
    if (Math.abs(x[i]) < threshold) {
      i++;
      continue;
    }
    // A run of candidates (merged while they are within 2 * CONTEXT of each other).
    let end = i + 1;
    let last = i;
    while (end < n && end - last <= 2 * CONTEXT) {
      if (Math.abs(x[end]) >= threshold) last = end;
      end++;
    }
    const from = Math.max(0, i - CONTEXT);
    const to = Math.min(n, last + CONTEXT + 1);
    const part = truePeakEnvelope(x.subarray(from, to), sampleRate);
    // The interpolator reaches 16 samples each way: trust the part only that far inside its edges (enough to cover
    // each candidate and the intervals either side of it).
    const a = Math.max(from, i - (CONTEXT - 16));
    const b = Math.min(to, last + (CONTEXT - 16) + 1);
    for (let k = a; k < b; k++) env[k] = Math.max(env[k], part[k - from]);
    i = to;
  }
  return env;
}

function limit(x: Float32Array, env: Float32Array, sampleRate: number, ceilingDb: number): Float32Array {
  const len = x.length;
  const ceiling = Math.pow(10, ceilingDb / 20);
  const need = new Float32Array(len).fill(1);
  for (let i = 0; i < len; i++) {
    const e = Math.max(env[i], i > 0 ? env[i - 1] : 0);
    if (e > ceiling) need[i] = ceiling / e;
  }
  // Same gain computer as limitTruePeak: forward moving minimum over the 5 ms look-ahead, 80 ms release, box smoothing.
  const L = Math.max(1, Math.round(0.005 * sampleRate));
  const m = new Float32Array(len);
  const dq = new Int32Array(len + L);
  let head = 0;
  let tail = 0;
  for (let i = len - 1; i >= 0; i--) {
    while (tail > head && need[dq[tail - 1]] >= need[i]) tail--;
    dq[tail++] = i;
    while (dq[head] > i + L - 1) head++;
    m[i] = need[dq[head]];
  }
  const rel = Math.exp(-1 / (0.08 * sampleRate));
  let g = 1;
  for (let i = 0; i < len; i++) {
    g = Math.min(m[i], 1 - (1 - g) * rel);
    m[i] = g;
  }
  const out = new Float32Array(len);
  let sum = L;
  for (let i = 0; i < len; i++) {
    sum += m[i] - (i - L < 0 ? 1 : m[i - L]);
    out[i] = x[i] * Math.min(1, sum / L);
  }
  return out;
}

const maxOf = (env: Float32Array) => env.reduce((a, v) => (v > a ? v : a), 0);
const toDb = (v: number) => (v > 0 ? 20 * Math.log10(v) : -Infinity);

/** Gain mono audio to `target` LUFS with true peaks at or under `ceilingDb` dBTP. Silence comes back unchanged. */
export function normalizeVoiceLoudness(
  x: Float32Array,
  sampleRate: number,
  target: number,
  ceilingDb = -1,
): VoiceLoudnessResult {
  const before = integratedLoudness([x], sampleRate);
  if (!Number.isFinite(before))
    return { samples: x.slice(), gainDb: 0, limited: false, integrated: before, truePeak: -Infinity };
  const threshold = Math.pow(10, (ceilingDb - MARGIN_DB) / 20);
  let gainDb = target - before;
  let limiterCeiling = ceilingDb - 0.05;
  let best: VoiceLoudnessResult | undefined;
  for (let pass = 0; pass < 4; pass++) {
    const g = Math.pow(10, gainDb / 20);
    let y: Float32Array = new Float32Array(x.length);
    for (let i = 0; i < x.length; i++) y[i] = x[i] * g;
    let env = sparseTruePeakEnvelope(y, sampleRate, threshold);
    const limited = toDb(maxOf(env)) > limiterCeiling;
    if (limited) {
      y = limit(y, env, sampleRate, limiterCeiling);
      env = sparseTruePeakEnvelope(y, sampleRate, threshold);
    }
    const integrated = integratedLoudness([y], sampleRate);
    const truePeak = toDb(maxOf(env));
    best = { samples: y, gainDb, limited, integrated, truePeak };
    const peakOk = truePeak <= ceilingDb;
    const err = target - integrated;
    if (peakOk && Math.abs(err) <= 0.1) break;
    if (!peakOk) limiterCeiling -= truePeak - ceilingDb + 0.05;
    gainDb += err;
  }
  return best!;
}
