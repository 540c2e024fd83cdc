/**
 * GTCRN speech enhancement (denoising) on onnxruntime-node, streaming: one STFT frame per model call, with the
 * model's convolution / temporal-recurrent / inter-frame caches fed back between calls.
 *
 * Contract (checked on load): `mix` float32 [1,257,1,2] (real, imag) plus `conv_cache` [2,1,16,16,33], `tra_cache`
 * [2,3,1,1,16], `inter_cache` [2,1,33,16] (zeros at the start) → `enh` [1,257,1,2] and the three caches. The model
 * runs at 16 kHz on the STFT it was trained with: FFT 512, hop 256, periodic square-root Hann window, centred frames
 * (reflect padding of 256 samples each side); the inverse uses the same window, overlap-add and division by the
 * summed squared window, then drops the padding (torch.stft / torch.istft with center=True). This reproduces the
 * upstream streaming reference output (see tests/unit/gtcrn.test.ts).
 *
 * `GtcrnStream` takes 16 kHz audio in chunks of any size and returns the enhanced audio as it becomes final
 * (algorithmic latency: one frame, 512 samples = 32 ms, plus the 256-sample look-back of the start padding).
 * For other sample rates use `denoiseAnyRate` (band split) in ./bandsplit.ts.
 */
import type { SessionCache, SessionLease } from '../onnx/session-cache.js';
import {
  assertSignature,
  createSessionWithFallback,
  ort,
  type GraphSignature,
  type SessionOptions,
} from '../onnx/session.js';
import { Fft, sqrtHannWindow } from './fft.js';

export const GTCRN_RATE = 16000;
export const GTCRN_FFT = 512;
export const GTCRN_HOP = 256;
const BINS = GTCRN_FFT / 2 + 1;
/** Samples pushed at a time by `denoise`. */
const DENOISE_BLOCK = 16384;

export const GTCRN_SIGNATURE: GraphSignature = {
  inputs: [
    { name: 'mix', type: 'float32', rank: 4 },
    { name: 'conv_cache', type: 'float32', rank: 5 },
    { name: 'tra_cache', type: 'float32', rank: 5 },
    { name: 'inter_cache', type: 'float32', rank: 4 },
  ],
  outputs: [
    { name: 'enh', type: 'float32', rank: 4 },
    { name: 'conv_cache_out', type: 'float32', rank: 5 },
    { name: 'tra_cache_out', type: 'float32', rank: 5 },
    { name: 'inter_cache_out', type: 'float32', rank: 4 },
  ],
};

const CACHE_SHAPES = {
  conv: [2, 1, 16, 16, 33],
  tra: [2, 3, 1, 1, 16],
  inter: [2, 1, 33, 16],
} as const;
const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

export interface GtcrnLoadOptions {
  /** Session options. Default: CPU, 1 intra-op thread (48 K parameters: threads only add overhead). */
  session?: SessionOptions;
  cache?: SessionCache;
}

export class GtcrnDenoiser {
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly provider: string,
    private readonly lease?: SessionLease,
  ) {}

  static async load(modelPath: string, opts: GtcrnLoadOptions = {}): Promise<GtcrnDenoiser> {
    const so: SessionOptions = { intraOpThreads: 1, interOpThreads: 1, ...opts.session };
    if (opts.cache) {
      const lease = await opts.cache.acquire(modelPath, so);
      try {
        assertSignature(lease.session, GTCRN_SIGNATURE, 'gtcrn.onnx');
      } catch (err) {
        lease.release();
        throw err;
      }
      return new GtcrnDenoiser(lease.session, lease.provider, lease);
    }
    const { session, provider } = await createSessionWithFallback(modelPath, so);
    try {
      assertSignature(session, GTCRN_SIGNATURE, 'gtcrn.onnx');
    } catch (err) {
      await session.release();
      throw err;
    }
    return new GtcrnDenoiser(session, provider);
  }

  createStream(): GtcrnStream {
    return new GtcrnStream(this.session);
  }

  /** Denoise a whole buffer of 16 kHz mono audio; the output has the same length and is time-aligned. */
  async denoise(samples: Float32Array): Promise<Float32Array> {
    const s = this.createStream();
    const out = new Float32Array(samples.length);
    let o = 0;
    // In blocks: the stream's buffers then stay one block long (one push of a whole minute grew them frame by frame,
    // which made the cost quadratic in the length).
    for (let i = 0; i < samples.length; i += DENOISE_BLOCK) {
      const y = await s.push(samples.subarray(i, Math.min(samples.length, i + DENOISE_BLOCK)));
      out.set(y, o);
      o += y.length;
    }
    out.set(await s.finish(), o);
    return out;
  }

  async dispose(): Promise<void> {
    if (this.lease) this.lease.release();
    else await this.session.release();
  }
}

