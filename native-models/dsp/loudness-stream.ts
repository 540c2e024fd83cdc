/**
 * Streaming loudness (BS.1770-4 / EBU R128) for programmes of any length, in bounded memory: the same K-weighting,
 * gating, true peak and limiter as loudness.ts, fed block by block.
 *
 * - `LoudnessMeter` keeps the K-weighting filter state across blocks and accumulates the K-weighted energy of
 *   every 100 ms sub-block (Σ z² / rate: 8 bytes per 100 ms, 2.9 MB for 10 hours). A 400 ms gating block is 4
 *   consecutive sub-blocks (75 % overlap = hop of one sub-block), a 3 s short-term block is 30, so integrated
 *   loudness and loudness range come out exactly as from the whole buffer (for rates that are a multiple of 10 Hz,
 *   where 4 hops are exactly 400 ms).
 * - `TruePeakStream` is the polyphase true-peak interpolator with H samples of look-ahead carried across blocks.
 *   Points that cannot exceed a threshold (their window's largest sample times the interpolator's gain is below
 *   it) are not interpolated: the meter's threshold is the peak so far, the limiter's its ceiling.
 * - `TruePeakLimiter` is limitTruePeak() in streaming form (same need, look-ahead minimum, release and smoothing),
 *   with a delay of look-ahead + H samples; its output equals the whole-buffer limiter's.
 *
 * The streaming classes take mono blocks: Timbre's mix is mono (takes and the music bed are mixed down to mono
 * on decoding); a stereo export carries the same signal in both channels, which is exactly 10·log10(2) dB louder.
 */
import {
  KWeighting,
  TP_HALF,
  loudnessRangeOfShortTerm,
  interpolationPhases,
  truePeakOversampling,
} from './loudness.js';

const LUFS_OFFSET = -0.691;
const toLufs = (power: number): number => (power > 0 ? LUFS_OFFSET + 10 * Math.log10(power) : -Infinity);
const toDb = (lin: number): number => (lin > 0 ? 20 * Math.log10(lin) : -Infinity);

/** Loudness offset of `channels` identical channels over one (BS.1770 sums channel powers with weight 1). */
export const channelsOffsetDb = (channels: number): number => 10 * Math.log10(channels);

/**
 * Integrated loudness from 100 ms sub-block energies (Σ z² / rate, i.e. mean square × seconds): blocks of 4
 * sub-blocks every sub-block, absolute gate −70 LUFS, relative gate −10 LU.
 */
export function gatedFromSubBlocks(e: ArrayLike<number>, n = e.length): { integrated: number; blocks: number } {
  let absSum = 0;
  let absCount = 0;
  const powers = new Float64Array(Math.max(0, n - 3));
  for (let j = 0; j + 4 <= n; j++) {
    const p = (e[j] + e[j + 1] + e[j + 2] + e[j + 3]) / 0.4;
    powers[j] = p;
    if (toLufs(p) > -70) {
      absSum += p;
      absCount++;
    }
  }
  if (absCount === 0) return { integrated: -Infinity, blocks: 0 };
  const rel = toLufs(absSum / absCount) - 10;
  let sum = 0;
  let count = 0;
  for (const p of powers)
    if (toLufs(p) > -70 && toLufs(p) > rel) {
      sum += p;
      count++;
    }
  return count ? { integrated: toLufs(sum / count), blocks: count } : { integrated: -Infinity, blocks: 0 };
}

/** Loudness range (EBU Tech 3342) from 100 ms sub-block energies: 3 s blocks every 100 ms. */
export function rangeFromSubBlocks(e: ArrayLike<number>, n = e.length): number {
  const st: number[] = [];
  let acc = 0;
  for (let j = 0; j < n; j++) {
    acc += e[j];
    if (j >= 30) acc -= e[j - 30];
    if (j >= 29) {
      const l = toLufs(acc / 3);
      if (l > -70) st.push(l);
    }
  }
  return loudnessRangeOfShortTerm(st);
}

/** Growable Float64 list (sub-block energies). */
export class F64List {
  data = new Float64Array(1024);
  length = 0;
  push(v: number): void {
    if (this.length === this.data.length) {
      const d = new Float64Array(this.data.length * 2);
      d.set(this.data);
      this.data = d;
    }
    this.data[this.length++] = v;
  }
}

/** Streaming polyphase true-peak interpolation (see the file comment). */
export class TruePeakStream {
  private readonly phases: Float32Array[];
  /** Upper bound of |interpolated| / max |window|: the largest Σ|taps| over the phases. */
  private readonly bound: number;
  /** Samples from position `next − H + 1` on (not yet fully used). */
  private tail: Float32Array = new Float32Array(TP_HALF - 1);
  private env = new Float32Array(0);
  /** Scratch for tail + input (reused: a long export pushes thousands of blocks). */
  private scratch = new Float32Array(0);

