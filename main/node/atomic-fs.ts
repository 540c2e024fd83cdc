import {
  promises as fsp,
  constants as fsc,
  closeSync,
  fsyncSync,
  ftruncateSync,
  openSync,
  readdirSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { checkOutputTarget } from '../../native-models/common/safe-fs.js';
import { wavHeader } from '../../native-models/audio/wav.js';

const TMP_SUFFIX = '.tmp-timbre';

/**
 * Write a file so that readers see either the old content or the whole new content, never a part:
 * write a temp file in the same folder, fsync it, rename it over the target, fsync the folder.
 * On any failure (a full disk included) the temp file is removed and the target is untouched.
 * A target that exists and is not a regular file (a device such as /dev/full, a named pipe, a folder, or a symbolic
 * link to one) is refused before anything is written: the rename would replace it. A symbolic link to a regular file
 * is followed, so the link stays and the file it points to gets the new content.
 */
export async function writeFileAtomic(given: string, data: Uint8Array | string): Promise<void> {
  const target = await checkOutputTarget(given);
  const dir = path.dirname(target);
  await fsp.mkdir(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(target)}.${randomBytes(6).toString('hex')}${TMP_SUFFIX}`);
  let fh: fsp.FileHandle | undefined;
  try {
    fh = await fsp.open(tmp, fsc.O_CREAT | fsc.O_EXCL | fsc.O_WRONLY, 0o600);
    await fh.writeFile(data);
    await fh.sync();
    await fh.close();
    fh = undefined;
    await fsp.rename(tmp, target);
  } catch (err) {
    await fh?.close().catch(() => undefined);
    await fsp.rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
  await fsyncDir(dir);
}

/**
 * writeFileAtomic for content produced in pieces (too long to hold): `write` appends to a temp file in the target's
 * folder; `commit` fsyncs it, renames it over the target and fsyncs the folder; `abort` (or any failed write or commit)
 * removes the temp file and leaves the target untouched.
 */
export interface AtomicWriter {
  write(data: Uint8Array): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

export async function openAtomicWriter(given: string): Promise<AtomicWriter> {
  const target = await checkOutputTarget(given);
  const dir = path.dirname(target);
  await fsp.mkdir(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(target)}.${randomBytes(6).toString('hex')}${TMP_SUFFIX}`);
  let fh: fsp.FileHandle | undefined = await fsp.open(tmp, fsc.O_CREAT | fsc.O_EXCL | fsc.O_WRONLY, 0o600);
  const abort = async () => {
    await fh?.close().catch(() => undefined);
    fh = undefined;
    await fsp.rm(tmp, { force: true }).catch(() => undefined);
  };
  return {
    async write(data) {
      if (!fh) throw new Error('AtomicWriter: write after commit or abort');
      try {
        await fh.write(data);
      } catch (err) {
        await abort();
        throw err;
      }
    },
    async commit() {
      if (!fh) throw new Error('AtomicWriter: commit after commit or abort');
      try {
        await fh.sync();
        await fh.close();
        fh = undefined;
        await fsp.rename(tmp, target);
      } catch (err) {
        await abort();
        throw err;
      }
      await fsyncDir(dir);
    },
    abort,
  };
}

async function fsyncDir(dir: string): Promise<void> {
  // Directory fsync makes the rename durable; not supported on Windows, where rename is already journaled.
  if (process.platform === 'win32') return;
  const d = await fsp.open(dir, 'r');
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}

/** Remove temp files left behind by a process that died mid-write. Returns the removed paths. */
export function sweepTempFiles(dir: string): string[] {
  const removed: string[] = [];
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return removed;
  }
  for (const name of entries) {
    const p = path.join(dir, name);
    if (name.endsWith(TMP_SUFFIX)) {
      rmSync(p, { force: true, recursive: true }); // exportStems stages in a temp folder
      removed.push(p);
    } else if (statSync(p, { throwIfNoEntry: false })?.isDirectory()) {
      removed.push(...sweepTempFiles(p));
    }
  }
  return removed;
}