/**
 * One 16 kHz stream through GTCRN. Coordinates: "padded" = the signal after 256 samples of front reflect padding;
 * frame t covers padded [256 t, 256 t + 512). Pushes are processed in order even when not awaited.
 */
export class GtcrnStream {
  private readonly fft = new Fft(GTCRN_FFT);
  private readonly window = sqrtHannWindow(GTCRN_FFT);
  private conv: ort.Tensor;
  private tra: ort.Tensor;
  private inter: ort.Tensor;
  /** Original samples held until the front padding can be built (needs 257). */
  private head: Float32Array | null = new Float32Array(0);
  /** Padded-signal samples not yet consumed; in[0] is padded index `inStart`. */
  private in = new Float32Array(0);
  private inStart = 0;
  /** Overlap-add accumulator and summed squared window; ola[0] is padded index `olaStart`. */
  private ola = new Float64Array(GTCRN_FFT);
  private env = new Float64Array(GTCRN_FFT);
  private olaStart = 0;
  private frames = 0;
  private received = 0;
  /** Next padded index to emit (output starts at padded index 256 = original sample 0). */
  private emitted = GTCRN_HOP;
  private queue: Promise<unknown> = Promise.resolve();
  private finished = false;
  private readonly re = new Float64Array(BINS);
  private readonly im = new Float64Array(BINS);
  private readonly frame = new Float64Array(GTCRN_FFT);
  private readonly mix = new Float32Array(BINS * 2);

  constructor(private readonly session: ort.InferenceSession) {
    this.conv = new ort.Tensor('float32', new Float32Array(size(CACHE_SHAPES.conv)), CACHE_SHAPES.conv);
    this.tra = new ort.Tensor('float32', new Float32Array(size(CACHE_SHAPES.tra)), CACHE_SHAPES.tra);
    this.inter = new ort.Tensor('float32', new Float32Array(size(CACHE_SHAPES.inter)), CACHE_SHAPES.inter);
  }

  /** Number of model calls so far. */
  get frameCount(): number {
    return this.frames;
  }

  push(chunk: Float32Array): Promise<Float32Array> {
    if (this.finished) return Promise.reject(new Error('GtcrnStream: push after finish'));
    const copy = chunk.slice();
    this.received += copy.length;
    return this.enqueue(() => this.process(copy, false));
  }

  /** End of audio: the end reflect padding is added, the last frames run, and the rest of the output returned. */
  finish(): Promise<Float32Array> {
    if (this.finished) return Promise.resolve(new Float32Array(0));
    this.finished = true;
    return this.enqueue(() => this.process(new Float32Array(0), true));
  }

