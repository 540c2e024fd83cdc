/**
 * `timbre transcribe` through the built CLI: without the pack it fails (exit 1) naming the pack and the download
 * command; usage errors exit 2; with the contract-fixture pack in a temporary models folder (found through
 * $TIMBRE_MODELS_DIR, and in the data folder) it transcribes sox tones in a WAV and an MP3 made by ffmpeg through the
 * worker thread: plain text, the JSON shape, and SRT cues timed from the words.
 */
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/server-process.js';
import { tempDir } from '../helpers/tmp.js';
import { makeParakeetFixture } from '../fixtures/parakeet-fixture.js';

const tmp = tempDir('timbre-cli-transcribe-');
const fx = makeParakeetFixture();
afterAll(() => fx.cleanup());
const WAV = path.join(tmp.dir, 'tones.wav');
const MP3 = path.join(tmp.dir, 'tones.mp3');

/** The built CLI, spawned asynchronously (a synchronous spawn would stall the test runner's own messages). */
function timbre(
  args: string[],
  env: Record<string, string> = {},
  dataDir = path.join(tmp.dir, 'data'),
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const e: NodeJS.ProcessEnv = { ...process.env, ...env };
  if (!env.TIMBRE_MODELS_DIR) delete e.TIMBRE_MODELS_DIR;
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/timbre.mjs'), '--data-dir', dataDir, ...args], {
    cwd: ROOT,
    env: e,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

beforeAll(() => {
  execFileSync(process.execPath, [path.join(ROOT, 'build/scripts/build.mjs'), '--node', '--if-stale'], {
    stdio: 'ignore',
  });
  // 0.5 s pause, 300 Hz for 0.6 s, 0.5 s pause, 3 kHz for 0.6 s, 0.5 s pause, over a quiet noise floor.
  execFileSync('sox', [
    '-n',
    '-r',
    '16000',
    '-b',
    '16',
    '-c',
    '1',
    path.join(tmp.dir, 'a.wav'),
    'synth',
    '0.6',
    'sine',
    '300',
    'vol',
    '0.3',
    'pad',
    '0.5',
    '0',
  ]);
  execFileSync('sox', [
    '-n',
    '-r',
    '16000',
    '-b',
    '16',
    '-c',
    '1',
    path.join(tmp.dir, 'b.wav'),
    'synth',
    '0.6',
    'sine',
    '3000',
    'vol',
    '0.3',
    'pad',
    '0.5',
    '0.5',
  ]);
  execFileSync('sox', [path.join(tmp.dir, 'a.wav'), path.join(tmp.dir, 'b.wav'), path.join(tmp.dir, 'ab.wav')]);
  execFileSync('ffmpeg', [
    '-v',
    'error',
    '-i',
    path.join(tmp.dir, 'ab.wav'),
    '-f',
    'lavfi',
    '-i',
    'anoisesrc=a=0.001:c=white:seed=3:d=3',
    '-filter_complex',
    'amix=inputs=2:duration=first:normalize=0',
    '-ar',
    '22050',
    WAV,
  ]);
  execFileSync('ffmpeg', ['-v', 'error', '-i', WAV, '-b:a', '128k', MP3]);
}, 120_000);

describe('timbre transcribe', () => {
  it('without the pack: exit 1, naming the pack and the command that installs it', async () => {
    const r = await timbre(['transcribe', WAV]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/"parakeet-ctc-en" model pack/);
    expect(r.stderr).toMatch(/timbre models download parakeet-ctc-en/);
    expect(r.stdout).toBe('');
  });

  it('usage errors exit 2: no file, --json with --srt, unknown option', async () => {
    expect((await timbre(['transcribe'])).status).toBe(2);
    expect((await timbre(['transcribe', WAV, '--json', '--srt'], { TIMBRE_MODELS_DIR: fx.root })).status).toBe(2);
    expect((await timbre(['transcribe', WAV, '--lang', 'xx'])).status).toBe(2);
  });

  it(
    'with the fixture pack in $TIMBRE_MODELS_DIR: text, JSON with word and segment times, SRT',
    { timeout: 120_000 },
    async () => {
      const text = await timbre(['transcribe', WAV], { TIMBRE_MODELS_DIR: fx.root });
      expect(text.status, text.stderr).toBe(0);
      expect(text.stdout).toBe('low high\n');

      const j = await timbre(['transcribe', MP3, '--json'], { TIMBRE_MODELS_DIR: fx.root });
      expect(j.status, j.stderr).toBe(0);
      const out = JSON.parse(j.stdout) as {
        text: string;
        words: { word: string; start: number; end: number }[];
        segments: { text: string; start: number; end: number }[];
      };
      expect(Object.keys(out)).toEqual(expect.arrayContaining(['text', 'words', 'segments']));
      expect(out.text).toBe('low high');
      expect(out.words.map((w) => w.word)).toEqual(['low', 'high']);
      expect(Math.abs(out.words[0].start - 0.5)).toBeLessThan(0.12);
      expect(Math.abs(out.words[0].end - 1.1)).toBeLessThan(0.12);
      expect(Math.abs(out.words[1].start - 1.6)).toBeLessThan(0.12);
      expect(out.segments.length).toBeGreaterThanOrEqual(1);
      expect(out.segments[0].start).toBe(out.words[0].start);

      const srt = await timbre(['transcribe', WAV, '--srt'], { TIMBRE_MODELS_DIR: fx.root });
      expect(srt.status, srt.stderr).toBe(0);
      expect(srt.stdout).toMatch(/^1\n00:00:00,[45]\d\d --> 00:00:0\d,\d{3}\nlow high\n/);
    },
  );

  it('finds the pack installed in the data folder too', async () => {
    const data = path.join(tmp.dir, 'data2');
    mkdirSync(path.join(data, 'models'), { recursive: true });
    cpSync(fx.dir, path.join(data, 'models', 'parakeet-ctc-en'), { recursive: true });
    const r = await timbre(['transcribe', WAV], {}, data);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe('low high\n');
  });
});
