/**
 * The music bed as a stream (issue #9): a bed is read block by block from its file and resampled to the mix rate
 * with a streaming Resampler that carries its filter state from block to block, so memory depends on the block
 * size, never on the bed's length (a 30-minute bed at 44.1 kHz is 80 M samples: 320 MB whole, plus its resampled
 * copy).
 *
 * A `BedReader` delivers samples of one pass through the bed at the mix rate, exactly those of
 * `resample(wholeBed, fromRate, toRate)` (the in-memory mix's bed): the Resampler's block output equals its
 * whole-array output. The mix loops the bed by reading [a, length) and then [0, b): going back restarts the pass
 * (a fresh Resampler, silence before the first sample), as the in-memory mix repeats the whole resampled array.
 */
import { Resampler, type ResamplerOptions } from './resample.js';

/** Mono samples of a bed at the mix rate, read forward. */
export interface BedReader {
  /** Samples in one pass at the mix rate. */
  readonly length: number;
  /**
   * Fill `out` with samples [from, from + out.length) of the pass (0 ≤ from, from + out.length ≤ length). Reads
   * that go forward continue where the last one ended; a read before it starts the pass again.
   */
  read(from: number, out: Float32Array): Promise<void>;
}

/** Mono frames of a bed at its own rate, read by position (a file, or an array in tests). */
export interface BedFrames {
  readonly frames: number;
  readonly sampleRate: number;
  /** Fill `out` with frames [from, from + out.length) (all within `frames`); positioned, so reads may repeat. */
  read(from: number, out: Float32Array): Promise<void>;
}

/** A bed held in memory (already at the mix rate). */
export function arrayBed(samples: Float32Array): BedReader {
  return {
    length: samples.length,
    read: (from, out) => {
      out.set(samples.subarray(from, from + out.length));
      return Promise.resolve();
    },
  };
}

/** The frames of an array (tests; short beds). */
export function arrayFrames(samples: Float32Array, sampleRate: number): BedFrames {
  return {
    frames: samples.length,
    sampleRate,
    read: (from, out) => {
      out.set(samples.subarray(from, from + out.length));
      return Promise.resolve();
    },
  };
}

/** Input frames read at a time (256 KiB of float32). */
export const BED_BLOCK_FRAMES = 65536;

/** Length of `frames` at `fromRate` resampled to `toRate` (what resample() returns). */
export function resampledLength(frames: number, fromRate: number, toRate: number): number {
  return fromRate === toRate ? frames : Math.ceil((frames * toRate) / fromRate);
}

/**
 * `src` at `rate`, resampled block by block. Holds one input block, the Resampler's kernel-length history and the
 * outputs of one block not yet read.
 */
export class ResampledBed implements BedReader {
  readonly length: number;
  private readonly block: number;
  private resampler!: Resampler;
  /** Next input frame to read. */
  private inPos = 0;
  private flushed = false;
  /** Resampled samples not yet delivered; pending[pendingAt] is output sample `outPos`. */
  private pending: Float32Array = new Float32Array(0);
  private pendingAt = 0;
  private outPos = 0;
  private readonly input: Float32Array;
  private readonly resamplerOptions?: ResamplerOptions;

  constructor(
    private readonly src: BedFrames,
    private readonly rate: number,
    opts: { blockFrames?: number; resampler?: ResamplerOptions } = {},
  ) {
    this.length = resampledLength(src.frames, src.sampleRate, rate);
    this.block = Math.max(1, opts.blockFrames ?? BED_BLOCK_FRAMES);
    this.input = new Float32Array(Math.min(this.block, Math.max(1, src.frames)));
    this.resamplerOptions = opts.resampler;
    this.restart();
  }

  private restart(): void {
    this.resampler = new Resampler(this.src.sampleRate, this.rate, this.resamplerOptions);
    this.inPos = 0;
    this.flushed = false;
    this.pending = new Float32Array(0);
    this.pendingAt = 0;
    this.outPos = 0;
  }

  /** Resample the next input block (or the tail after the last one) into `pending`. */
  private async more(): Promise<void> {
    if (this.inPos < this.src.frames) {
      const n = Math.min(this.block, this.src.frames - this.inPos);
      const chunk = this.input.subarray(0, n);
      await this.src.read(this.inPos, chunk);
      this.inPos += n;
      this.pending = this.resampler.push(chunk);
    } else if (!this.flushed) {
      this.flushed = true;
      this.pending = this.resampler.flush();
    } else {
      throw new RangeError(`Music bed: read past its end (${this.outPos} of ${this.length} samples)`);
    }
    this.pendingAt = 0;
  }

  async read(from: number, out: Float32Array): Promise<void> {
    if (from < 0 || from + out.length > this.length)
      throw new RangeError(`Music bed: samples ${from}–${from + out.length} requested of ${this.length}`);
    if (from < this.outPos) this.restart();
    let filled = 0;
    while (filled < out.length) {
      const avail = this.pending.length - this.pendingAt;
      if (avail === 0) {
        await this.more();
        continue;
      }
      // Skip up to `from` (a forward jump), then copy.
      if (this.outPos < from) {
        const skip = Math.min(avail, from - this.outPos);
        this.pendingAt += skip;
        this.outPos += skip;
        continue;
      }
      const n = Math.min(avail, out.length - filled);
      out.set(this.pending.subarray(this.pendingAt, this.pendingAt + n), filled);
      this.pendingAt += n;
      this.outPos += n;
      filled += n;
    }
  }
}
