/**
 * Radix-2 FFT and the short-time transform GTCRN was trained with (torch.stft / torch.istft conventions).
 *
 * `Fft` is an iterative in-place complex radix-2 transform with precomputed twiddles and bit reversal; `rfft` and
 * `irfft` give the one-sided spectrum of a real frame (N/2 + 1 bins) and back. Forward sign e^{-j2πkn/N}, the inverse
 * scales by 1/N, and like torch's C2R transform the inverse ignores the imaginary parts of the DC and Nyquist bins.
 */

export class Fft {
  readonly size: number;
  private readonly cos: Float64Array;
  private readonly sin: Float64Array;
  private readonly rev: Uint32Array;
  private readonly re: Float64Array;
  private readonly im: Float64Array;

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 2 || (size & (size - 1)) !== 0)
      throw new RangeError(`FFT size must be a power of two >= 2 (got ${size})`);
    this.size = size;
    this.cos = new Float64Array(size / 2);
    this.sin = new Float64Array(size / 2);
    for (let k = 0; k < size / 2; k++) {
      this.cos[k] = Math.cos((2 * Math.PI * k) / size);
      this.sin[k] = -Math.sin((2 * Math.PI * k) / size);
    }
    const bits = Math.log2(size);
    this.rev = new Uint32Array(size);
    for (let i = 0; i < size; i++) {
      let r = 0;
      for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
      this.rev[i] = r;
    }
    this.re = new Float64Array(size);
    this.im = new Float64Array(size);
  }

  /** In-place complex transform; `inverse` uses e^{+j…} and does not scale. */
  transform(re: Float64Array, im: Float64Array, inverse = false): void {
    const n = this.size;
    const rev = this.rev;
    for (let i = 0; i < n; i++) {
      const j = rev[i];
      if (j > i) {
        let t = re[i];
        re[i] = re[j];
        re[j] = t;
        t = im[i];
        im[i] = im[j];
        im[j] = t;
      }
    }
    const sgn = inverse ? -1 : 1;
    for (let len = 2; len <= n; len <<= 1) {
      const half = len >> 1;
      const step = n / len;
      for (let start = 0; start < n; start += len) {
        for (let k = 0; k < half; k++) {
          const wr = this.cos[k * step];
          const wi = sgn * this.sin[k * step];
          const a = start + k;
          const b = a + half;
          const xr = re[b] * wr - im[b] * wi;
          const xi = re[b] * wi + im[b] * wr;
          re[b] = re[a] - xr;
          im[b] = im[a] - xi;
          re[a] += xr;
          im[a] += xi;
        }
      }
    }
  }

  /** One-sided spectrum of a real frame: writes N/2+1 bins into outRe/outIm. */
  rfft(frame: ArrayLike<number>, outRe: Float64Array, outIm: Float64Array): void {
    const { re, im, size } = this;
    for (let i = 0; i < size; i++) {
      re[i] = frame[i];
      im[i] = 0;
    }
    this.transform(re, im);
    for (let k = 0; k <= size / 2; k++) {
      outRe[k] = re[k];
      outIm[k] = im[k];
    }
  }

  /** Real frame from a one-sided spectrum (N/2+1 bins), scaled by 1/N. */
  irfft(specRe: ArrayLike<number>, specIm: ArrayLike<number>, out: Float64Array): void {
    const { re, im, size } = this;
    const h = size / 2;
    re[0] = specRe[0];
    im[0] = 0;
    re[h] = specRe[h];
    im[h] = 0;
    for (let k = 1; k < h; k++) {
      re[k] = specRe[k];
      im[k] = specIm[k];
      re[size - k] = specRe[k];
      im[size - k] = -specIm[k];
    }
    this.transform(re, im, true);
    for (let i = 0; i < size; i++) out[i] = re[i] / size;
  }
}

/** Periodic square-root Hann window (torch.hann_window(n).sqrt()). */
export function sqrtHannWindow(n: number): Float64Array {
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) w[i] = Math.sqrt(0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n));
  return w;
}

/** Reflect-pad by `pad` samples each side (numpy/torch 'reflect': the edge sample is not repeated). */
export function reflectPad(x: Float32Array, pad: number): Float32Array {
  if (x.length <= pad) {
    // Too short to reflect: fall back to zero padding (torch refuses; a few-ms clip is not worth failing on).
    const y = new Float32Array(x.length + 2 * pad);
    y.set(x, pad);
    return y;
  }
  const n = x.length;
  const y = new Float32Array(n + 2 * pad);
  y.set(x, pad);
  for (let i = 0; i < pad; i++) {
    y[pad - 1 - i] = x[i + 1];
    y[pad + n + i] = x[n - 2 - i];
  }
  return y;
}
