/**
 * `timbre align` through the built CLI on real speech (../shared/eval): the JSON shape, the verdict for the right
 * text and for another clip's text (exit 0 for both), failures (exit 1) and usage errors (exit 2), and the
 * worker's peak memory reported by /usr/bin/time.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/server-process.js';
import { tempDir } from '../helpers/tmp.js';

const CLIP = path.resolve('../shared/eval/speech/native/lj_LJ001-0005.wav'); // 22.05 kHz: resampled by the CLI
const TEXT =
  'the invention of movable metal letters in the middle of the fifteenth century may justly be considered as the invention of the art of printing.';
const tmp = tempDir('timbre-cli-align-');

function timbre(args: string[]) {
  return spawnSync(
    process.execPath,
    [path.join(ROOT, 'bin/timbre.mjs'), '--data-dir', path.join(tmp.dir, 'data'), ...args],
    {
      cwd: ROOT,
      encoding: 'utf8',
    },
  );
}

beforeAll(() => {
  execFileSync(process.execPath, [path.join(ROOT, 'build/scripts/build.mjs'), '--node', '--if-stale'], {
    stdio: 'ignore',
  });
});

describe('timbre align', () => {
  it('prints the issue JSON shape and "match" for the right text (exit 0)', () => {
    const r = timbre(['align', CLIP, '--text', TEXT, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { words: Record<string, unknown>[]; score: number; verdict: string };
    expect(Object.keys(out)).toEqual(['words', 'score', 'verdict']);
    expect(out.verdict).toBe('match');
    expect(out.words).toHaveLength(25);
    for (const w of out.words) expect(Object.keys(w)).toEqual(['word', 'start', 'end', 'score']);
    expect(out.words[0].word).toBe('the');
    expect(out.words[24].word).toBe('printing');
    const starts = out.words.map((w) => w.start as number);
    expect([...starts].sort((a, b) => a - b)).toEqual(starts);
    expect(out.words[24].end as number).toBeLessThanOrEqual(8.2);
  }, 60_000);

  it('says "mismatch" for another text, still exit 0, with the failed words marked in the table', () => {
    const r = timbre(['align', CLIP, '--text', 'For the twentieth time that evening the two men shook hands.']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/verdict mismatch/);
    expect(r.stdout).toMatch(/ (weak|missing)\n/);
  }, 60_000);

  it('exits 1 on audio it cannot read and 2 on usage errors, writing nothing to stdout', () => {
    const bad = path.join(tmp.dir, 'not-audio.wav');
    writeFileSync(bad, 'this is not a wave file');
    const cases: [string[], number, RegExp][] = [
      [['align', bad, '--text', 'hello'], 1, /not-audio\.wav/],
      [['align', path.join(tmp.dir, 'missing.wav'), '--text', 'hello'], 1, /No such file/],
      [['align', CLIP], 2, /--text/],
      [['align', CLIP, '--text', ' ... '], 2, /no words/],
      [['align', CLIP, '--text', 'hello', '--lang', 'de'], 2, /Allowed choices/],
      [['align', CLIP, '--text', 'word '.repeat(401)], 2, /at most 400/],
    ];
    for (const [args, code, msg] of cases) {
      const r = timbre(args);
      expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(code);
      expect(r.stderr).toMatch(msg);
      expect(r.stdout).toBe('');
    }
  }, 60_000);
});
