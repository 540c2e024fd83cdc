/**
 * Reading model packs out of .zip archives with yauzl (central directory, zip64, size validation). Every entry name is
 * checked before anything is written: an absolute path or a `..` segment (zip-slip) refuses the whole archive.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import { isSafeRelativePath } from '../catalog/schema.js';
import { PackError } from './errors.js';

export interface ZipEntryInfo {
  /** Normalised name (POSIX, no leading `./`). */
  name: string;
  uncompressedSize: number;
  isDirectory: boolean;
  entry: yauzl.Entry;
}

function unsafe(zipPath: string, name: string): PackError {
  return new PackError(
    'UNSAFE_ARCHIVE',
    `Refusing to import ${zipPath}: its entry "${name}" would be written outside the pack folder (absolute paths and ".." are not allowed in model pack archives). Nothing was installed.`,
  );
}

/** Strip `./` segments; return undefined for names that are unsafe. */
export function normaliseEntryName(name: string): string | undefined {
  const trimmed = name.replace(/\/+$/, '');
  if (trimmed === '') return undefined;
  const parts = trimmed.split('/').filter((s) => s !== '.');
  const joined = parts.join('/');
  return isSafeRelativePath(joined) ? joined : undefined;
}

export class ZipReader {
  private constructor(
    readonly path: string,
    private readonly zip: yauzl.ZipFile,
    readonly entries: ZipEntryInfo[],
  ) {}

  /** Open and list every entry; throws UNSAFE_ARCHIVE for zip-slip names, BAD_ARCHIVE for unreadable archives. */
  static async open(zipPath: string): Promise<ZipReader> {
    const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
      yauzl.open(zipPath, { lazyEntries: true, autoClose: false }, (err, z) => (err ? reject(err) : resolve(z))),
    ).catch((err: Error) => {
      throw new PackError('BAD_ARCHIVE', `${zipPath} is not a readable zip archive: ${err.message}`);
    });
    const entries: ZipEntryInfo[] = [];
    try {
      await new Promise<void>((resolve, reject) => {
        zip.on('entry', (entry: yauzl.Entry) => {
          const raw = entry.fileName;
          const isDirectory = raw.endsWith('/');
          const name = normaliseEntryName(raw);
          if (name === undefined && !(isDirectory && /^(\.\/)*$/.test(raw))) return reject(unsafe(zipPath, raw));
          if (name !== undefined) entries.push({ name, uncompressedSize: entry.uncompressedSize, isDirectory, entry });
          zip.readEntry();
        });
        zip.on('end', () => resolve());
        zip.on('error', (err: Error) => {
          // yauzl validates names itself and reports "invalid relative path: ../x" or "absolute path: /x".
          const m = /^(?:invalid relative path|absolute path): (.*)$/.exec(err.message);
          reject(m ? unsafe(zipPath, m[1]) : new PackError('BAD_ARCHIVE', `${zipPath}: ${err.message}`));
        });
        zip.readEntry();
      });
    } catch (err) {
      zip.close();
      throw err;
    }
    return new ZipReader(zipPath, zip, entries);
  }

  /** Extract one entry to `dest`, returning its sha256 and size; `onBytes` gets the running byte count. */
  async extract(
    info: ZipEntryInfo,
    dest: string,
    onBytes?: (n: number) => void,
    signal?: AbortSignal,
  ): Promise<{ sha256: string; bytes: number }> {
    const stream = await new Promise<NodeJS.ReadableStream>((resolve, reject) =>
      this.zip.openReadStream(info.entry, (err, s) => (err ? reject(err) : resolve(s))),
    );
    const h = createHash('sha256');
    let n = 0;
    const tap = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        h.update(chunk);
        n += chunk.length;
        onBytes?.(n);
        cb(null, chunk);
      },
    });
    try {
      await pipeline(stream, tap, createWriteStream(dest, { flags: 'wx' }), { signal });
    } catch (err) {
      if (signal?.aborted) throw new PackError('CANCELLED', 'The import was cancelled.');
      throw new PackError('BAD_ARCHIVE', `${this.path}: cannot extract ${info.name}: ${(err as Error).message}`);
    }
    return { sha256: h.digest('hex'), bytes: n };
  }

  close(): void {
    this.zip.close();
  }
}