/**
 * A 16-bit mono WAV written as it arrives (a microphone take), atomically: samples go to a temp file next to the
 * target, nothing is held in memory, and commit() patches the header, fsyncs and renames. The header's sizes are
 * patched in place, so commit() needs no new disk blocks: a take cut short by a full disk can still be kept.
 * abort() removes the temp file. Writes are synchronous (a 50 ms block is a few KB) so a failure (ENOSPC) is seen by
 * the caller of write() at once.
 */
export class AtomicWavWriter {
  /** Bytes of sample data on disk (a write cut short by a full disk may end mid-frame). */
  private rawBytes = 0;
  private closed = false;

  private constructor(
    readonly target: string,
    private readonly tmp: string,
    private readonly fd: number,
    readonly sampleRate: number,
  ) {}

  /** The most 16-bit mono samples one WAV file can hold (its sizes are 32-bit). */
  static readonly MAX_FRAMES = Math.floor((0xffffffff - 36) / 2);

  static async open(given: string, sampleRate: number): Promise<AtomicWavWriter> {
    const target = await checkOutputTarget(given);
    const dir = path.dirname(target);
    await fsp.mkdir(dir, { recursive: true });
    const tmp = path.join(dir, `.${path.basename(target)}.${randomBytes(6).toString('hex')}${TMP_SUFFIX}`);
    const fd = openSync(tmp, fsc.O_CREAT | fsc.O_EXCL | fsc.O_WRONLY, 0o600);
    const w = new AtomicWavWriter(target, tmp, fd, sampleRate);
    try {
      w.writeAll(wavHeader(0, sampleRate), 0);
    } catch (err) {
      w.abort();
      throw err;
    }
    return w;
  }

  /** Bytes of whole frames on disk. */
  private get dataBytes(): number {
    return this.rawBytes - (this.rawBytes % 2);
  }

  /** Seconds of audio on disk. */
  get seconds(): number {
    return this.dataBytes / 2 / this.sampleRate;
  }

  /**
   * Append samples. Throws on a write error (ENOSPC: the disk is full); the frames that did reach the disk stay
   * counted, so commit() can still keep them.
   */
  write(samples: Int16Array): void {
    if (this.closed) throw new Error('AtomicWavWriter: already closed');
    const room = AtomicWavWriter.MAX_FRAMES - this.dataBytes / 2;
    const n = Math.min(samples.length, room);
    if (n <= 0) return;
    const bytes = Buffer.from(samples.buffer, samples.byteOffset, n * 2);
    this.writeAll(bytes, 44 + this.rawBytes, (written) => {
      this.rawBytes += written;
    });
  }

  /** Patch the header, fsync, rename over the target. On failure the temp file is removed and the error thrown. */
  async commit(): Promise<string> {
    if (this.closed) throw new Error('AtomicWavWriter: already closed');
    try {
      ftruncateSync(this.fd, 44 + this.dataBytes);
      this.writeAll(wavHeader(this.dataBytes / 2, this.sampleRate), 0);
      fsyncSync(this.fd);
      closeSync(this.fd);
      this.closed = true;
      await fsp.rename(this.tmp, this.target);
    } catch (err) {
      this.abort();
      throw err;
    }
    await fsyncDir(path.dirname(this.target));
    return this.target;
  }

  /** Drop the take: close and remove the temp file. Safe to call more than once. */
  abort(): void {
    if (!this.closed) {
      this.closed = true;
      try {
        closeSync(this.fd);
      } catch {
        /* already closed */
      }
    }
    rmSync(this.tmp, { force: true });
  }

  private writeAll(buf: Buffer, position: number, onWritten?: (n: number) => void): void {
    let off = 0;
    while (off < buf.length) {
      const n = writeSync(this.fd, buf, off, buf.length - off, position + off);
      off += n;
      onWritten?.(n);
    }
  }
}
