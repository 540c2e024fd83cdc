/**
 * Loudness measurement per ITU-R BS.1770-4 / EBU R128 (EBU Tech 3341, 3342) and loudness normalisation.
 *
 * - K-weighting: a high-shelf ("pre-filter", stage 1) and an RLB high-pass (stage 2) biquad. The coefficients are
 *   derived for any sample rate from the analog prototype of the 48 kHz filters in BS.1770 (centre frequency, gain, Q)
 *   through the bilinear transform with pre-warping, the same derivation libebur128 uses; at 48 kHz they reproduce the
 *   standard's published coefficients.
 * - Integrated loudness: mean square of each K-weighted channel over 400 ms blocks with 75 % overlap (100 ms hop),
 *   block loudness −0.691 + 10·log10(Σ Gᵢ·zᵢ), absolute gate −70 LUFS, relative gate −10 LU below the loudness of the
 *   blocks above the absolute gate. Channel weights: 1.0 for L/R/C (and mono), 1.41 for surround channels 4 and 5.
 * - Loudness range (EBU Tech 3342): 3 s short-term blocks every 100 ms, absolute gate −70 LUFS, relative gate −20 LU,
 *   LRA = 95th − 10th percentile.
 * - True peak: 4x oversampling (2x at 96 kHz and up) with a polyphase windowed-sinc interpolator, in dBTP.
 *
 * Audio is planar: one Float32Array per channel, all the same length, in [-1, 1] full scale.
 */

export interface Biquad {
  b0: number;
  b1: number;
  b2: number;
  a1: number;
  a2: number;
}

/** The two K-weighting stages for a sample rate (a0 normalised to 1). */
export function kWeightingCoefficients(sampleRate: number): [Biquad, Biquad] {
  // Stage 1: high shelf, +4 dB above ~1.7 kHz (head acoustics).
  let f0 = 1681.974450955533;
  const G = 3.999843853973347;
  let Q = 0.7071752369554196;
  let K = Math.tan((Math.PI * f0) / sampleRate);
  const Vh = Math.pow(10, G / 20);
  const Vb = Math.pow(Vh, 0.4996667741545416);
  let a0 = 1 + K / Q + K * K;
  const shelf: Biquad = {
    b0: (Vh + (Vb * K) / Q + K * K) / a0,
    b1: (2 * (K * K - Vh)) / a0,
    b2: (Vh - (Vb * K) / Q + K * K) / a0,
    a1: (2 * (K * K - 1)) / a0,
    a2: (1 - K / Q + K * K) / a0,
  };
  // Stage 2: RLB high-pass at ~38 Hz.
  f0 = 38.13547087602444;
  Q = 0.5003270373238773;
  K = Math.tan((Math.PI * f0) / sampleRate);
  a0 = 1 + K / Q + K * K;
  const highpass: Biquad = {
    b0: 1,
    b1: -2,
    b2: 1,
    a1: (2 * (K * K - 1)) / a0,
    a2: (1 - K / Q + K * K) / a0,
  };
  return [shelf, highpass];
}

/**
 * The BS.1770 K-weighting filter (shelf then RLB high-pass) with its state, so a signal can be filtered in pieces:
 * `squares(x, out)` writes the squared filter output of `x` into `out` and keeps the state for the next piece.
 */
export class KWeighting {
  private readonly s: Biquad;
  private readonly h: Biquad;
  private x1 = 0;
  private x2 = 0;
  private y1 = 0;
  private y2 = 0;
  private z1 = 0;
  private z2 = 0;

  constructor(sampleRate: number) {
    [this.s, this.h] = kWeightingCoefficients(sampleRate);
  }

  squares(x: Float32Array, out: Float64Array = new Float64Array(x.length)): Float64Array {
    const { s, h } = this;
    let { x1, x2, y1, y2, z1, z2 } = this;
    for (let n = 0; n < x.length; n++) {
      const xn = x[n];
      const y = s.b0 * xn + s.b1 * x1 + s.b2 * x2 - s.a1 * y1 - s.a2 * y2;
      const z = h.b0 * y + h.b1 * y1 + h.b2 * y2 - h.a1 * z1 - h.a2 * z2;
      x2 = x1;
      x1 = xn;
      y2 = y1;
      y1 = y;
      z2 = z1;
      z1 = z;
      out[n] = z * z;
    }
    Object.assign(this, { x1, x2, y1, y2, z1, z2 });
    return out;
  }
}

/** Apply K-weighting to one channel and return the squared output (ready for block mean squares). */
function kWeightedSquares(x: Float32Array, sampleRate: number): Float64Array {
  return new KWeighting(sampleRate).squares(x);
}

