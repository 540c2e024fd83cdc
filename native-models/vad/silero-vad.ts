/**
 * Silero VAD v6 on onnxruntime-node: streaming speech probability per window and speech segments.
 *
 * Contract (checked on load): `input` float32 [batch, context + window], `state` float32 [2, batch, 128], `sr` int64
 * scalar → `output` float32 [batch, 1], `stateN` float32 [2, batch, 128]. The model runs at 16 kHz (512-sample
 * windows) or 8 kHz (256); like the reference OnnxWrapper, each window is preceded by the last 64 (16 kHz) or 32
 * (8 kHz) samples of the previous one (zeros at the start) and the state is fed back. Any other input rate is
 * resampled to 16 kHz with the band-limited resampler.
 */
import { Resampler } from '../dsp/resample.js';
import type { SessionCache, SessionLease } from '../onnx/session-cache.js';
import {
  assertSignature,
  createSessionWithFallback,
  ort,
  type GraphSignature,
  type SessionOptions,
} from '../onnx/session.js';
import {
  SpeechSegmenter,
  padSegments,
  resolveSegmentOptions,
  type SegmentEvent,
  type SegmentOptions,
  type SpeechSegment,
} from './segments.js';

export const SILERO_VAD_SIGNATURE: GraphSignature = {
  inputs: [
    { name: 'input', type: 'float32', rank: 2 },
    { name: 'state', type: 'float32', rank: 3 },
    { name: 'sr', type: 'int64', rank: 0 },
  ],
  outputs: [
    { name: 'output', type: 'float32', rank: 2 },
    { name: 'stateN', type: 'float32', rank: 3 },
  ],
};

const STATE_SIZE = 2 * 1 * 128;

export interface VadFrame {
  /** Start of the window, seconds from the start of the stream. */
  time: number;
  /** Speech probability in [0, 1]. */
  probability: number;
}

export interface VadUpdate {
  frames: VadFrame[];
  events: SegmentEvent[];
}

export interface VadResult {
  /** One probability per window. */
  probabilities: Float32Array;
  /** Window length in seconds (0.032). */
  windowSeconds: number;
  /** Rate the model ran at (8000 or 16000). */
  modelRate: number;
  segments: SpeechSegment[];
}

export interface SileroVadLoadOptions {
  /** Session options (providers, threads). Default: CPU, 1 intra-op thread (the graph is tiny). */
  session?: SessionOptions;
  /** Share sessions through a cache (the VAD releases its lease on dispose). */
  cache?: SessionCache;
}

export function modelRateFor(sampleRate: number): 8000 | 16000 {
  return sampleRate === 8000 ? 8000 : 16000;
}

export class SileroVad {
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly provider: string,
    readonly notice: string | undefined,
    private readonly lease?: SessionLease,
  ) {}

  static async load(modelPath: string, opts: SileroVadLoadOptions = {}): Promise<SileroVad> {
    const so: SessionOptions = { intraOpThreads: 1, interOpThreads: 1, ...opts.session };
    if (opts.cache) {
      const lease = await opts.cache.acquire(modelPath, so);
      try {
        assertSignature(lease.session, SILERO_VAD_SIGNATURE, 'silero_vad.onnx');
      } catch (err) {
        lease.release();
        throw err;
      }
      return new SileroVad(lease.session, lease.provider, lease.notice, lease);
    }
    const { session, provider, notice } = await createSessionWithFallback(modelPath, so);
    try {
      assertSignature(session, SILERO_VAD_SIGNATURE, 'silero_vad.onnx');
    } catch (err) {
      await session.release();
      throw err;
    }
    return new SileroVad(session, provider, notice);
  }

  /** A stream for audio at `sampleRate` (any rate; 8 and 16 kHz run natively). */
  createStream(sampleRate: number, segmentOptions: SegmentOptions = {}): VadStream {
    return new VadStream(this.session, sampleRate, segmentOptions);
  }

  /** Probabilities and segments for a whole buffer of mono audio. */
  async detect(samples: Float32Array, sampleRate: number, segmentOptions: SegmentOptions = {}): Promise<VadResult> {
    return this.detectBlocks([samples], sampleRate, segmentOptions);
  }

  /**
   * The same as `detect` for audio that arrives in blocks (an hour of audio never needs to be in memory): only the
   * probabilities (4 bytes per 32 ms window) and the segments are kept.
   */
  async detectBlocks(
    blocks: Iterable<Float32Array> | AsyncIterable<Float32Array>,
    sampleRate: number,
    segmentOptions: SegmentOptions = {},
  ): Promise<VadResult> {
    const stream = this.createStream(sampleRate, segmentOptions);
    let probs = new Float32Array(1024);
    let count = 0;
    let inputSamples = 0;
    const collect = (u: VadUpdate) => {
      for (const f of u.frames) {
        if (count === probs.length) {
          const p = new Float32Array(2 * probs.length);
          p.set(probs);
          probs = p;
        }
        probs[count++] = f.probability;
      }
    };
    for await (const b of blocks) {
      inputSamples += b.length;
      collect(await stream.push(b));
    }
    collect(await stream.finish());
    const modelRate = stream.modelRate;
    const segments = padSegments(
      stream.rawSegments(),
      resolveSegmentOptions(segmentOptions, modelRate).pad,
      stream.modelSamples,
      modelRate,
    );
    // Resampling rounds the model-rate length up: never report past the end of the input.
    const duration = inputSamples / sampleRate;
    for (const s of segments) s.end = Math.min(s.end, duration);
    return { probabilities: probs.slice(0, count), windowSeconds: stream.window / modelRate, modelRate, segments };
  }

  async dispose(): Promise<void> {
    if (this.lease) this.lease.release();
    else await this.session.release();
  }
}