  constructor(sampleRate: number) {
    const factor = truePeakOversampling(sampleRate);
    this.phases = factor > 1 ? interpolationPhases(factor) : [];
    this.bound = Math.max(1, ...this.phases.map((t) => t.reduce((a, b) => a + Math.abs(b), 0)));
  }

  /**
   * Push samples; returns the envelope (max |x| over sample n and the interpolated points up to n+1) of the
   * positions that became complete, in order. Values that cannot exceed `threshold` are only |x[n]|.
   */
  push(x: Float32Array, threshold: number): Float32Array {
    const H = TP_HALF;
    const n = this.tail.length + x.length;
    if (this.scratch.length < n) this.scratch = new Float32Array(n);
    const w = this.scratch.subarray(0, n);
    w.set(this.tail);
    w.set(x, this.tail.length);
    // Position n's first tap is at w index (n − next); n is complete when its last tap (index + 2H − 1) exists.
    const count = Math.max(0, w.length - 2 * H + 1);
    if (this.env.length < count) this.env = new Float32Array(count);
    const env = this.env;
    const phases = this.phases;
    const BLK = 64;
    for (let b = 0; b < count; b += BLK) {
      const e = Math.min(count, b + BLK);
      let wmax = 0;
      for (let k = b; k < e + 2 * H - 1; k++) {
        const a = Math.abs(w[k]);
        if (a > wmax) wmax = a;
      }
      const exact = phases.length > 0 && wmax * this.bound > threshold;
      for (let i = b; i < e; i++) {
        let m = Math.abs(w[i + H - 1]);
        if (exact) {
          for (const taps of phases) {
            let acc = 0;
            for (let j = 0; j < taps.length; j++) acc += w[i + j] * taps[j];
            const a = Math.abs(acc);
            if (a > m) m = a;
          }
        }
        env[i] = m;
      }
    }
    this.tail = w.slice(count);
    return env.subarray(0, count);
  }

  /** The envelope of the last H positions (zeros after the end, as the whole-buffer version assumes). */
  flush(threshold: number): Float32Array {
    const out = this.push(new Float32Array(TP_HALF), threshold);
    this.tail = new Float32Array(TP_HALF - 1);
    return out;
  }
}

export interface StreamLoudness {
  integrated: number;
  truePeak: number;
  samplePeak: number;
  loudnessRange: number;
  gatedBlocks: number;
  /** Samples measured. */
  frames: number;
}

/** Streaming BS.1770 meter for mono blocks (see the file comment). `truePeak: false` skips the true peak. */
export class LoudnessMeter {
  private readonly hop: number;
  private readonly rate: number;
  private readonly k: KWeighting;
  /** Scratch for the squared K-weighted samples of one push. */
  private sq = new Float64Array(0);
  private acc = 0;
  private accN = 0;
  readonly sub = new F64List();
  private tp: TruePeakStream | null;
  private peak = 0;
  private tpMax = 0;
  private frames = 0;

  constructor(sampleRate: number, opts: { truePeak?: boolean } = {}) {
    this.rate = sampleRate;
    this.hop = Math.round(0.1 * sampleRate);
    this.k = new KWeighting(sampleRate);
    this.tp = opts.truePeak === false ? null : new TruePeakStream(sampleRate);
  }

  push(x: Float32Array): void {
    if (this.sq.length < x.length) this.sq = new Float64Array(x.length);
    const sq = this.k.squares(x, this.sq);
    let acc = this.acc;
    let accN = this.accN;
    let peak = this.peak;
    const hop = this.hop;
    for (let n = 0; n < x.length; n++) {
      const xn = x[n];
      const a = xn < 0 ? -xn : xn;
      if (a > peak) peak = a;
      acc += sq[n];
      if (++accN === hop) {
        this.sub.push(acc / this.rate);
        acc = 0;
        accN = 0;
      }
    }
    this.acc = acc;
    this.accN = accN;
    this.peak = peak;
    this.frames += x.length;
    if (this.tp) this.visit(this.tp.push(x, this.tpMax));
  }

  private visit(env: Float32Array): void {
    let m = this.tpMax;
    for (let i = 0; i < env.length; i++) if (env[i] > m) m = env[i];
    this.tpMax = m;
  }

  /** The measurement so far (call once at the end: it flushes the true-peak look-ahead). */
  result(): StreamLoudness {
    if (this.tp) this.visit(this.tp.flush(this.tpMax));
    const g = gatedFromSubBlocks(this.sub.data, this.sub.length);
    return {
      integrated: g.integrated,
      gatedBlocks: g.blocks,
      truePeak: this.tp ? toDb(Math.max(this.tpMax, this.peak)) : NaN,
      samplePeak: toDb(this.peak),
      loudnessRange: rangeFromSubBlocks(this.sub.data, this.sub.length),
      frames: this.frames,
    };
  }
}