  private enqueue(fn: () => Promise<Float32Array>): Promise<Float32Array> {
    const next = this.queue.then(fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private append(x: Float32Array): void {
    if (!x.length) return;
    const m = new Float32Array(this.in.length + x.length);
    m.set(this.in);
    m.set(x, this.in.length);
    this.in = m;
  }

  private async process(chunk: Float32Array, last: boolean): Promise<Float32Array> {
    const pad = GTCRN_HOP;
    const n = this.received;
    if (this.head) {
      const h = new Float32Array(this.head.length + chunk.length);
      h.set(this.head);
      h.set(chunk, this.head.length);
      if (h.length > pad) {
        // Front reflect padding: padded[pad-1-i] = x[i+1].
        const front = new Float32Array(pad);
        for (let i = 0; i < pad; i++) front[pad - 1 - i] = h[i + 1];
        this.append(front);
        this.append(h);
        this.head = null;
      } else if (last) {
        // Too short to reflect (under 16 ms): zero padding.
        this.append(new Float32Array(pad));
        this.append(h);
        this.head = null;
      } else {
        this.head = h;
        return new Float32Array(0);
      }
    } else {
      this.append(chunk);
    }
    let totalFrames = Infinity;
    if (last) {
      // Back reflect padding: padded[pad+n+i] = x[n-2-i], read from the still-held tail of the input.
      const back = new Float32Array(pad);
      const endIdx = pad + n - this.inStart; // index in `in` of original sample n (one past the end)
      for (let i = 0; i < pad; i++) {
        const j = endIdx - 2 - i;
        back[i] = n > pad && j >= 0 ? this.in[j] : 0;
      }
      this.append(back);
      totalFrames = 1 + Math.floor(n / GTCRN_HOP);
    }
    while (this.frames < totalFrames) {
      const start = this.frames * GTCRN_HOP;
      if (start + GTCRN_FFT > this.inStart + this.in.length) break;
      await this.runFrame(this.in.subarray(start - this.inStart, start - this.inStart + GTCRN_FFT), start);
      this.frames++;
    }
    // Keep the input the next frame needs, plus 257 samples for the back padding.
    const keepFrom = Math.max(this.inStart, Math.min(this.frames * GTCRN_HOP, this.inStart + this.in.length - pad - 1));
    if (keepFrom > this.inStart) {
      this.in = this.in.slice(keepFrom - this.inStart);
      this.inStart = keepFrom;
    }
    // Final up to the start of the next frame (or the end of the signal when finishing).
    const finalEnd = last ? pad + n : this.frames * GTCRN_HOP;
    return this.emit(finalEnd);
  }

  private emit(end: number): Float32Array {
    const count = Math.max(0, end - this.emitted);
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) {
      const k = this.emitted + i - this.olaStart;
      const e = this.env[k];
      out[i] = e > 1e-11 ? this.ola[k] / e : 0;
    }
    this.emitted += count;
    // Drop what was emitted.
    const drop = this.emitted - this.olaStart;
    if (drop > 0) {
      const ola = new Float64Array(Math.max(GTCRN_FFT, this.ola.length - drop));
      const env = new Float64Array(ola.length);
      ola.set(this.ola.subarray(drop));
      env.set(this.env.subarray(drop));
      this.ola = ola;
      this.env = env;
      this.olaStart = this.emitted;
    }
    return out;
  }

  private async runFrame(x: Float32Array, start: number): Promise<void> {
    const { window: w, frame, re, im, mix } = this;
    for (let i = 0; i < GTCRN_FFT; i++) frame[i] = x[i] * w[i];
    this.fft.rfft(frame, re, im);
    for (let k = 0; k < BINS; k++) {
      mix[2 * k] = re[k];
      mix[2 * k + 1] = im[k];
    }
    const out = await this.session.run({
      mix: new ort.Tensor('float32', mix, [1, BINS, 1, 2]),
      conv_cache: this.conv,
      tra_cache: this.tra,
      inter_cache: this.inter,
    });
    const enh = out.enh.data as Float32Array;
    this.conv.dispose?.();
    this.tra.dispose?.();
    this.inter.dispose?.();
    this.conv = out.conv_cache_out;
    this.tra = out.tra_cache_out;
    this.inter = out.inter_cache_out;
    for (let k = 0; k < BINS; k++) {
      re[k] = enh[2 * k];
      im[k] = enh[2 * k + 1];
    }
    out.enh.dispose?.();
    this.fft.irfft(re, im, frame);
    const off = start - this.olaStart;
    if (off + GTCRN_FFT > this.ola.length) {
      const ola = new Float64Array(off + GTCRN_FFT);
      const env = new Float64Array(off + GTCRN_FFT);
      ola.set(this.ola);
      env.set(this.env);
      this.ola = ola;
      this.env = env;
    }
    for (let i = 0; i < GTCRN_FFT; i++) {
      this.ola[off + i] += frame[i] * w[i];
      this.env[off + i] += w[i] * w[i];
    }
  }
}