/** BS.1770 channel weight for channel index `i` of `count` (ITU order L, R, C, LFE, Ls, Rs). */
function channelWeight(i: number, count: number): number {
  if (count === 6) return i === 3 ? 0 : i >= 4 ? 1.41 : 1;
  if (count === 5) return i >= 3 ? 1.41 : 1;
  return 1;
}

const LUFS_OFFSET = -0.691;
const toLufs = (power: number): number => (power > 0 ? LUFS_OFFSET + 10 * Math.log10(power) : -Infinity);

/** Weighted sums of block mean squares: one power value per block of `blockSec`, hop `hopSec`. */
function blockPowers(squares: Float64Array[], sampleRate: number, blockSec: number, hopSec: number): number[] {
  const len = squares[0]?.length ?? 0;
  const block = Math.round(blockSec * sampleRate);
  const hop = Math.round(hopSec * sampleRate);
  const powers: number[] = [];
  if (len < block) return powers;
  // Prefix sums per channel, weighted and summed: Σ Gᵢ·xᵢ².
  const prefix = new Float64Array(len + 1);
  for (let n = 0; n < len; n++) {
    let acc = 0;
    for (let c = 0; c < squares.length; c++) acc += channelWeight(c, squares.length) * squares[c][n];
    prefix[n + 1] = prefix[n] + acc;
  }
  for (let start = 0; start + block <= len; start += hop) powers.push((prefix[start + block] - prefix[start]) / block);
  return powers;
}

export interface LoudnessResult {
  /** Integrated loudness in LUFS (−Infinity for silence or audio shorter than one 400 ms block). */
  integrated: number;
  /** Maximum true peak over all channels in dBTP. */
  truePeak: number;
  /** Maximum sample peak in dBFS. */
  samplePeak: number;
  /** Loudness range in LU (EBU Tech 3342), 0 when there are too few short-term blocks. */
  loudnessRange: number;
  /** Number of 400 ms blocks that passed both gates. */
  gatedBlocks: number;
}

/** Integrated loudness (BS.1770-4 gating) of planar audio, in LUFS. */
export function integratedLoudness(channels: Float32Array[], sampleRate: number): number {
  return gatedLoudness(
    channels.map((c) => kWeightedSquares(c, sampleRate)),
    sampleRate,
  ).integrated;
}

function gatedLoudness(squares: Float64Array[], sampleRate: number): { integrated: number; blocks: number } {
  const powers = blockPowers(squares, sampleRate, 0.4, 0.1);
  const absGated = powers.filter((p) => toLufs(p) > -70);
  if (absGated.length === 0) return { integrated: -Infinity, blocks: 0 };
  const relThreshold = toLufs(absGated.reduce((a, b) => a + b, 0) / absGated.length) - 10;
  const gated = absGated.filter((p) => toLufs(p) > relThreshold);
  if (gated.length === 0) return { integrated: -Infinity, blocks: 0 };
  return { integrated: toLufs(gated.reduce((a, b) => a + b, 0) / gated.length), blocks: gated.length };
}

function loudnessRangeOf(squares: Float64Array[], sampleRate: number): number {
  return loudnessRangeOfShortTerm(
    blockPowers(squares, sampleRate, 3, 0.1)
      .map(toLufs)
      .filter((l) => l > -70),
  );
}

/** EBU Tech 3342 loudness range from short-term (3 s) loudness values already above the −70 LUFS absolute gate. */
export function loudnessRangeOfShortTerm(st: number[]): number {
  if (st.length < 2) return 0;
  const mean = st.map((l) => Math.pow(10, (l - LUFS_OFFSET) / 10)).reduce((a, b) => a + b, 0) / st.length;
  const rel = toLufs(mean) - 20;
  const kept = st.filter((l) => l > rel).sort((a, b) => a - b);
  if (kept.length < 2) return 0;
  const pct = (p: number) => kept[Math.min(kept.length - 1, Math.max(0, Math.round(p * (kept.length - 1))))];
  return pct(0.95) - pct(0.1);
}

// ---------------------------------------------------------------------------------------------------------------
// True peak

export const TP_HALF = 16; // taps on each side of the interpolation point per phase (32 taps per phase)
const TP_BETA = 7;
const phaseCache = new Map<number, Float32Array[]>();