/** Growable Float32 queue with a moving start (samples waiting for output). */
class F32Queue {
  private buf = new Float32Array(4096);
  private start = 0;
  private end = 0;
  get length(): number {
    return this.end - this.start;
  }
  push(x: Float32Array): void {
    if (this.end + x.length > this.buf.length) {
      const live = this.end - this.start;
      if (live + x.length <= this.buf.length / 2) this.buf.copyWithin(0, this.start, this.end);
      else {
        const nb = new Float32Array(2 * (live + x.length));
        nb.set(this.buf.subarray(this.start, this.end));
        this.buf = nb;
      }
      this.start = 0;
      this.end = live;
    }
    this.buf.set(x, this.end);
    this.end += x.length;
  }
  shift(): number {
    return this.buf[this.start++];
  }
}

/**
 * limitTruePeak() in streaming form for mono blocks: push() returns the limited samples that are final so far
 * (delayed by look-ahead + H), flush() the rest; the concatenated output has the input's length.
 */
export class TruePeakLimiter {
  private readonly ceiling: number;
  private readonly L: number;
  private readonly rel: number;
  private readonly tp: TruePeakStream;
  private readonly pending = new F32Queue();
  private prevEnv = 0;
  /** Sliding minimum over the need values (monotonic deque in a ring). */
  private readonly dqIdx: Float64Array;
  private readonly dqVal: Float32Array;
  private dqHead = 0;
  private dqLen = 0;
  private needPos = 0;
  private mPos = 0;
  private g = 1;
  private readonly box: Float32Array;
  private boxSum: number;
  private boxAt = 0;
  /** Number of samples whose gain was below 1. */
  limitedSamples = 0;

  constructor(sampleRate: number, ceilingDb: number, opts: { lookaheadMs?: number; releaseMs?: number } = {}) {
    this.ceiling = Math.pow(10, ceilingDb / 20);
    this.L = Math.max(1, Math.round(((opts.lookaheadMs ?? 5) / 1000) * sampleRate));
    this.rel = Math.exp(-1 / (((opts.releaseMs ?? 80) / 1000) * sampleRate));
    this.tp = new TruePeakStream(sampleRate);
    this.dqIdx = new Float64Array(this.L + 2);
    this.dqVal = new Float32Array(this.L + 2);
    this.box = new Float32Array(this.L).fill(1);
    this.boxSum = this.L;
  }

  private emitM(m: number, o: Float32Array, k: number): number {
    const g = Math.min(m, 1 - (1 - this.g) * this.rel);
    this.g = g;
    this.boxSum += g - this.box[this.boxAt];
    this.box[this.boxAt] = g;
    this.boxAt = this.boxAt + 1 === this.L ? 0 : this.boxAt + 1;
    const gain = Math.min(1, this.boxSum / this.L);
    if (gain < 1) this.limitedSamples++;
    o[k] = this.pending.shift() * gain;
    this.mPos++;
    return k + 1;
  }

  private feed(env: Float32Array, o: Float32Array, k: number): number {
    const cap = this.dqIdx.length;
    const L = this.L;
    for (let i = 0; i < env.length; i++) {
      const e = Math.max(env[i], this.prevEnv);
      this.prevEnv = env[i];
      const need = e > this.ceiling ? this.ceiling / e : 1;
      const j = this.needPos++;
      // Push j: drop larger-or-equal values from the back.
      while (this.dqLen > 0 && this.dqVal[(this.dqHead + this.dqLen - 1) % cap] >= need) this.dqLen--;
      const at = (this.dqHead + this.dqLen) % cap;
      this.dqIdx[at] = j;
      this.dqVal[at] = need;
      this.dqLen++;
      // m[j − L + 1] = min over [j − L + 1, j].
      const first = j - L + 1;
      if (first >= 0) {
        while (this.dqIdx[this.dqHead] < first) {
          this.dqHead = (this.dqHead + 1) % cap;
          this.dqLen--;
        }
        k = this.emitM(this.dqVal[this.dqHead], o, k);
      }
    }
    return k;
  }

  push(x: Float32Array): Float32Array {
    this.pending.push(x);
    const env = this.tp.push(x, this.ceiling);
    const o = new Float32Array(env.length);
    const k = this.feed(env, o, 0);
    return o.subarray(0, k);
  }

  flush(): Float32Array {
    const env = this.tp.flush(this.ceiling);
    const o = new Float32Array(env.length + this.L);
    let k = this.feed(env, o, 0);
    // The last L − 1 minima over windows cut at the end (need is 1 beyond it).
    const cap = this.dqIdx.length;
    while (this.pending.length > 0) {
      const first = this.mPos;
      while (this.dqLen > 0 && this.dqIdx[this.dqHead] < first) {
        this.dqHead = (this.dqHead + 1) % cap;
        this.dqLen--;
      }
      k = this.emitM(this.dqLen > 0 ? this.dqVal[this.dqHead] : 1, o, k);
    }
    return o.subarray(0, k);
  }
}
