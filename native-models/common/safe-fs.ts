/**
 * Safe access to paths a user (or a page) names: input files and output targets.
 *
 * Input: a path is checked with stat() BEFORE it is opened, and anything that is not a regular file (a named pipe,
 * a device such as /dev/zero, a socket, a folder) is refused with a message naming what it is. Opening a FIFO blocks
 * the libuv thread-pool thread until a writer appears, so four of them hang every later file call of the process;
 * reading a character device never ends. The open itself uses O_NONBLOCK (a FIFO swapped in after the check then
 * opens at once instead of blocking), fstat() re-checks the opened file, and the read is capped both by the size
 * fstat reports and by the bytes actually read, so a file that grows while being read cannot exceed the limit.
 *
 * Output: `checkOutputTarget` refuses a target that exists and is not a regular file (a device, a FIFO, a folder,
 * or a symbolic link to one): writing through temp + rename would otherwise replace the device node or pipe.
 */
import { constants as fsc, promises as fsp, type Stats } from 'node:fs';
import path from 'node:path';
import { ApiError } from './errors.js';
import type { ErrorCode } from '../../preload/contract/index.js';

/** What a non-regular file is, in words a user can act on; null for a regular file. */
export function describeNonRegular(st: Stats): string | null {
  if (st.isFile()) return null;
  if (st.isDirectory()) return 'a folder';
  if (st.isFIFO()) return 'a named pipe (FIFO)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  if (st.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}

export interface InputCheck {
  /** Shown to the user, e.g. "The voice file". Default: "The file". */
  what?: string;
  /** Error code for a missing file (default INVALID_INPUT). */
  missingCode?: ErrorCode;
}

export interface ReadInputOptions extends InputCheck {
  /** Refuse a file larger than this many bytes (checked before reading, and on the bytes read). */
  maxBytes: number;
  /** The message for a file over the limit (default: a generic one naming the limit). */
  tooLarge?: (size: number) => string;
}

function statError(file: string, err: NodeJS.ErrnoException, o: InputCheck): ApiError {
  if (err.code === 'ENOENT' || err.code === 'ENOTDIR')
    return new ApiError(o.missingCode ?? 'INVALID_INPUT', `No such file: ${file}`, { reason: 'missing', file });
  return new ApiError('INVALID_INPUT', `Cannot read ${file}: ${err.code ?? err.message}`, {
    reason: 'unreadable',
    file,
  });
}

function notRegular(file: string, kind: string, o: InputCheck): ApiError {
  return new ApiError(
    'INVALID_INPUT',
    `${o.what ?? 'The file'} ${file} is ${kind}, not a regular file: choose a file saved on disk.`,
    { reason: 'not-a-file', file, kind },
  );
}

function tooLargeError(file: string, size: number, o: ReadInputOptions): ApiError {
  return new ApiError(
    'INVALID_INPUT',
    o.tooLarge?.(size) ??
      `${o.what ?? 'The file'} ${path.basename(file)} is too large (${formatBytes(size)}; at most ${formatBytes(o.maxBytes)}).`,
    { reason: 'too-large', file, size, maxBytes: o.maxBytes },
  );
}

export function formatBytes(n: number): string {
  if (n >= 1 << 30) return `${(n / (1 << 30)).toFixed(1)} GiB`;
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(1)} MiB`;
  if (n >= 1 << 10) return `${(n / (1 << 10)).toFixed(1)} KiB`;
  return `${n} bytes`;
}

/**
 * stat() the path (following symbolic links) and refuse anything that is not a regular file, without opening it.
 * Returns the stats of the regular file.
 */
export async function checkInputFile(file: string, o: InputCheck = {}): Promise<Stats> {
  const st = await fsp.stat(file).catch((err: NodeJS.ErrnoException) => {
    throw statError(file, err, o);
  });
  const kind = describeNonRegular(st);
  if (kind) throw notRegular(file, kind, o);
  return st;
}

const O_NONBLOCK = fsc.O_NONBLOCK ?? 0;

/**
 * Open a regular input file for reading: checked first (never opens a FIFO or device), opened with O_NONBLOCK,
 * and re-checked with fstat() on the open handle (same file, still regular). The caller closes the handle.
 */
export async function openInputFile(file: string, o: InputCheck = {}): Promise<{ fh: fsp.FileHandle; stats: Stats }> {
  const before = await checkInputFile(file, o);
  const fh = await fsp.open(file, fsc.O_RDONLY | O_NONBLOCK).catch((err: NodeJS.ErrnoException) => {
    throw statError(file, err, o);
  });
  try {
    const stats = await fh.stat();
    const kind = describeNonRegular(stats);
    if (kind) throw notRegular(file, kind, o);
    if (stats.ino !== before.ino || stats.dev !== before.dev)
      throw new ApiError('INVALID_INPUT', `${file} changed while it was being opened: try again.`, {
        reason: 'changed',
        file,
      });
    return { fh, stats };
  } catch (err) {
    await fh.close().catch(() => undefined);
    throw err;
  }
}

/** Read a whole regular file of at most `maxBytes` bytes (see the module comment for every check made). */
export async function readInputFile(file: string, o: ReadInputOptions): Promise<Buffer> {
  const pre = await checkInputFile(file, o);
  if (pre.size > o.maxBytes) throw tooLargeError(file, pre.size, o);
  const { fh, stats } = await openInputFile(file, o);
  try {
    if (stats.size > o.maxBytes) throw tooLargeError(file, stats.size, o);
    // One byte more than the limit tells a file that grew past it from one that is exactly at it.
    const cap = Math.min(stats.size, o.maxBytes) + 1;
    const buf = Buffer.allocUnsafe(cap);
    let got = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, got, cap - got, got);
      if (bytesRead === 0) break;
      got += bytesRead;
      if (got === cap) {
        if (got > o.maxBytes) throw tooLargeError(file, got, o);
        // It grew while being read, still within the limit: keep reading in a bigger buffer.
        return Buffer.concat([buf, await readRest(fh, got, o, file)]);
      }
    }
    return buf.subarray(0, got);
  } finally {
    await fh.close().catch(() => undefined);
  }
}

async function readRest(fh: fsp.FileHandle, offset: number, o: ReadInputOptions, file: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  let total = offset;
  const chunk = Buffer.allocUnsafe(64 * 1024);
  for (;;) {
    const { bytesRead } = await fh.read(chunk, 0, chunk.length, total);
    if (bytesRead === 0) return Buffer.concat(parts);
    total += bytesRead;
    if (total > o.maxBytes) throw tooLargeError(file, total, o);
    parts.push(Buffer.from(chunk.subarray(0, bytesRead)));
  }
}

/** Read the first `n` bytes of a regular input file (after the same checks). */
export async function readInputHead(file: string, n: number, o: InputCheck = {}): Promise<Buffer> {
  const { fh } = await openInputFile(file, o);
  try {
    const buf = Buffer.alloc(n);
    const { bytesRead } = await fh.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close().catch(() => undefined);
  }
}

export interface OutputCheck {
  /** Shown to the user, e.g. "The output file". Default: "The output path". */
  what?: string;
}

/**
 * Refuse an output target that exists and is not a regular file: a folder, a device (/dev/null, /dev/full), a named
 * pipe, a socket, or a symbolic link to one of these. Writing through temp + rename would replace it. A missing
 * target, or an existing regular file (to be overwritten), passes. A symbolic link to a regular file passes and is
 * resolved: the returned path is where the data must go, so the link itself is kept.
 */
export async function checkOutputTarget(target: string, o: OutputCheck = {}): Promise<string> {
  const lst = await fsp.lstat(target).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw new ApiError('INVALID_INPUT', `Cannot write ${target}: ${err.code ?? err.message}`, {
      reason: 'unwritable',
      file: target,
    });
  });
  if (!lst) return target;
  if (lst.isFile()) return target;
  if (lst.isSymbolicLink()) {
    const st = await fsp.stat(target).catch(() => null);
    // A dangling link: refuse rather than replace the link or write somewhere unexpected.
    if (!st)
      throw new ApiError(
        'INVALID_INPUT',
        `${o.what ?? 'The output path'} ${target} is a symbolic link to nothing: remove it or choose another name.`,
        { reason: 'not-a-file', file: target, kind: 'a dangling symbolic link' },
      );
    const kind = describeNonRegular(st);
    if (!kind) return fsp.realpath(target);
    throw outputNotRegular(target, `a symbolic link to ${kind}`, o);
  }
  throw outputNotRegular(target, describeNonRegular(lst)!, o);
}

function outputNotRegular(target: string, kind: string, o: OutputCheck): ApiError {
  const hint = kind.endsWith('folder') ? 'name a file inside it' : 'choose a regular file name';
  return new ApiError(
    'INVALID_INPUT',
    `${o.what ?? 'The output path'} ${target} is ${kind}, not a regular file: ${hint}. Nothing was written.`,
    { reason: 'not-a-file', file: target, kind },
  );
}
