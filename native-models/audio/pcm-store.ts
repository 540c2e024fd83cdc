/**
 * Mono float PCM that may be longer than memory should hold: sources read in blocks (any number of passes), writers
 * that append blocks, and stores that decide where written audio lives (in memory for short audio, in temporary files
 * on disk for long audio). Used by the streaming voice clean-up (../enhance/cleanup.ts) and by staging.
 *
 * Temporary files hold voice audio, so they are never plain: each is encrypted with AES-256-CTR under a random key
 * that exists only in this process's memory (a file left behind by a crash is noise to anyone, the process included),
 * created 0600 with O_EXCL, and removed by `dispose()`.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { closeSync, constants as fsc, openSync, readSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';

/** Samples per block read or written by the streaming passes (256 KiB of float32). */
export const PCM_BLOCK = 1 << 16;

/** Mono float PCM that can be read in blocks, from any position, as often as needed. */
export interface PcmSource {
  readonly sampleRate: number;
  /** Frames. */
  readonly length: number;
  /** The samples of [from, to) in order, at most `block` at a time. A block may be reused once the next is asked for. */
  blocks(from?: number, to?: number, block?: number): AsyncIterable<Float32Array>;
}

export interface PcmWriter {
  /** Frames written so far. */
  readonly length: number;
  write(x: Float32Array): void;
  /** The written audio as a source (the writer cannot be written to afterwards). */
  finish(): PcmSource;
}

/** Where intermediate and result audio is kept. `dispose()` frees everything it made (idempotent). */
export interface PcmStore {
  create(sampleRate: number): PcmWriter;
  dispose(): void;
}

/** Audio in memory as a source (no copy). */
export function arraySource(samples: Float32Array, sampleRate: number): PcmSource {
  return {
    sampleRate,
    length: samples.length,
    async *blocks(from = 0, to = samples.length, block = PCM_BLOCK) {
      for (let o = Math.max(0, from); o < Math.min(to, samples.length); o += block)
        yield samples.subarray(o, Math.min(to, samples.length, o + block));
    },
  };
}

/** [from, to) of a source, as a source of its own (frame 0 is `from`). */
export function rangeSource(src: PcmSource, from: number, to: number): PcmSource {
  const a = Math.max(0, Math.min(src.length, from));
  const b = Math.max(a, Math.min(src.length, to));
  return {
    sampleRate: src.sampleRate,
    length: b - a,
    blocks: (f = 0, t = b - a, block = PCM_BLOCK) => src.blocks(a + Math.max(0, f), a + Math.min(t, b - a), block),
  };
}

/** A source with `fn` applied to every sample as it is read (the result is stored as float32, like an array). */
export function mapSource(src: PcmSource, fn: (v: number) => number): PcmSource {
  return {
    sampleRate: src.sampleRate,
    length: src.length,
    async *blocks(from, to, block) {
      for await (const x of src.blocks(from, to, block)) {
        const y = new Float32Array(x.length);
        for (let i = 0; i < x.length; i++) y[i] = fn(x[i]);
        yield y;
      }
    },
  };
}

/** All of a source in one array (for short audio and tests). */
export async function readAll(src: PcmSource): Promise<Float32Array> {
  const out = new Float32Array(src.length);
  let o = 0;
  for await (const x of src.blocks()) {
    out.set(x, o);
    o += x.length;
  }
  return out;
}

/**
 * Pulls exactly the number of samples asked for from a stream of blocks passed through `stages` (resamplers and the
 * like: push/flush), zero-padded after the end: lets several streams at different rates be read in lock-step.
 */
export class BlockPull {
  private readonly it: AsyncIterator<Float32Array>;
  private buf = new Float32Array(0);
  private done = false;

  constructor(
    blocks: AsyncIterable<Float32Array>,
    private readonly stages: { push(x: Float32Array): Float32Array; flush(): Float32Array }[] = [],
  ) {
    this.it = blocks[Symbol.asyncIterator]();
  }

  private through(x: Float32Array, from: number): Float32Array {
    let y = x;
    for (let s = from; s < this.stages.length; s++) y = this.stages[s].push(y);
    return y;
  }

  private flushAll(): Float32Array {
    const parts: Float32Array[] = [];
    for (let s = 0; s < this.stages.length; s++) parts.push(this.through(this.stages[s].flush(), s + 1));
    return concatF32(parts);
  }

  private append(x: Float32Array): void {
    if (!x.length) return;
    const m = new Float32Array(this.buf.length + x.length);
    m.set(this.buf);
    m.set(x, this.buf.length);
    this.buf = m;
  }

  async take(n: number): Promise<Float32Array> {
    while (this.buf.length < n && !this.done) {
      const r = await this.it.next();
      if (r.done) {
        this.done = true;
        this.append(this.flushAll());
      } else this.append(this.through(r.value, 0));
    }
    const out = new Float32Array(n);
    out.set(this.buf.subarray(0, Math.min(n, this.buf.length)));
    this.buf = this.buf.slice(Math.min(n, this.buf.length));
    return out;
  }

  /** Stop reading early (closes the underlying iterator). */
  async close(): Promise<void> {
    if (!this.done) await this.it.return?.();
    this.done = true;
  }
}

