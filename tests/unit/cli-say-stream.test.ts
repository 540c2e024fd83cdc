/**
 * Issue #16: `timbre say -` with a long text held all the audio in memory (100 KB: 1.5 GB). The audio now streams into
 * the output file as it is made: peak memory does not grow with the text's length, and the WAV's duration fits the text.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from '../helpers/server-process.js';
import { runCli } from '../helpers/hostile.js';

let dir: string;
beforeAll(() => {
  execFileSync(process.execPath, ['build/scripts/build.mjs', '--node', '--if-stale'], { cwd: ROOT, stdio: 'ignore' });
  dir = mkdtempSync(path.join(os.tmpdir(), 'timbre-say-stream-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sentence = 'The quick brown fox jumps over the lazy dog. ';

async function say(chars: number) {
  const text = sentence.repeat(Math.ceil(chars / sentence.length)).slice(0, chars);
  const out = path.join(dir, `say-${chars}.wav`);
  const r = await runCli(['say', '-', '-o', out, '--progress'], { dataDir: dir, input: text, timeoutMs: 120_000 });
  expect(r.timedOut).toBe(false);
  expect(r.code).toBe(0);
  const wav = readFileSync(out);
  const rate = wav.readUInt32LE(24);
  const dataBytes = wav.readUInt32LE(40);
  expect(dataBytes).toBe(wav.length - 44);
  return { seconds: dataBytes / 2 / rate, rssMb: r.maxRssMb, stderr: r.stderr, chars };
}

describe('timbre say - streams long text to the file', () => {
  it('memory stays flat from 2 KB to 8 KB of text; durations fit the text; progress is shown', async () => {
    const small = await say(2_000);
    const large = await say(8_000);
    console.log(
      `say: ${small.chars} chars → ${small.rssMb.toFixed(0)} MB; ${large.chars} chars → ${large.rssMb.toFixed(0)} MB`,
    );
    for (const r of [small, large]) {
      expect(r.rssMb).toBeLessThan(1024);
      // About 15 characters a second of speech at the default rate; generous bounds.
      expect(r.seconds / r.chars).toBeGreaterThan(0.03);
      expect(r.seconds / r.chars).toBeLessThan(0.15);
    }
    expect(large.seconds).toBeGreaterThan(small.seconds * 3);
    // Four times the text, the same memory (within 80 MB): nothing grows with the audio's length.
    expect(large.rssMb - small.rssMb).toBeLessThan(80);
    expect(large.stderr).toMatch(/Speaking: \d+ % \(about .* left\)/);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp-timbre'))).toEqual([]);
  }, 240_000);

  it('text over the limit is refused at once with the limit named, and no file is written', async () => {
    const out = path.join(dir, 'too-long.wav');
    const r = await runCli(['say', '-', '-o', out], { dataDir: dir, input: 'a '.repeat(2_500_001), timeoutMs: 30_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/speaks at most 5,000,000 at once: split it into parts/);
    expect(readdirSync(dir)).not.toContain('too-long.wav');
  });
});
