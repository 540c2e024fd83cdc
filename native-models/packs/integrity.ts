/**
 * A cheap check, made every time a model pack is about to be loaded: each file the pack's record (`pack.json`,
 * written at installation) lists must still have the size it had then. A file truncated, appended to or replaced by
 * one of another size after installation is caught before an engine reads it; the full check (sha256 of every file)
 * is `models.verify` / `timbre models verify <pack>`, which the message offers.
 *
 * Synchronous on purpose: a handful of stat() calls, used by engines' synchronous availability checks.
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { ApiError } from '../common/errors.js';

export const PACK_RECORD_FILE = 'pack.json';

export interface ChangedPackFile {
  path: string;
  expectedBytes: number;
  /** null: the file is gone (or is not a regular file). */
  actualBytes: number | null;
}

/**
 * Files of the pack installed in `packDir` whose size differs from its record. A folder without a record (a model
 * folder used directly, e.g. in development) has nothing to compare and returns [].
 */
export function changedPackFiles(packDir: string): ChangedPackFile[] {
  let files: { path: string; bytes: number }[];
  try {
    const rec = JSON.parse(readFileSync(path.join(packDir, PACK_RECORD_FILE), 'utf8')) as { files?: unknown };
    if (!Array.isArray(rec.files)) return [];
    files = rec.files as { path: string; bytes: number }[];
  } catch {
    return [];
  }
  const changed: ChangedPackFile[] = [];
  for (const f of files) {
    if (typeof f?.path !== 'string' || typeof f.bytes !== 'number') continue;
    const st = statSync(path.join(packDir, f.path), { throwIfNoEntry: false });
    const actual = st?.isFile() ? st.size : null;
    if (actual !== f.bytes) changed.push({ path: f.path, expectedBytes: f.bytes, actualBytes: actual });
  }
  return changed;
}

/** The sentence naming what changed and how to check and repair it. */
export function changedPackMessage(packId: string, changed: ChangedPackFile[]): string {
  const what = changed
    .map((c) =>
      c.actualBytes === null
        ? `${c.path} is missing`
        : `${c.path} is ${c.actualBytes} bytes, expected ${c.expectedBytes}`,
    )
    .join('; ');
  return (
    `The model pack "${packId}" was changed after it was installed (${what}), so it is not used. ` +
    `Verify it (timbre models verify ${packId}, or Verify in the Models view), then download or import it again to repair it.`
  );
}

/** Throw ENGINE_UNAVAILABLE when a file of the installed pack changed size since installation. */
export function assertPackIntact(packDir: string, packId = path.basename(packDir)): void {
  const changed = changedPackFiles(packDir);
  if (changed.length)
    throw new ApiError('ENGINE_UNAVAILABLE', changedPackMessage(packId, changed), {
      packId,
      needsVerification: true,
      changedFiles: changed,
    });
}
