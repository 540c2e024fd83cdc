/**
 * Extracting the pinned files of a model pack from a `.tar.bz2` archive (sherpa-onnx publishes its models so), as a
 * stream: bzip2 (`bzip2.ts`) → tar headers → only the entries the pack's manifest names are written, each to the
 * manifest's own path (an entry's name is never used as a path, so no "tar-slip" can write outside the pack), each
 * checked against its pinned size before a byte is written and hashed while it is written. Reading stops as soon as
 * every wanted file is out; what is skipped before that is bounded (`MAX_SKIPPED_BYTES`), as are pax and GNU long-name
 * headers (`MAX_META_BYTES`). Formats: ustar, pax (`x`/`g` records: `path`, `size`), GNU long names (`L`), GNU
 * base-256 sizes.
 */
import { createHash } from 'node:crypto';
import { createReadStream, promises as fsp } from 'node:fs';
import { bunzip2, Bzip2Error } from './bzip2.js';
import { PackError } from './errors.js';
import { normaliseEntryName } from './zip.js';

/** Bytes of entries not wanted, read past before every wanted file is found (the archive's other files). */
export const MAX_SKIPPED_BYTES = 2 * 1024 ** 3;
/** Largest pax / GNU long-name header accepted. */
export const MAX_META_BYTES = 1024 * 1024;

export interface TarWanted {
  /** Absolute path to write (inside the staging folder; chosen by the caller from the manifest). */
  dest: string;
  /** Pinned size: an entry of another size is refused before anything is written. */
  bytes: number;
}

export interface TarExtractOptions {
  signal?: AbortSignal;
  /** Running count of bytes written to wanted files. */
  onBytes?: (n: number) => void;
  maxSkippedBytes?: number;
}

export interface TarExtracted {
  /** The archive entry's name. */
  entry: string;
  sha256: string;
  bytes: number;
}

/** Pulls exact byte counts out of an async chunk stream. */
class ByteQueue {
  private chunks: Uint8Array[] = [];
  private have = 0;
  private done = false;
  constructor(private readonly it: AsyncIterator<Uint8Array>) {}

  private async fill(n: number): Promise<boolean> {
    while (this.have < n && !this.done) {
      const r = await this.it.next();
      if (r.done) this.done = true;
      else if (r.value.length) {
        this.chunks.push(r.value);
        this.have += r.value.length;
      }
    }
    return this.have >= n;
  }

  /** Up to `max` bytes (at least 1 unless the stream ended), without copying when possible. */
  async some(max: number): Promise<Uint8Array | undefined> {
    if (!(await this.fill(1))) return undefined;
    const c = this.chunks[0];
    if (c.length <= max) {
      this.chunks.shift();
      this.have -= c.length;
      return c;
    }
    this.chunks[0] = c.subarray(max);
    this.have -= max;
    return c.subarray(0, max);
  }

  async exact(n: number): Promise<Uint8Array | undefined> {
    if (!(await this.fill(n))) return undefined;
    const out = new Uint8Array(n);
    let o = 0;
    while (o < n) {
      const part = (await this.some(n - o))!;
      out.set(part, o);
      o += part.length;
    }
    return out;
  }

  async skip(n: number): Promise<boolean> {
    let left = n;
    while (left > 0) {
      const part = await this.some(Math.min(left, 1 << 20));
      if (!part) return false;
      left -= part.length;
    }
    return true;
  }
}

const text = (b: Uint8Array) => {
  const z = b.indexOf(0);
  return new TextDecoder().decode(z < 0 ? b : b.subarray(0, z));
};

function octal(field: Uint8Array, what: string): number {
  if (field[0] & 0x80) {
    // GNU base-256: big-endian, the top bit of the first byte is the flag.
    let v = field[0] & 0x7f;
    for (let i = 1; i < field.length; i++) {
      v = v * 256 + field[i];
      if (v > Number.MAX_SAFE_INTEGER) throw bad(`the ${what} of an entry is too large`);
    }
    return v;
  }
  const s = text(field).trim();
  if (s === '') return 0;
  if (!/^[0-7]+$/.test(s)) throw bad(`an entry has an unreadable ${what} ("${s.slice(0, 20)}")`);
  return parseInt(s, 8);
}

function bad(detail: string): PackError {
  return new PackError('BAD_ARCHIVE', `The model pack archive is damaged or not a tar.bz2 archive: ${detail}.`);
}

function checksumOk(h: Uint8Array): boolean {
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : h[i];
  return octal(h.subarray(148, 156), 'header checksum') === sum;
}

