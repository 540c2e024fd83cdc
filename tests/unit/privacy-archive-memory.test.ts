/**
 * Export everything streams (issue #13): a project holding 192 MiB of take audio is exported, then imported into an
 * empty data folder, each in a child process (tests/helpers/privacy-archive-child.ts) whose peak memory during the
 * work stays far below the audio's size; the archive holds every byte (its size exceeds the audio), and an export
 * that fails part-way (a take file turned into a folder) leaves no file behind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from '../helpers/server-process.js';
import { tempDir } from '../helpers/tmp.js';

const AUDIO_MB = 192;
/** Peak RSS growth over the resident memory at the start of the work (the audio itself is 192 MiB). */
const GROWTH_BOUND_MB = 100;
const t = tempDir();

beforeAll(() => {
  execFileSync(process.execPath, [path.join(ROOT, 'build/scripts/build.mjs'), '--node', '--if-stale'], {
    stdio: 'ignore',
  });
});
afterAll(() => t.cleanup());

const child = async (...args: string[]) => {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', path.join(ROOT, 'tests', 'helpers', 'privacy-archive-child.ts'), ...args],
    { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 20 },
  );
  return JSON.parse(stdout.trim().split('\n').pop()!) as {
    bytes?: number;
    counts: { takes: number };
    seconds: number;
    baseRssMb: number;
    workPeakRssMb: number;
    peakRssMb: number;
  };
};

describe('export everything with a large project', () => {
  it(`exports and imports ${AUDIO_MB} MiB of takes with bounded memory`, async () => {
    const archive = path.join(t.dir, 'big.zip');
    const ex = await child('export', path.join(t.dir, 'a'), archive, String(AUDIO_MB));
    const im = await child('import', path.join(t.dir, 'b'), archive);
    process.stderr.write(
      `archive of ${AUDIO_MB} MiB of takes: export ${ex.seconds.toFixed(1)} s, RSS ${ex.baseRssMb.toFixed(0)} → peak ${ex.workPeakRssMb.toFixed(0)} MB; ` +
        `import ${im.seconds.toFixed(1)} s, RSS ${im.baseRssMb.toFixed(0)} → peak ${im.workPeakRssMb.toFixed(0)} MB\n`,
    );
    expect(ex.bytes!).toBeGreaterThan(AUDIO_MB * 1024 * 1024);
    expect(ex.counts.takes).toBe(AUDIO_MB / 32 + 1);
    expect(im.counts.takes).toBe(AUDIO_MB / 32 + 1);
    expect(ex.workPeakRssMb - ex.baseRssMb).toBeLessThan(GROWTH_BOUND_MB);
    expect(im.workPeakRssMb - im.baseRssMb).toBeLessThan(GROWTH_BOUND_MB);
    // Every byte arrived.
    const sizes = (dir: string) =>
      readdirSync(dir, { recursive: true })
        .map(String)
        .filter((f) => statSync(path.join(dir, f)).isFile())
        .reduce((n, f) => n + statSync(path.join(dir, f)).size, 0);
    expect(sizes(path.join(t.dir, 'b', 'takes'))).toBe(sizes(path.join(t.dir, 'a', 'takes')));
  }, 300_000);

  it('an export that fails part-way leaves no file behind', async () => {
    const out = path.join(t.dir, 'failing');
    mkdirSync(out);
    await expect(child('export', path.join(t.dir, 'c'), path.join(out, 'x.zip'), '64', 'break-last')).rejects.toThrow(
      /could not be written \(not a file: .*take_big1\.wav\)\. Nothing was left behind/,
    );
    expect(readdirSync(out)).toEqual([]);
    expect(readdirSync(path.join(t.dir, 'c')).filter((n) => n.startsWith('.privacy'))).toEqual([]);
  }, 120_000);
});
