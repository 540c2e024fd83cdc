import { promises as fsp, constants as fsc, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { checkOutputTarget } from '../../native-models/common/safe-fs.js';

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