export function concatF32(parts: Float32Array[]): Float32Array {
  if (parts.length === 1) return parts[0];
  const out = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// In memory

class MemoryWriter implements PcmWriter {
  private buf = new Float32Array(4096);
  length = 0;
  private finished = false;
  constructor(readonly sampleRate: number) {}
  write(x: Float32Array): void {
    if (this.finished) throw new Error('PcmWriter: write after finish');
    if (this.length + x.length > this.buf.length) {
      const nb = new Float32Array(Math.max(this.length + x.length, 2 * this.buf.length));
      nb.set(this.buf.subarray(0, this.length));
      this.buf = nb;
    }
    this.buf.set(x, this.length);
    this.length += x.length;
  }
  contents(): Float32Array {
    return this.buf.subarray(0, this.length);
  }
  finish(): PcmSource {
    this.finished = true;
    return arraySource(this.contents(), this.sampleRate);
  }
}

/** Everything in memory: for short audio (a few minutes at most) and tests. */
export function memoryStore(): PcmStore {
  return { create: (rate) => new MemoryWriter(rate), dispose: () => undefined };
}

// ---------------------------------------------------------------------------------------------------------------
// Encrypted temporary files

/** The AES-CTR counter block for byte offset 16·k: the initial counter plus k (128-bit, big-endian). */
function counterAt(iv: Buffer, k: number): Buffer {
  const out = Buffer.from(iv);
  let carry = BigInt(k);
  for (let i = 15; i >= 0 && carry > 0n; i--) {
    const v = BigInt(out[i]) + (carry & 0xffn);
    out[i] = Number(v & 0xffn);
    carry = (carry >> 8n) + (v >> 8n);
  }
  return out;
}

/** Prefix of every temporary PCM file (the staging sweep recognises it). */
export const TEMP_PCM_PREFIX = 'timbre-pcm-';
export const TEMP_PCM_SUFFIX = '.tmp';

class TempPcmWriter implements PcmWriter {
  private readonly key = randomBytes(32);
  private readonly iv = randomBytes(16);
  private readonly cipher;
  private fd: number;
  length = 0;
  private finished = false;

  constructor(
    readonly file: string,
    readonly sampleRate: number,
  ) {
    this.fd = openSync(file, fsc.O_CREAT | fsc.O_EXCL | fsc.O_WRONLY, 0o600);
    this.cipher = createCipheriv('aes-256-ctr', this.key, this.iv);
  }

  write(x: Float32Array): void {
    if (this.finished) throw new Error('PcmWriter: write after finish');
    if (!x.length) return;
    const plain = Buffer.from(x.buffer, x.byteOffset, x.byteLength);
    const enc = this.cipher.update(plain);
    for (let o = 0; o < enc.length;) o += writeSync(this.fd, enc, o, enc.length - o);
    this.length += x.length;
  }

  finish(): PcmSource {
    this.finished = true;
    closeSync(this.fd);
    this.fd = -1;
    const { file, key, iv, length, sampleRate } = this;
    return {
      sampleRate,
      length,
      async *blocks(from = 0, to = length, block = PCM_BLOCK) {
        const a = Math.max(0, from);
        const b = Math.min(to, length);
        if (a >= b) return;
        const fd = openSync(file, 'r');
        try {
          // CTR is seekable: start at the 16-byte block holding sample `a` (4 samples per block).
          const first = Math.floor(a / 4);
          const decipher = createDecipheriv('aes-256-ctr', key, counterAt(iv, first));
          let skip = a - first * 4;
          let pos = first * 16;
          const end = b * 4;
          const raw = Buffer.alloc(Math.min(end - pos, (block + 4) * 4));
          while (pos < end) {
            const want = Math.min(raw.length, end - pos, (block + skip) * 4);
            // Whole requests (a short read would split a sample).
            let got = 0;
            while (got < want) {
              const n = readSync(fd, raw, got, want - got, pos + got);
              if (n <= 0) throw new Error(`temporary audio ${path.basename(file)} is shorter than written`);
              got += n;
            }
            pos += got;
            const plain = decipher.update(raw.subarray(0, got));
            const usable = plain.length - (plain.length % 4);
            // Copy into an aligned array (the decipher's buffer has no alignment guarantee).
            const bytes = plain.subarray(skip * 4, usable);
            const x = new Float32Array(bytes.length / 4);
            new Uint8Array(x.buffer).set(bytes);
            skip = 0;
            if (usable !== plain.length) throw new Error('temporary audio read out of alignment');
            if (x.length) yield x;
          }
        } finally {
          closeSync(fd);
        }
      },
    };
  }

  abort(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    this.finished = true;
  }
}

/**
 * Intermediate audio in encrypted temporary files in `dir` (created 0600; removed by `dispose()`). Audio shorter than
 * `memoryFrames` stays in memory instead.
 */
export function tempFileStore(dir: string, opts: { memoryFrames?: number } = {}): PcmStore {
  const writers: TempPcmWriter[] = [];
  const memoryFrames = opts.memoryFrames ?? 0;
  let disposed = false;
  return {
    create(rate) {
      if (disposed) throw new Error('PcmStore: used after dispose');
      // A spill-over writer: memory until `memoryFrames`, then a temporary file with what came so far.
      let mem: MemoryWriter | null = memoryFrames > 0 ? new MemoryWriter(rate) : null;
      let disk: TempPcmWriter | null = null;
      const toDisk = () => {
        const w = new TempPcmWriter(
          path.join(dir, `${TEMP_PCM_PREFIX}${randomBytes(8).toString('hex')}${TEMP_PCM_SUFFIX}`),
          rate,
        );
        writers.push(w);
        return w;
      };
      if (!mem) disk = toDisk();
      return {
        get length() {
          return mem ? mem.length : disk!.length;
        },
        write(x: Float32Array) {
          if (mem && mem.length + x.length > memoryFrames) {
            disk = toDisk();
            disk.write(mem.contents());
            mem = null;
          }
          if (mem) mem.write(x);
          else disk!.write(x);
        },
        finish() {
          return mem ? mem.finish() : disk!.finish();
        },
      };
    },
    dispose() {
      disposed = true;
      for (const w of writers.splice(0)) {
        w.abort();
        rmSync(w.file, { force: true });
      }
    },
  };
}
