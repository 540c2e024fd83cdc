/** A full disk during generation and autosave: specific errors, nothing saved is lost, no broken file left. */
import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { ROOT } from '../helpers/server-process.js';
import { tempDir } from '../helpers/tmp.js';

// A private mount namespace lets the test mount a tiny tmpfs without touching the machine's mounts.
const canUnshare = spawnSync('unshare', ['-rm', 'true']).status === 0;

describe('full disk', () => {
  it.skipIf(!canUnshare)('reports DISK_FULL, keeps every saved line, and leaves no partial take', () => {
    execFileSync(process.execPath, [path.join(ROOT, 'build/scripts/build.mjs'), '--node', '--if-stale'], {
      stdio: 'ignore',
    });
    const { dir, cleanup } = tempDir();
    try {
      const r = spawnSync(
        'unshare',
        [
          '-rm',
          process.execPath,
          '--import',
          'tsx',
          path.join(ROOT, 'tests/helpers/full-disk-scenario.ts'),
          path.join(dir, 'mnt'),
        ],
        { cwd: ROOT, encoding: 'utf8', timeout: 120_000 },
      );
      expect(r.status, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
      expect(out.errors.enqueue).toMatch(/^DISK_FULL:The disk is full/);
      expect(out.errors.generate).toMatch(/^failed:DISK_FULL:The disk is full/);
      expect(out.errors.save).toMatch(
        /^DISK_FULL:The disk is full: free some space and try again\. Nothing saved was lost\./,
      );
      expect(out.savedText).toBe('Saved before the disk filled.');
      expect(out.linesAfter).toBe(2 + out.acknowledged);
      expect(out.takesListed).toBe(0);
      expect(out.leftovers).toEqual([]);
      expect(out.retryOk).toBe(true);
    } finally {
      cleanup();
    }
  });
});