function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const q = (x * x) / 4;
  for (let k = 1; k < 64; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

/** Oversampling factor BS.1770-4 Annex 2 asks for: 4x below 96 kHz, 2x below 192 kHz, none above. */
export function truePeakOversampling(sampleRate: number): number {
  return sampleRate < 96_000 ? 4 : sampleRate < 192_000 ? 2 : 1;
}

/**
 * Polyphase interpolator: phase p (0 < p < factor) gives the value at n + p/factor from inputs n−H+1 … n+H,
 * a Kaiser-windowed sinc with its cutoff at the original Nyquist frequency.
 */
export function interpolationPhases(factor: number): Float32Array[] {
  const cached = phaseCache.get(factor);
  if (cached) return cached;
  const phases: Float32Array[] = [];
  const i0b = besselI0(TP_BETA);
  for (let p = 1; p < factor; p++) {
    const frac = p / factor;
    const taps = new Float32Array(2 * TP_HALF);
    for (let j = 0; j < 2 * TP_HALF; j++) {
      const t = frac - (j - TP_HALF + 1); // distance from input n−H+1+j to the point n+frac
      const r = t / (TP_HALF + 1);
      const w = Math.abs(r) < 1 ? besselI0(TP_BETA * Math.sqrt(1 - r * r)) / i0b : 0;
      taps[j] = (t === 0 ? 1 : Math.sin(Math.PI * t) / (Math.PI * t)) * w;
    }
    phases.push(taps);
  }
  phaseCache.set(factor, phases);
  return phases;
}

/**
 * Per-sample true-peak envelope of one channel: out[n] = max |x| over the original sample n and the interpolated
 * points between n and n+1 (linear magnitude).
 */
export function truePeakEnvelope(x: Float32Array, sampleRate: number): Float32Array {
  const factor = truePeakOversampling(sampleRate);
  const out = new Float32Array(x.length);
  const phases = factor > 1 ? interpolationPhases(factor) : [];
  const n = x.length;
  for (let i = 0; i < n; i++) {
    let m = Math.abs(x[i]);
    const first = i - TP_HALF + 1;
    for (const taps of phases) {
      let acc = 0;
      if (first >= 0 && first + taps.length <= n) {
        for (let j = 0; j < taps.length; j++) acc += x[first + j] * taps[j];
      } else {
        for (let j = 0; j < taps.length; j++) {
          const k = first + j;
          if (k >= 0 && k < n) acc += x[k] * taps[j];
        }
      }
      const a = Math.abs(acc);
      if (a > m) m = a;
    }
    out[i] = m;
  }
  return out;
}

const toDb = (lin: number): number => (lin > 0 ? 20 * Math.log10(lin) : -Infinity);

/** True peak in dBTP over all channels. */
export function truePeak(channels: Float32Array[], sampleRate: number): number {
  let m = 0;
  for (const c of channels) {
    const env = truePeakEnvelope(c, sampleRate);
    for (let i = 0; i < env.length; i++) if (env[i] > m) m = env[i];
  }
  return toDb(m);
}

/** Full measurement: integrated loudness, true peak, sample peak and loudness range. */
export function measureLoudness(channels: Float32Array[], sampleRate: number): LoudnessResult {
  if (channels.length === 0) throw new RangeError('measureLoudness: no channels');
  const squares = channels.map((c) => kWeightedSquares(c, sampleRate));
  const g = gatedLoudness(squares, sampleRate);
  let sp = 0;
  for (const c of channels) for (let i = 0; i < c.length; i++) sp = Math.max(sp, Math.abs(c[i]));
  return {
    integrated: g.integrated,
    truePeak: truePeak(channels, sampleRate),
    samplePeak: toDb(sp),
    loudnessRange: loudnessRangeOf(squares, sampleRate),
    gatedBlocks: g.blocks,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Normalisation

export interface LoudnessTarget {
  /** Target integrated loudness in LUFS. */
  integrated: number;
  /** True-peak ceiling in dBTP (default −1). */
  truePeakCeiling?: number;
}

/** Common delivery targets: podcast (−16 LUFS stereo / −19 LUFS mono, AES TD1004 / Apple), broadcast EBU R128. */
export const LOUDNESS_PRESETS = {
  'podcast-stereo': { integrated: -16, truePeakCeiling: -1 },
  'podcast-mono': { integrated: -19, truePeakCeiling: -1 },
  broadcast: { integrated: -23, truePeakCeiling: -1 },
} as const satisfies Record<string, LoudnessTarget>;

export type LoudnessPreset = keyof typeof LOUDNESS_PRESETS;

export interface LimiterOptions {
  /** Look-ahead (and attack ramp) in ms (default 5). */
  lookaheadMs?: number;
  /** Release time constant in ms (default 80). */
  releaseMs?: number;
}

/**
 * Look-ahead true-peak limiter (offline, zero latency): the gain needed at each sample to keep its true peak under
 * `ceilingDb` is taken as a moving minimum over the look-ahead window, released exponentially, then smoothed with a
 * box filter of the same length. Each smoothed value averages minima of windows that all contain the sample, so the
 * gain never exceeds what that sample needs. The same gain is applied to every channel (no image shift).
 */
export function limitTruePeak(
  channels: Float32Array[],
  sampleRate: number,
  ceilingDb: number,
  opts: LimiterOptions = {},
): Float32Array[] {
  const len = channels[0]?.length ?? 0;
  const ceiling = Math.pow(10, ceilingDb / 20);
  const need = new Float32Array(len).fill(1);
  for (const c of channels) {
    const env = truePeakEnvelope(c, sampleRate);
    for (let i = 0; i < len; i++) {
      // The interpolated point between i and i+1 depends on both samples' gains: charge it to both.
      const e = Math.max(env[i], i > 0 ? env[i - 1] : 0);
      if (e > ceiling) need[i] = Math.min(need[i], ceiling / e);
    }
  }
  const L = Math.max(1, Math.round(((opts.lookaheadMs ?? 5) / 1000) * sampleRate));
  // Forward-looking moving minimum over [i, i+L-1] (monotonic deque).
  const m = new Float32Array(len);
  const dq = new Int32Array(len + L);
  let head = 0,
    tail = 0;
  for (let i = len - 1; i >= 0; i--) {
    while (tail > head && need[dq[tail - 1]] >= need[i]) tail--;
    dq[tail++] = i;
    while (dq[head] > i + L - 1) head++;
    m[i] = need[dq[head]];
  }
  // Release: recover towards 1 exponentially, never above the minimum.
  const rel = Math.exp(-1 / (((opts.releaseMs ?? 80) / 1000) * sampleRate));
  let g = 1;
  for (let i = 0; i < len; i++) {
    g = Math.min(m[i], 1 - (1 - g) * rel);
    m[i] = g;
  }
  // Box smoothing over [i-L+1, i]: samples before 0 count as unity gain.
  const out = channels.map(() => new Float32Array(len));
  let sum = L; // L values of 1 before the start
  const at = (k: number) => (k < 0 ? 1 : m[k]);
  for (let i = 0; i < len; i++) {
    sum += m[i] - at(i - L);
    const gain = Math.min(1, sum / L);
    for (let c = 0; c < channels.length; c++) out[c][i] = channels[c][i] * gain;
  }
  return out;
}

export interface NormalizeResult {
  channels: Float32Array[];
  /** Gain applied before limiting, in dB. */
  gainDb: number;
  /** Whether the limiter had to act. */
  limited: boolean;
  /** Measurement of the result. */
  after: LoudnessResult;
  /** Measurement of the input. */
  before: LoudnessResult;
}

/**
 * Gain to a target integrated loudness with a true-peak ceiling: when the gain would push true peaks above the
 * ceiling a look-ahead limiter holds them down; loudness lost to limiting is made up by iterating (at most 4 passes).
 * Silence (no block above the absolute gate) is returned unchanged.
 */
export function normalizeLoudness(
  channels: Float32Array[],
  sampleRate: number,
  target: LoudnessTarget | LoudnessPreset,
): NormalizeResult {
  const t: LoudnessTarget = typeof target === 'string' ? LOUDNESS_PRESETS[target] : target;
  const ceilingDb = t.truePeakCeiling ?? -1;
  const before = measureLoudness(channels, sampleRate);
  if (!Number.isFinite(before.integrated)) {
    return { channels: channels.map((c) => c.slice()), gainDb: 0, limited: false, after: before, before };
  }
  let gainDb = t.integrated - before.integrated;
  let limiterCeiling = ceilingDb - 0.05;
  let best: NormalizeResult | undefined;
  for (let pass = 0; pass < 4; pass++) {
    const g = Math.pow(10, gainDb / 20);
    let out: Float32Array[] = channels.map((c) => {
      const y = new Float32Array(c.length);
      for (let i = 0; i < c.length; i++) y[i] = c[i] * g;
      return y;
    });
    const tp = truePeak(out, sampleRate);
    const limited = tp > limiterCeiling;
    if (limited) out = limitTruePeak(out, sampleRate, limiterCeiling);
    const after = measureLoudness(out, sampleRate);
    best = { channels: out, gainDb, limited, after, before };
    const peakOk = after.truePeak <= ceilingDb;
    const loudErr = t.integrated - after.integrated;
    if (peakOk && Math.abs(loudErr) <= 0.1) break;
    if (!peakOk) limiterCeiling -= after.truePeak - ceilingDb + 0.05;
    gainDb += loudErr;
  }
  return best!;
}