/** pax records: "<len> <key>=<value>\n" … */
function parsePax(b: Uint8Array): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < b.length) {
    const sp = b.indexOf(0x20, i);
    if (sp < 0) break;
    const len = Number(new TextDecoder().decode(b.subarray(i, sp)));
    if (!Number.isInteger(len) || len <= 0 || i + len > b.length) throw bad('a pax header is malformed');
    const rec = new TextDecoder().decode(b.subarray(sp + 1, i + len - 1));
    const eq = rec.indexOf('=');
    if (eq > 0) out[rec.slice(0, eq)] = rec.slice(eq + 1);
    i += len;
  }
  return out;
}

/**
 * Extract the entries `pick` wants from `archive` (.tar.bz2). `pick(name)` gets each regular entry's normalised
 * name and returns where to write it, or undefined to skip it. Resolves once `wantedCount` files are written (or
 * the archive ends: the caller compares what it got with what it wanted). A partly written file is removed on error.
 */
export async function extractTarBz2(
  archive: string,
  pick: (name: string) => TarWanted | undefined,
  wantedCount: number,
  o: TarExtractOptions = {},
): Promise<Map<string, TarExtracted>> {
  const got = new Map<string, TarExtracted>();
  const file = createReadStream(archive, { highWaterMark: 1 << 20, signal: o.signal });
  const stream = bunzip2(file);
  const q = new ByteQueue(stream[Symbol.asyncIterator]());
  const maxSkipped = o.maxSkippedBytes ?? MAX_SKIPPED_BYTES;
  let skipped = 0;
  let written = 0;
  let longName: string | undefined;
  let pax: Record<string, string> = {};
  let globalPax: Record<string, string> = {};
  try {
    while (got.size < wantedCount) {
      if (o.signal?.aborted) throw new PackError('CANCELLED', 'The installation was cancelled.');
      const h = await q.exact(512);
      if (!h) throw bad('it ends in the middle of an entry header');
      if (h.every((x) => x === 0)) break; // end-of-archive marker
      if (!checksumOk(h)) throw bad('an entry header fails its checksum');
      const type = String.fromCharCode(h[156] || 0x30);
      let size = octal(h.subarray(124, 136), 'size');
      const magic = text(h.subarray(257, 263));
      const prefix = magic.startsWith('ustar') ? text(h.subarray(345, 500)) : '';
      let name =
        longName ??
        pax.path ??
        globalPax.path ??
        (prefix ? `${prefix}/${text(h.subarray(0, 100))}` : text(h.subarray(0, 100)));
      if (pax.size !== undefined) {
        if (!/^\d+$/.test(pax.size)) throw bad('a pax size is not a number');
        size = Number(pax.size);
      }
      const padded = Math.ceil(size / 512) * 512;
      if (type === 'x' || type === 'g' || type === 'L') {
        if (size > MAX_META_BYTES) throw bad(`an extended header is ${size} bytes (the limit is ${MAX_META_BYTES})`);
        const body = await q.exact(padded);
        if (!body) throw bad('it ends inside an extended header');
        if (type === 'L') longName = text(body.subarray(0, size));
        else if (type === 'x') pax = parsePax(body.subarray(0, size));
        else globalPax = parsePax(body.subarray(0, size));
        continue;
      }
      longName = undefined;
      pax = {};
      const regular = type === '0' || type === '7';
      const norm = normaliseEntryName(name);
      const want = regular && norm !== undefined ? pick(norm) : undefined;
      if (!want) {
        skipped += padded;
        if (skipped > maxSkipped)
          throw bad(`more than ${maxSkipped} bytes of files that are not part of the pack come before its files`);
        if (!(await q.skip(padded))) throw bad('it ends in the middle of an entry');
        continue;
      }
      name = norm!;
      if (size !== want.bytes)
        throw new PackError(
          'SIZE_MISMATCH',
          `The archive's ${name} is ${size} bytes but must be ${want.bytes} bytes: wrong archive or wrong version. Nothing was installed.`,
        );
      const fh = await fsp.open(want.dest, 'wx');
      const hash = createHash('sha256');
      let left = size;
      try {
        while (left > 0) {
          if (o.signal?.aborted) throw new PackError('CANCELLED', 'The installation was cancelled.');
          const part = await q.some(Math.min(left, 1 << 20));
          if (!part) throw bad(`it ends in the middle of ${name}`);
          hash.update(part);
          await fh.write(part);
          left -= part.length;
          written += part.length;
          o.onBytes?.(written);
        }
      } catch (err) {
        await fh.close().catch(() => undefined);
        await fsp.rm(want.dest, { force: true });
        throw err;
      }
      await fh.close();
      if (!(await q.skip(padded - size))) throw bad(`it ends after ${name}`);
      got.set(name, { entry: name, sha256: hash.digest('hex'), bytes: size });
    }
  } catch (err) {
    if (o.signal?.aborted) throw new PackError('CANCELLED', 'The installation was cancelled.');
    if (err instanceof Bzip2Error) throw bad(err.message);
    throw err;
  } finally {
    await stream.return(undefined).catch(() => undefined);
    file.destroy();
  }
  return got;
}
