/**
 * Issue #11 step 8: `timbre dub --background separate` with a source-separation pack installed in the data folder
 * (the contract fixture of tests/fixtures/spleeter-fixture.ts: "vocals" = everything above ~1 kHz, "accompaniment"
 * = everything below). The source is a music-like background below 1 kHz plus a voice-like signal above it at the
 * cue times: the dub must keep the background everywhere at its own level (not ducked: the separated accompaniment
 * is the background) and carry none of the original "voice". Swapped stems (the failure peers ship) would do the
 * opposite, and a pack whose files are swapped is refused before anything is written.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeWav } from '../../native-models/audio/wav.js';
import { DubReport } from '../../preload/contract/dub.js';
import { complement, lowBand, makeSpleeterFixture } from '../fixtures/spleeter-fixture.js';
import { ROOT } from '../helpers/server-process.js';
import { tempDir } from '../helpers/tmp.js';
import { corr, fit, sampleIndices } from '../helpers/signal-fit.js';

const RATE = 48_000;
const DURATION = 14;
const CUES = [
  { start: 2, end: 4.5, text: 'Hello everyone, and welcome.' },
  { start: 8, end: 10.5, text: 'See you soon.' },
];
function ts(s: number): string {
  const ms = Math.round(s * 1000);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `00:${p(Math.floor(ms / 60000))}:${p(Math.floor(ms / 1000) % 60)},${p(ms % 1000, 3)}`;
}
const srt = CUES.map((c, i) => `${i + 1}\n${ts(c.start)} --> ${ts(c.end)}\n${c.text}\n`).join('\n');

const { dir, cleanup } = tempDir('timbre-dub-sep-');
const fixture = makeSpleeterFixture({ vocalsGain: complement(lowBand(93)), accompanimentGain: lowBand(93) });
afterAll(() => {
  cleanup();
  fixture.cleanup();
});
const data = path.join(dir, 'data');
const src = path.join(dir, 'source.wav');
let bg: Float32Array; // the background, mono (what the mix keeps)
let voice: Float32Array; // the original "voice", mono

function timbre(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/timbre.mjs'), '--data-dir', data, ...args], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

function decodeMono(file: string): Float32Array {
  const buf = execFileSync('ffmpeg', ['-v', 'error', '-i', file, '-ac', '1', '-ar', String(RATE), '-f', 'f32le', '-'], {
    maxBuffer: 64 << 20,
  });
  return new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
}
const samples = (keep: (t: number) => boolean, len: number) => sampleIndices(keep, len, RATE);

beforeAll(() => {
  execFileSync(process.execPath, [path.join(ROOT, 'build/scripts/build.mjs'), '--node', '--if-stale'], {
    stdio: 'ignore',
  });
  const n = DURATION * RATE;
  bg = new Float32Array(n);
  voice = new Float32Array(n);
  const pcm = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    const t = i / RATE;
    const env = 0.6 + 0.4 * Math.sin(2 * Math.PI * 0.25 * t);
    const chord = (fs: number[]) =>
      fs.reduce((s, f) => s + Math.sin(2 * Math.PI * f * t) + 0.3 * Math.sin(4 * Math.PI * f * t), 0);
    // Below 1 kHz: the accompaniment of the fixture pack.
    const l = 0.04 * env * chord([220, 277.18, 329.63]);
    const r = 0.04 * env * chord([164.81, 246.94, 392]);
    // Above 1 kHz, syllable-like bursts at the cue times: the "vocals" of the fixture pack.
    const inCue = CUES.some((c) => t >= c.start && t <= c.end);
    const v = inCue
      ? 0.15 *
        (0.5 + 0.5 * Math.sin(2 * Math.PI * 4 * t)) *
        (Math.sin(2 * Math.PI * 1500 * t) +
          0.7 * Math.sin(2 * Math.PI * 2300 * t) +
          0.5 * Math.sin(2 * Math.PI * 3100 * t))
      : 0;
    pcm[2 * i] = l + v;
    pcm[2 * i + 1] = r + v;
    bg[i] = 0.5 * (l + r);
    voice[i] = v;
  }
  const raw = path.join(dir, 'source.f32');
  writeFileSync(raw, Buffer.from(pcm.buffer));
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'f32le', '-ar', String(RATE), '-ac', '2', '-i', raw, src]);
  writeFileSync(path.join(dir, 'target.srt'), srt);
  // The pack, installed where the CLI looks: <data>/models/spleeter-2stems.
  execFileSync('mkdir', ['-p', path.join(data, 'models')]);
  execFileSync('cp', ['-r', fixture.dir, path.join(data, 'models', 'spleeter-2stems')]);
}, 120_000);

describe('timbre dub --background separate', () => {
  it('keeps the accompaniment stem as the background (not ducked) and removes the original voice', async () => {
    const out = path.join(dir, 'dub.wav');
    const stems = path.join(dir, 'stems');
    const r = await timbre([
      'dub',
      src,
      '--subs',
      'target.srt',
      '--background',
      'separate',
      '--stems',
      stems,
      '-o',
      out,
      '--json',
    ]);
    expect(r.status, r.stderr).toBe(0);
    const report = DubReport.parse(JSON.parse(r.stdout));
    expect(report.segments.length).toBe(2);
    const dub = decodeMono(out).subarray(0, DURATION * RATE);
    const dlgWav = decodeWav(readFileSync(path.join(stems, 'dialogue.wav')));
    const dialogue = dlgWav.samples.subarray(0, DURATION * RATE);
    // Off speech: the dub is the background.
    const quiet = samples(
      (t) => !CUES.some((c) => t >= c.start - 0.5 && t <= c.end + 3) && t > 0.2 && t < DURATION - 0.2,
      dub.length,
    );
    expect(corr(dub, bg, quiet)).toBeGreaterThanOrEqual(0.9);
    const [gQuiet] = fit(dub, [bg], quiet);
    // Under the cues: the background at the same level (no ducking), and none of the original voice.
    const under = samples((t) => CUES.some((c) => t >= c.start + 0.1 && t <= c.end - 0.1), dub.length);
    const [gVoice, gBg] = fit(dub, [voice, bg, dialogue], under);
    expect(Math.abs(20 * Math.log10(gBg / gQuiet))).toBeLessThan(1);
    expect(20 * Math.log10(Math.abs(gVoice) / gBg)).toBeLessThanOrEqual(-30);
    // The background stem written with --stems is the separated accompaniment: no voice in it either.
    const bgStem = decodeWav(readFileSync(path.join(stems, 'background.wav'))).samples.subarray(0, DURATION * RATE);
    const [sVoice, sBg] = fit(bgStem, [voice, bg], under);
    expect(20 * Math.log10(Math.abs(sVoice) / sBg)).toBeLessThanOrEqual(-30);
  }, 240_000);

  it('Ctrl-C while separating: exit 1, nothing written, the temporary folder removed', async () => {
    const long = path.join(dir, 'long.wav');
    execFileSync('ffmpeg', [
      '-v',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      'sine=frequency=300:duration=120',
      '-ac',
      '2',
      long,
    ]);
    const tmp = path.join(dir, 'tmp');
    mkdirSync(tmp);
    const out = path.join(dir, 'cancelled.wav');
    const child = spawn(
      process.execPath,
      [
        path.join(ROOT, 'bin/timbre.mjs'),
        '--data-dir',
        data,
        'dub',
        long,
        '--subs',
        'target.srt',
        '--background',
        'separate',
        '-o',
        out,
        '--progress',
      ],
      { cwd: dir, env: { ...process.env, TMPDIR: tmp } },
    );
    let stderr = '';
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    await new Promise<void>((resolve) => {
      child.stderr.on('data', (c: Buffer) => {
        stderr += c.toString();
        if (/separating/.test(stderr)) resolve();
      });
      void exited.then(() => resolve());
    });
    expect(stderr).toMatch(/separating/);
    child.kill('SIGINT');
    expect(await exited).toBe(1);
    expect(stderr).toMatch(/Cancelled: nothing was written/);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir).filter((f) => f.includes('tmp-timbre'))).toEqual([]);
    // The dub's own temporary folder (timbre-dub-*) is gone. (onnxruntime itself leaves `.ses` and
    // `mat-debug-<pid>.log` in TMPDIR whenever it creates a session: not the pipeline's files.)
    expect(readdirSync(tmp).filter((f) => f.startsWith('timbre-'))).toEqual([]);
  }, 120_000);

  it('a pack with its files swapped is refused before anything is written, naming the problem', async () => {
    const pack = path.join(data, 'models', 'spleeter-2stems');
    renameSync(path.join(pack, 'vocals.onnx'), path.join(pack, 'tmp.onnx'));
    renameSync(path.join(pack, 'accompaniment.onnx'), path.join(pack, 'vocals.onnx'));
    renameSync(path.join(pack, 'tmp.onnx'), path.join(pack, 'accompaniment.onnx'));
    const out = path.join(dir, 'never.wav');
    const r = await timbre(['dub', src, '--subs', 'target.srt', '--background', 'separate', '-o', out]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/vocals\.onnx holds the "accompaniment" model.*swapped/);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir).filter((f) => f.includes('tmp-timbre'))).toEqual([]);
  }, 120_000);
});
