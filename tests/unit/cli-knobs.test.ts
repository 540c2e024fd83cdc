/**
 * Issue #16: `--speed 0`, `--speed NaN`, `--speed fast` were accepted silently (speed 1 used). Every numeric CLI knob
 * is now checked against its range before anything runs: exit code 2, a message naming the option and its valid
 * range, and no output file. Real `timbre` processes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from '../helpers/server-process.js';
import { runCli } from '../helpers/hostile.js';

let dir: string;
beforeAll(() => {
  execFileSync(process.execPath, ['build/scripts/build.mjs', '--node', '--if-stale'], { cwd: ROOT, stdio: 'ignore' });
  dir = mkdtempSync(path.join(os.tmpdir(), 'timbre-knobs-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// [class, args before the bad value, option, bad values, the range the message must name]
const CASES: Array<[string, string[], string, string[], RegExp]> = [
  [
    'speed',
    ['say', 'hello'],
    '--speed',
    ['0', 'NaN', 'fast', '2.5', '1.5x', ''],
    /--speed must be a number from 0\.5 to 2/,
  ],
  [
    'temperature',
    ['say', 'hello'],
    '--temperature',
    ['-0.1', 'hot', 'Infinity'],
    /--temperature must be a number from 0 to 2/,
  ],
  ['steps', ['say', 'hello'], '--steps', ['0', '2.5', '33'], /--steps must be a whole number from 1 to 32/],
  [
    'seed',
    ['say', 'hello'],
    '--seed',
    ['-1', '1.5', '2147483648', 'random'],
    /--seed must be a whole number from 0 to 2147483647/,
  ],
  [
    'gap/pause',
    ['clean', 'in.wav', '--trim'],
    '--max-pause',
    ['0', '-1', 'long', '61'],
    /--max-pause must be a number over 0 seconds and at most 60 seconds/,
  ],
  [
    'duration',
    ['record'],
    '--seconds',
    ['0', 'NaN', '5s', '14401'],
    /--seconds must be a number over 0 seconds and at most 14400 seconds/,
  ],
  [
    'rate',
    ['record', '--seconds', '1'],
    '--sample-rate',
    ['44.1', '0', 'fast', '400000'],
    /--sample-rate must be a whole number from 8000 to 192000 Hz/,
  ],
  [
    'bit rate',
    ['export', 'prj_x', '-f', 'mp3'],
    '--bitrate',
    ['0', '128k', '321'],
    /--bitrate must be a whole number from 32 to 320 kbps/,
  ],
  [
    'export sample rate',
    ['export', 'prj_x'],
    '--sample-rate',
    ['44101', 'NaN'],
    /Allowed choices are 22050, 24000, 44100, 48000/,
  ],
];

describe('numeric CLI knobs are validated against their ranges', () => {
  for (const [name, before, option, bad, range] of CASES) {
    it(`${name} (${option}): ${bad.map((b) => JSON.stringify(b)).join(', ')} → exit 2 naming the range, no file`, async () => {
      // The values of one class run side by side (each is a separate process; they fail before doing any work).
      await Promise.all(
        bad.map(async (value, i) => {
          const out = path.join(dir, `${name.replace(/\W/g, '_')}-${i}.out`);
          const r = await runCli([...before, option, value, '-o', out], { dataDir: dir, timeoutMs: 30_000 });
          expect(r.timedOut).toBe(false);
          expect({ value, code: r.code }).toEqual({ value, code: 2 });
          expect(r.stderr).toMatch(range);
          expect(existsSync(out)).toBe(false);
        }),
      );
    });
  }

  it('values in range are accepted and used: --speed 2 speaks faster than --speed 0.5', async () => {
    const size = async (speed: string) => {
      const out = path.join(dir, `speed-${speed}.wav`);
      const r = await runCli(['say', 'The quick brown fox jumps over the lazy dog.', '--speed', speed, '-o', out], {
        dataDir: dir,
      });
      expect(r.code).toBe(0);
      return statSync(out).size;
    };
    const slow = await size('0.5');
    const fast = await size('2');
    expect(fast).toBeLessThan(slow * 0.6);
  });
});
