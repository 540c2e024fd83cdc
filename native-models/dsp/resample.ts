/**
 * Band-limited sample-rate conversion: a polyphase windowed-sinc (Kaiser window) resampler for any pair of integer
 * rates. The ratio is reduced to L/M (up L, down M); output sample n sits at input time n·M/L and is the sum of the
 * nearby inputs weighted by a low-pass sinc whose cutoff sits below the lower Nyquist frequency, so downsampling is
 * anti-aliased. Phase tables are precomputed when L is small (every common rate pair), else computed per sample.
 *
 * `Resampler` streams (push chunks, then flush); `resample` converts a whole buffer. Both give identical output.
 */

export interface ResamplerOptions {
  /** Zero crossings of the sinc on each side, at the filter's cutoff (default 32): longer = sharper transition. */
  zeroCrossings?: number;
  /** Cutoff as a fraction of the lower Nyquist frequency (default 0.92). */
  rolloff?: number;
  /** Kaiser window beta (default 9: about 90 dB stop-band attenuation). */
  kaiserBeta?: number;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** Modified Bessel function of the first kind, order 0 (power series; converges fast for the betas used). */
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

const MAX_TABLE_PHASES = 4096;

export class Resampler {
  readonly fromRate: number;
  readonly toRate: number;
  private readonly up: number;
  private readonly down: number;
  /** Half the kernel length in input samples (taps per phase = 2 * half). */
  private readonly half: number;
  private readonly cutoff: number;
  private readonly halfWidth: number;
  private readonly beta: number;
  private readonly i0Beta: number;
  private readonly table?: Float32Array[];
  /** Input not yet consumed; buf[0] is input sample number `bufStart`. */
  private buf: Float32Array = new Float32Array(0);
  private bufStart = 0;
  private inputCount = 0;
  /** Index of the next output sample. */
  private outIndex = 0;
  private flushed = false;

  constructor(fromRate: number, toRate: number, opts: ResamplerOptions = {}) {
    if (!Number.isInteger(fromRate) || !Number.isInteger(toRate) || fromRate <= 0 || toRate <= 0)
      throw new RangeError(`Sample rates must be positive integers (got ${fromRate} → ${toRate})`);
    this.fromRate = fromRate;
    this.toRate = toRate;
    const g = gcd(fromRate, toRate);
    this.up = toRate / g;
    this.down = fromRate / g;
    const zc = opts.zeroCrossings ?? 32;
    const rolloff = opts.rolloff ?? 0.92;
    // Cutoff in cycles per input sample (input Nyquist = 0.5).
    this.cutoff = 0.5 * Math.min(1, toRate / fromRate) * rolloff;
    this.halfWidth = zc / (2 * this.cutoff);
    this.half = Math.ceil(this.halfWidth);
    this.beta = opts.kaiserBeta ?? 9;
    this.i0Beta = besselI0(this.beta);
    if (this.up <= MAX_TABLE_PHASES && fromRate !== toRate) {
      this.table = [];
      for (let p = 0; p < this.up; p++) this.table.push(this.phaseTaps(p / this.up));
    }
  }

  /** Kernel value at distance u (input samples) from the output instant. */
  private kernel(u: number): number {
    const a = Math.abs(u);
    if (a >= this.halfWidth) return 0;
    const r = a / this.halfWidth;
    const w = besselI0(this.beta * Math.sqrt(1 - r * r)) / this.i0Beta;
    const x = 2 * this.cutoff * u;
    const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
    return 2 * this.cutoff * sinc * w;
  }

  /** Taps for fractional position `frac` in [0,1): tap j multiplies input (base - half + 1 + j). Normalised to DC gain 1. */
  private phaseTaps(frac: number): Float32Array {
    const n = 2 * this.half;
    const taps = new Float64Array(n);
    let sum = 0;
    for (let j = 0; j < n; j++) {
      taps[j] = this.kernel(frac + this.half - 1 - j);
      sum += taps[j];
    }
    const out = new Float32Array(n);
    for (let j = 0; j < n; j++) out[j] = taps[j] / sum;
    return out;
  }

  /** Latency-free: output n is at input time n·from/to; samples before 0 and after the end count as silence. */
  push(input: Float32Array): Float32Array {
    if (this.flushed) throw new Error('Resampler: push after flush');
    if (this.fromRate === this.toRate) {
      this.inputCount += input.length;
      return input.slice();
    }
    const merged = new Float32Array(this.buf.length + input.length);
    merged.set(this.buf);
    merged.set(input, this.buf.length);
    this.buf = merged;
    this.inputCount += input.length;
    return this.produce(this.inputCount);
  }

  /** Emit the tail (the remaining outputs up to ceil(inputLength · to / from)). */
  flush(): Float32Array {
    if (this.flushed || this.fromRate === this.toRate) {
      this.flushed = true;
      return new Float32Array(0);
    }
    this.flushed = true;
    const pad = new Float32Array(this.half + 1);
    const merged = new Float32Array(this.buf.length + pad.length);
    merged.set(this.buf);
    this.buf = merged;
    const total = Math.ceil((this.inputCount * this.up) / this.down);
    return this.produce(this.inputCount + this.half + 1, total);
  }

  /** Produce every output whose kernel support ends before input index `available`, up to `limit` outputs. */
  private produce(available: number, limit = Infinity): Float32Array {
    const { up, down, half } = this;
    // Upper bound on how many outputs this call can emit.
    const bound = Math.max(0, Math.min(limit, Math.ceil(((available + 1) * up) / down) + 1) - this.outIndex);
    const out = new Float32Array(bound);
    const buf = this.buf;
    let count = 0;
    while (count < bound) {
      const pos = this.outIndex * down;
      const base = Math.floor(pos / up);
      if (base + half >= available) break;
      const phase = pos - base * up;
      const taps = this.table ? this.table[phase] : this.phaseTaps(phase / up);
      const first = base - half + 1 - this.bufStart;
      let acc = 0;
      if (first >= 0 && first + taps.length <= buf.length) {
        for (let j = 0; j < taps.length; j++) acc += buf[first + j] * taps[j];
      } else {
        for (let j = 0; j < taps.length; j++) {
          const idx = first + j;
          if (idx >= 0 && idx < buf.length) acc += buf[idx] * taps[j];
        }
      }
      out[count++] = acc;
      this.outIndex++;
    }
    // Drop input no later output can reach.
    const nextBase = Math.floor((this.outIndex * down) / up);
    const keepFrom = Math.max(this.bufStart, nextBase - half + 1);
    if (keepFrom > this.bufStart) {
      this.buf = this.buf.slice(Math.min(keepFrom - this.bufStart, this.buf.length));
      this.bufStart = keepFrom;
    }
    return count === bound ? out : out.slice(0, count);
  }
}

/** Resample a whole buffer; the output has ceil(length · toRate / fromRate) samples, time-aligned with the input. */
export function resample(input: Float32Array, fromRate: number, toRate: number, opts?: ResamplerOptions): Float32Array {
  if (fromRate === toRate) return input.slice();
  const r = new Resampler(fromRate, toRate, opts);
  const a = r.push(input);
  const b = r.flush();
  const out = new Float32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