/**
 * One audio stream through the model: push chunks of any length, get a probability per completed window and
 * segment events. Pushes are processed in order even when not awaited.
 */
export class VadStream {
  readonly modelRate: 8000 | 16000;
  readonly window: number;
  private readonly contextSize: number;
  private readonly resampler?: Resampler;
  private readonly segmenter: SpeechSegmenter;
  private readonly srTensor: ort.Tensor;
  private readonly input: Float32Array;
  private state: Float32Array = new Float32Array(STATE_SIZE);
  /** Model-rate samples not yet forming a whole window. */
  private pending: Float32Array = new Float32Array(0);
  private windows = 0;
  /** Model-rate samples received so far. */
  modelSamples = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private finished = false;

  constructor(
    private readonly session: ort.InferenceSession,
    readonly sampleRate: number,
    segmentOptions: SegmentOptions = {},
  ) {
    this.modelRate = modelRateFor(sampleRate);
    this.window = this.modelRate === 16000 ? 512 : 256;
    this.contextSize = this.modelRate === 16000 ? 64 : 32;
    if (sampleRate !== this.modelRate) this.resampler = new Resampler(sampleRate, this.modelRate);
    this.segmenter = new SpeechSegmenter(this.modelRate, this.window, segmentOptions);
    this.srTensor = new ort.Tensor('int64', BigInt64Array.from([BigInt(this.modelRate)]), []);
    // [context | window]; the context starts as zeros.
    this.input = new Float32Array(this.contextSize + this.window);
  }

  push(chunk: Float32Array): Promise<VadUpdate> {
    if (this.finished) return Promise.reject(new Error('VadStream: push after finish'));
    const samples = this.resampler ? this.resampler.push(chunk) : chunk;
    return this.enqueue(() => this.process(samples, false));
  }

  /** End of audio: the last partial window is zero-padded and run, and an open segment is closed. */
  finish(): Promise<VadUpdate> {
    if (this.finished) return Promise.resolve({ frames: [], events: [] });
    this.finished = true;
    const tail = this.resampler ? this.resampler.flush() : new Float32Array(0);
    return this.enqueue(() => this.process(tail, true));
  }

  /** Unpadded segments so far, in model-rate samples. */
  rawSegments(): readonly { start: number; end: number }[] {
    return this.segmenter.raw;
  }

  private enqueue(fn: () => Promise<VadUpdate>): Promise<VadUpdate> {
    const next = this.queue.then(fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async process(samples: Float32Array, last: boolean): Promise<VadUpdate> {
    this.modelSamples += samples.length;
    let data = samples;
    if (this.pending.length) {
      data = new Float32Array(this.pending.length + samples.length);
      data.set(this.pending);
      data.set(samples, this.pending.length);
    }
    const update: VadUpdate = { frames: [], events: [] };
    let off = 0;
    for (; off + this.window <= data.length; off += this.window)
      await this.runWindow(data.subarray(off, off + this.window), update);
    this.pending = data.slice(off);
    if (last) {
      if (this.pending.length) {
        const padded = new Float32Array(this.window);
        padded.set(this.pending);
        this.pending = new Float32Array(0);
        await this.runWindow(padded, update);
      }
      update.events.push(...this.segmenter.finish(this.modelSamples));
    }
    return update;
  }

  private async runWindow(win: Float32Array, update: VadUpdate): Promise<void> {
    const x = this.input;
    x.set(win, this.contextSize);
    const feeds = {
      input: new ort.Tensor('float32', x, [1, x.length]),
      state: new ort.Tensor('float32', this.state, [2, 1, 128]),
      sr: this.srTensor,
    };
    const out = await this.session.run(feeds);
    const prob = (out.output.data as Float32Array)[0];
    this.state = Float32Array.from(out.stateN.data as Float32Array);
    for (const t of Object.values(out)) t.dispose?.();
    // The next context is the tail of this window.
    x.copyWithin(0, x.length - this.contextSize);
    const time = (this.windows * this.window) / this.modelRate;
    this.windows++;
    update.frames.push({ time, probability: prob });
    update.events.push(...this.segmenter.push(prob));
  }
}
