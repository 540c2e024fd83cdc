/**
 * Loudness normalisation for voice audio of any length: the same result as `normalizeLoudness` in ../dsp/loudness.ts
 * (gain to a target integrated loudness, look-ahead true-peak limiter, make-up iterations), computed in passes over
 * blocks (../dsp/loudness-stream.ts: the streaming meter, true-peak interpolator and limiter). The 4x-oversampled
 * true-peak envelope is computed only where a window's samples could reach the threshold, so speech normalised to
 * -20 LUFS costs little envelope work: an hour of audio takes seconds per pass and a few MB of memory.
 * `sparseTruePeakEnvelope` is the same idea for a whole buffer.
 */
import { arraySource, memoryStore, readAll, type PcmSource, type PcmStore } from '../audio/pcm-store.js';
import { truePeakEnvelope } from '../dsp/loudness.js';
import { LoudnessMeter, TruePeakLimiter, TruePeakStream } from '../dsp/loudness-stream.js';

/** Half the true-peak interpolator's support, plus a margin: the context a sparse envelope needs each side. */
const CONTEXT = 24;

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
 * are at least 6 dB under the ceiling and cannot reach it).
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

const toDb = (v: number) => (v > 0 ? 20 * Math.log10(v) : -Infinity);

/** Gain mono audio to `target` LUFS with true peaks at or under `ceilingDb` dBTP. Silence comes back unchanged. */
export async function normalizeVoiceLoudness(
  x: Float32Array,
  sampleRate: number,
  target: number,
  ceilingDb = -1,
): Promise<VoiceLoudnessResult> {
  const r = await normalizeVoiceSource(arraySource(x, sampleRate), target, ceilingDb, memoryStore());
  const { output, ...rest } = r;
  return { samples: await readAll(output), ...rest };
}

export interface VoiceLoudnessSourceResult {
  output: PcmSource;
  gainDb: number;
  limited: boolean;
  integrated: number;
  truePeak: number;
}

/** Integrated loudness of a source (one pass). */
export async function integratedLoudnessOf(src: PcmSource): Promise<number> {
  const m = new LoudnessMeter(src.sampleRate, { truePeak: false });
  for await (const x of src.blocks()) m.push(x);
  return m.result().integrated;
}

/**
 * `normalizeVoiceLoudness` for a source of any length: each make-up iteration is one pass that measures the gained
 * audio (loudness, true peak against the limiter's ceiling) and, alongside, the limited audio (streaming limiter and
 * meter: the same gain computer as the whole-buffer limiter); a last pass writes the chosen result into `store`.
 * `before` is the source's integrated loudness when the caller measured it already. Silence comes back as the source.
 */
export async function normalizeVoiceSource(
  src: PcmSource,
  target: number,
  ceilingDb: number,
  store: PcmStore,
  before?: number,
): Promise<VoiceLoudnessSourceResult> {
  const rate = src.sampleRate;
  const b = before ?? (await integratedLoudnessOf(src));
  if (!Number.isFinite(b)) return { output: src, gainDb: 0, limited: false, integrated: b, truePeak: -Infinity };
  let gainDb = target - b;
  let limiterCeiling = ceilingDb - 0.05;
  let best: Omit<VoiceLoudnessSourceResult, 'output'> & { limiterCeiling: number } = {
    gainDb,
    limited: false,
    integrated: b,
    truePeak: -Infinity,
    limiterCeiling,
  };
  const gained = (x: Float32Array, g: number) => {
    const y = new Float32Array(x.length);
    for (let i = 0; i < x.length; i++) y[i] = x[i] * g;
    return y;
  };
  for (let pass = 0; pass < 4; pass++) {
    const g = Math.pow(10, gainDb / 20);
    const thr = Math.pow(10, limiterCeiling / 20);
    const tp = new TruePeakStream(rate);
    const plain = new LoudnessMeter(rate, { truePeak: false });
    const limiter = new TruePeakLimiter(rate, limiterCeiling);
    const limitedMeter = new LoudnessMeter(rate);
    let peak = 0;
    const visit = (env: Float32Array) => {
      for (let i = 0; i < env.length; i++) if (env[i] > peak) peak = env[i];
    };
    for await (const x of src.blocks()) {
      const y = gained(x, g);
      plain.push(y);
      visit(tp.push(y, thr));
      limitedMeter.push(limiter.push(y));
    }
    visit(tp.flush(thr));
    limitedMeter.push(limiter.flush());
    const limited = toDb(peak) > limiterCeiling;
    const m = limited ? limitedMeter.result() : null;
    const integrated = m ? m.integrated : plain.result().integrated;
    const truePeak = m ? m.truePeak : toDb(peak);
    best = { gainDb, limited, integrated, truePeak, limiterCeiling };
    const peakOk = truePeak <= ceilingDb;
    const err = target - integrated;
    if (peakOk && Math.abs(err) <= 0.1) break;
    if (!peakOk) limiterCeiling -= truePeak - ceilingDb + 0.05;
    gainDb += err;
  }
  const out = store.create(rate);
  const g = Math.pow(10, best.gainDb / 20);
  const limiter = best.limited ? new TruePeakLimiter(rate, best.limiterCeiling) : null;
  for await (const x of src.blocks()) {
    const y = gained(x, g);
    out.write(limiter ? limiter.push(y) : y);
  }
  if (limiter) out.write(limiter.flush());
  const { limiterCeiling: _c, ...result } = best;
  return { output: out.finish(), ...result };
}
