import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { decodeWav, encodeWav } from '../../native-models/audio/wav.js';
import { resample } from '../../native-models/dsp/resample.js';
import { acxCheck } from '../../main/node/export/acx.js';
import { tempDir } from '../helpers/tmp.js';

const SPEECH = path.resolve(import.meta.dirname, '../../../shared/eval/speech/native/lj_LJ001-0001.wav');
const t = tempDir('timbre-acx-');
afterAll(() => t.cleanup());

/** Real speech at 44.1 kHz between room tone (uniform noise at `noiseDb` RMS), scaled to `rmsDb`, peaks limited. */
function programme(o: { headS: number; tailS: number; rmsDb: number; peakCeilDb?: number; noiseDb?: number }) {
  const src = decodeWav(readFileSync(SPEECH));
  const speech = resample(src.samples, src.sampleRate, 44_100);
  const rate = 44_100;
  const head = Math.round(o.headS * rate);
  const tail = Math.round(o.tailS * rate);
  const x = new Float32Array(head + speech.length + tail);
  x.set(speech, head);
  let sq = 0;
  for (const v of x) sq += v * v;
  const gain = Math.pow(10, o.rmsDb / 20) / Math.sqrt(sq / x.length);
  const ceil = o.peakCeilDb === undefined ? Infinity : Math.pow(10, o.peakCeilDb / 20);
  const noiseAmp = Math.pow(10, (o.noiseDb ?? -72) / 20) * Math.sqrt(3);
  let seed = 1;
  for (let i = 0; i < x.length; i++) {
    let v = x[i] * gain;
    if (Math.abs(v) > ceil) v = Math.sign(v) * ceil; // a crude limiter; the check only reads levels
    seed = (seed * 1103515245 + 12345) >>> 0;
    x[i] = v + (seed / 2 ** 32 - 0.5) * 2 * noiseAmp;
  }
  return encodeWav(x, rate);
}

function mp3(name: string, wav: Buffer, args: string[]): string {
  const src = path.join(t.dir, `${name}.wav`);
  const out = path.join(t.dir, `${name}.mp3`);
  writeFileSync(src, wav);
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', src, ...args, out]);
  return out;
}

describe('audiobook (ACX) check', () => {
  it('passes a file that meets every requirement, with the measured figures', async () => {
    const file = mp3('good', programme({ headS: 0.75, tailS: 2.5, rmsDb: -20, peakCeilDb: -4.5 }), [
      '-ar',
      '44100',
      '-c:a',
      'libmp3lame',
      '-b:a',
      '192k',
    ]);
    const r = await acxCheck(file);
    const by = Object.fromEntries(r.checks.map((c) => [c.id, c]));
    expect(r.checks.filter((c) => !c.pass).map((c) => c.message)).toEqual([]);
    expect(r.pass).toBe(true);
    expect(by.rms.value as number).toBeGreaterThan(-21);
    expect(by.rms.value as number).toBeLessThan(-19);
    expect(by.head.value as number).toBeGreaterThan(0.6);
    expect(by.head.value as number).toBeLessThan(0.95);
    expect(by.tail.value as number).toBeGreaterThan(2.2);
    expect(by['noise-floor'].value as number).toBeLessThan(-65);
    expect(r.durationS).toBeGreaterThan(10);
  }, 60_000);

  it('fails a file that breaks the rules, naming each check and by how much', async () => {
    const file = mp3('bad', programme({ headS: 0.1, tailS: 7, rmsDb: -15, noiseDb: -50 }), [
      '-ar',
      '48000',
      '-c:a',
      'libmp3lame',
      '-q:a',
      '4',
    ]);
    const r = await acxCheck(file);
    expect(r.pass).toBe(false);
    const failed = Object.fromEntries(r.checks.filter((c) => !c.pass).map((c) => [c.id, c]));
    expect(Object.keys(failed).sort()).toEqual(
      ['bitrate', 'constant-bitrate', 'head', 'noise-floor', 'peak', 'rms', 'sample-rate', 'tail'].sort(),
    );
    expect(failed.rms.by).toBeGreaterThan(2);
    expect(failed.rms.by).toBeLessThan(4);
    expect(failed.rms.message).toMatch(/RMS level −?-?1\d\.\d dB is \d\.\d dB above the maximum/);
    expect(failed['noise-floor'].by).toBeGreaterThan(8);
    expect(failed['sample-rate'].message).toBe('The sample rate is 48000 Hz, not 44100 Hz.');
    expect(failed.tail.message).toMatch(/Room tone at the end 7\.\d s is 2\.\d s above the maximum/);
    expect(failed.head.message).toMatch(/Room tone at the start 0\.\d s is 0\.\d s below the minimum/);
  }, 60_000);

  it('names a file that is not MP3', async () => {
    const wav = path.join(t.dir, 'plain.wav');
    writeFileSync(wav, programme({ headS: 0.75, tailS: 2, rmsDb: -20, peakCeilDb: -4.5 }));
    const r = await acxCheck(wav);
    expect(r.checks.find((c) => c.id === 'format')).toMatchObject({
      pass: false,
      message: 'The file is PCM_S16LE, not MP3.',
    });
    expect(r.checks.find((c) => c.id === 'rms')!.pass).toBe(true);
  }, 60_000);
});
