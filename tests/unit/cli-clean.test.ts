/**
 * `timbre clean` through the built CLI: real packs installed with `timbre models import` from ../shared/models (or
 * found through TIMBRE_MODELS_DIR), real speech padded with known silence by ffmpeg.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeAudioFile } from '../../main/node/audio/decode.js';
import { decodeWav, encodeWav } from '../../native-models/audio/wav.js';
import { ROOT } from '../helpers/server-process.js';
import { tempDir } from '../helpers/tmp.js';

const CLIP = path.resolve('../shared/eval/speech/native/lj_LJ001-0003.wav');
const MODELS = path.resolve('../shared/models');
const tmp = tempDir('timbre-cli-clean-');
const at = (n: string) => path.join(tmp.dir, n);
const DATA = at('data');

function timbre(args: string[], env: Record<string, string | undefined> = {}) {
  const e: NodeJS.ProcessEnv = { ...process.env, ...env };
  delete e.TIMBRE_MODELS_DIR;
  if (env.TIMBRE_MODELS_DIR) e.TIMBRE_MODELS_DIR = env.TIMBRE_MODELS_DIR;
  return spawnSync(process.execPath, [path.join(ROOT, 'bin/timbre.mjs'), '--data-dir', DATA, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: e,
  });
}
const clipSeconds = (() => {
  const w = decodeWav(readFileSync(CLIP));
  return w.samples.length / w.sampleRate;
})();

beforeAll(() => {
  execFileSync(process.execPath, [path.join(ROOT, 'build/scripts/build.mjs'), '--node', '--if-stale'], {
    stdio: 'ignore',
  });
  // 1.5 s of digital silence each side, 44.1 kHz stereo.
  execFileSync('ffmpeg', [
    '-nostdin',
    '-v',
    'error',
    '-y',
    '-i',
    CLIP,
    '-af',
    'adelay=1500,apad=pad_dur=1.5',
    '-ar',
    '44100',
    '-ac',
    '2',
    at('padded.wav'),
  ]);
}, 120_000);
afterAll(() => tmp.cleanup());

describe('timbre clean', () => {
  it('says exactly which model pack is missing and how to install it', () => {
    const r = timbre(['clean', at('padded.wav'), '-o', at('never.wav')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/model pack "silero-vad" \(Silero VAD.*\) is not installed \(looked in .*data\/models\)/);
    expect(r.stderr).toMatch(/timbre models download silero-vad/);
  });

  it('with the VAD pack installed: trims the padding, keeps the input rate, prints the report', () => {
    const imp = timbre(['models', 'import', path.join(MODELS, 'silero-vad')]);
    expect(imp.status, imp.stderr).toBe(0);
    const out = at('clean.wav');
    const r = timbre(['clean', at('padded.wav'), '-o', out]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/Wrote .*clean\.wav \(\d+\.\d\d s, 44100 Hz, mono\)/);
    expect(r.stdout).toMatch(/Quality report/);
    expect(r.stdout).toMatch(/Duration\s+12\.\d\d s\s+9\.\d\d s/);
    expect(r.stdout).toMatch(/Sample rate\s+44100 Hz\s+44100 Hz/);
    expect(r.stdout).toMatch(/Channels\s+2\s+1/);
    expect(r.stdout).toMatch(/Loudness\s+-?\d+\.\d LUFS\s+-20\.\d LUFS/);
    expect(r.stdout).toMatch(/Advice:\n {2}- The recording is clean and usable as a voice reference\./);
    expect(r.stdout).toMatch(/Steps: DC removal, trim, loudness -20 LUFS/);
    const w = decodeWav(readFileSync(out));
    expect(w.sampleRate).toBe(44100);
    // The 3 s of padding is gone, within 50 ms at each end.
    expect(Math.abs(w.samples.length / 44100 - clipSeconds)).toBeLessThan(0.1);
  });

  it('--denoise --json with TIMBRE_MODELS_DIR, writing FLAC', async () => {
    const out = at('clean.flac');
    const r = timbre(['clean', at('padded.wav'), '-o', out, '--denoise', '--trim', '--json'], {
      TIMBRE_MODELS_DIR: MODELS,
    });
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as {
      steps: string[];
      kept: { start: number; end: number };
      before: { durationSeconds: number; channels: number; sampleRate: number; advice: { code: string }[] };
      after: { durationSeconds: number; speechSeconds: number; advice: { code: string }[] };
      usableForVoice: boolean;
    };
    expect(j.steps).toEqual(['denoise', 'trim']);
    expect(j.before.channels).toBe(2);
    expect(j.before.sampleRate).toBe(44100);
    expect(Math.abs(j.kept.start - 1.5)).toBeLessThan(0.05);
    expect(Math.abs(j.kept.end - (1.5 + clipSeconds))).toBeLessThan(0.05);
    expect(j.after.speechSeconds).toBeGreaterThan(0.8 * clipSeconds);
    expect(j.usableForVoice).toBe(true);
    const d = await decodeAudioFile(out);
    expect(d.sampleRate).toBe(44100);
    expect(Math.abs(d.samples.length / 44100 - j.after.durationSeconds)).toBeLessThan(0.01);
  });

  it('--best-window keeps the clean part of a long, partly noisy recording', () => {
    const rate = 16000;
    const clean = decodeWav(readFileSync(path.resolve('../shared/eval/speech/16k/ls_1688-142285-0001.wav'))).samples;
    const other = decodeWav(readFileSync(path.resolve('../shared/eval/speech/16k/ls_1688-142285-0000.wav'))).samples;
    // Noisy speech, the clean clip, noisy speech again (white noise at about 0 dB SNR: deterministic LCG).
    let seed = 12345;
    const noisy = () =>
      other.map((v) => {
        seed = (seed * 1103515245 + 12345) >>> 0;
        return v + (seed / 2 ** 32 - 0.5) * 0.15;
      });
    const x = new Float32Array(other.length * 2 + clean.length);
    x.set(noisy(), 0);
    x.set(clean, other.length);
    x.set(noisy(), other.length + clean.length);
    writeFileSync(at('long.wav'), encodeWav(x, rate));
    const r = timbre(['clean', at('long.wav'), '-o', at('best.wav'), '--best-window', '--json'], {
      TIMBRE_MODELS_DIR: MODELS,
    });
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as { steps: string[]; kept: { start: number; end: number } };
    expect(j.steps).toEqual(['best window']);
    const cleanStart = other.length / rate;
    const cleanEnd = (other.length + clean.length) / rate;
    expect(j.kept.start).toBeGreaterThan(cleanStart - 0.3);
    expect(j.kept.end).toBeLessThan(cleanEnd + 0.3);
    expect(j.kept.end - j.kept.start).toBeGreaterThanOrEqual(5);
    const out = decodeWav(readFileSync(at('best.wav')));
    expect(Math.abs(out.samples.length / rate - (j.kept.end - j.kept.start))).toBeLessThan(0.01);
  });

  it('a missing file, a broken file, a text file and a silent video each give a specific error and exit 1', () => {
    writeFileSync(at('random.mp3'), Buffer.from(Array.from({ length: 20000 }, (_, i) => (i * 7919 + 13) % 251)));
    writeFileSync(at('notes.txt'), 'not audio\n');
    execFileSync('ffmpeg', [
      '-nostdin',
      '-v',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      'testsrc=size=160x120:rate=10:duration=2',
      '-c:v',
      'mpeg4',
      at('mute.mp4'),
    ]);
    const cases: [string, RegExp][] = [
      [at('nope.wav'), /^timbre: No such file: .*nope\.wav$/m],
      [at('random.mp3'), /random\.mp3 cannot be read: it is damaged or not a media file/],
      [at('notes.txt'), /notes\.txt is a text file, not a readable audio or video file/],
      [at('mute.mp4'), /mute\.mp4 is a video without an audio track/],
    ];
    for (const [file, msg] of cases) {
      const r = timbre(['clean', file, '-o', at('x.wav')]);
      expect(r.status, file).toBe(1);
      expect(r.stderr, file).toMatch(msg);
      expect(r.stdout).toBe('');
    }
    const j = timbre(['clean', at('notes.txt'), '-o', at('x.wav'), '--json']);
    expect(JSON.parse(j.stdout)).toMatchObject({
      error: { code: 'INVALID_INPUT', details: { audioProblem: 'unsupported-type' } },
    });
  });

  it('without a system ffmpeg uses the bundled one; with none at all says so and how to install it', () => {
    execFileSync('ffmpeg', ['-nostdin', '-v', 'error', '-y', '-i', CLIP, at('speech.mp3')]);
    const bundled = timbre(['clean', at('speech.mp3'), '-o', at('bundled.wav')], { PATH: at('empty-bin') });
    expect(bundled.status, bundled.stderr).toBe(0);
    expect(decodeWav(readFileSync(at('bundled.wav'))).samples.length).toBeGreaterThan(16000);
    const r = timbre(['clean', at('speech.mp3'), '-o', at('x.wav')], {
      PATH: at('empty-bin'),
      TIMBRE_FFMPEG: at('no-such-ffmpeg'),
      TIMBRE_FFPROBE: at('no-such-ffprobe'),
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/needs ffmpeg, which is not installed/);
    expect(r.stderr).toMatch(/sudo apt-get install ffmpeg/);
  });

  it('usage errors exit 2', () => {
    expect(timbre(['clean', at('padded.wav')]).status).toBe(2);
    const bad = timbre(['clean', at('padded.wav'), '-o', at('x.mp3')]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/-o must end in \.wav or \.flac/);
    expect(timbre(['clean', at('padded.wav'), '-o', at('x.wav'), '--window', '5-2']).status).toBe(2);
    const help = timbre(['clean', '--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/Usage: timbre clean \[options\] <file>/);
    expect(help.stdout).toMatch(/--best-window/);
  });
});
