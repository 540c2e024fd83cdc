/**
 * Import: every listed format, generated with ffmpeg from a real eval clip, decodes to the right length and the same
 * audio; a corpus of broken files each gets its specific `audioProblem` (decode → analyze → assertUsableForVoice),
 * all through one process, which is still healthy afterwards.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../native-models/common/errors.js';
import { decodeAudioFile } from '../../main/node/audio/decode.js';
import { encodeWav } from '../../native-models/audio/wav.js';
import { resample } from '../../native-models/dsp/resample.js';
import { analyzeVoiceAudio, assertUsableForVoice } from '../../native-models/enhance/cleanup.js';
import { SileroVad } from '../../native-models/vad/index.js';
import { tempDir } from '../helpers/tmp.js';

const CLIP = path.resolve('../shared/eval/speech/native/lj_LJ001-0001.wav');
const CLIP16 = path.resolve('../shared/eval/speech/16k/ls_1688-142285-0001.wav');
const tmp = tempDir('timbre-import-');
const at = (name: string) => path.join(tmp.dir, name);
const ffmpeg = (...args: string[]) => execFileSync('ffmpeg', ['-nostdin', '-v', 'error', '-y', ...args]);

let vad: SileroVad;
let source: Float32Array; // the clip at 16 kHz
let sourceSeconds: number;
beforeAll(async () => {
  vad = await SileroVad.load(path.resolve('../shared/models/silero-vad/silero_vad.onnx'));
  const d = await decodeAudioFile(CLIP);
  source = resample(d.samples, d.sampleRate, 16000);
  sourceSeconds = d.samples.length / d.sampleRate;
});
afterAll(async () => {
  await vad.dispose();
  tmp.cleanup();
});

/** Best normalised correlation of a 2 s excerpt of `y` (16 kHz) with the source, over lags of ±100 ms. */
function bestCorrelation(y: Float32Array): number {
  const from = 2 * 16000;
  const ex = y.subarray(from, from + 2 * 16000);
  let ee = 0;
  for (const v of ex) ee += v * v;
  let best = -1;
  for (let lag = -1600; lag <= 1600; lag++) {
    let ab = 0;
    let bb = 0;
    for (let i = 0; i < ex.length; i++) {
      const s = source[from + lag + i] ?? 0;
      ab += ex[i] * s;
      bb += s * s;
    }
    best = Math.max(best, ab / Math.sqrt(ee * bb));
  }
  return best;
}

/** Output options after the inputs; video files get a generated picture track first and the clip's audio second. */
const video = (codec: string[]) => [
  '-f',
  'lavfi',
  '-i',
  'testsrc=size=160x120:rate=10',
  '-i',
  CLIP,
  '-map',
  '0:v',
  '-map',
  '1:a',
  '-shortest',
  '-c:v',
  'mpeg4',
  ...codec,
];
const FORMATS: { name: string; args: string[]; rate: number; channels: number; minCorr: number }[] = [
  { name: 'pcm16.wav', args: ['-i', CLIP, '-c:a', 'pcm_s16le'], rate: 22050, channels: 1, minCorr: 0.999 },
  { name: 'pcm24.wav', args: ['-i', CLIP, '-c:a', 'pcm_s24le'], rate: 22050, channels: 1, minCorr: 0.999 },
  {
    name: 'stereo-44k.wav',
    args: ['-i', CLIP, '-ar', '44100', '-ac', '2', '-c:a', 'pcm_s16le'],
    rate: 44100,
    channels: 2,
    minCorr: 0.999,
  },
  { name: 'speech.flac', args: ['-i', CLIP, '-c:a', 'flac'], rate: 22050, channels: 1, minCorr: 0.999 },
  {
    name: 'speech.mp3',
    args: ['-i', CLIP, '-c:a', 'libmp3lame', '-b:a', '64k'],
    rate: 22050,
    channels: 1,
    minCorr: 0.95,
  },
  { name: 'speech.ogg', args: ['-i', CLIP, '-c:a', 'libopus', '-b:a', '48k'], rate: 48000, channels: 1, minCorr: 0.9 },
  { name: 'speech.m4a', args: ['-i', CLIP, '-c:a', 'aac', '-b:a', '64k'], rate: 22050, channels: 1, minCorr: 0.95 },
  { name: 'speech.webm', args: ['-i', CLIP, '-c:a', 'libopus', '-b:a', '48k'], rate: 48000, channels: 1, minCorr: 0.9 },
  { name: 'video.mp4', args: video(['-c:a', 'aac']), rate: 22050, channels: 1, minCorr: 0.95 },
  { name: 'video.mov', args: video(['-c:a', 'aac']), rate: 22050, channels: 1, minCorr: 0.95 },
  { name: 'video.mkv', args: video(['-ac', '2', '-c:a', 'libopus']), rate: 48000, channels: 2, minCorr: 0.9 },
];

/** Deterministic noise bytes (xorshift32). */
function noiseBytes(n: number, seed: number): Buffer {
  let s = seed;
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    b[i] = s & 0xff;
  }
  return b;
}

describe('import formats (ffmpeg-generated from an eval clip)', () => {
  for (const f of FORMATS) {
    it(`${f.name}: right length, rate and channels, same audio`, async () => {
      ffmpeg(...f.args, at(f.name));
      const d = await decodeAudioFile(at(f.name));
      expect(d.sourceRate).toBe(f.rate);
      expect(d.sampleRate).toBe(f.rate);
      expect(d.channels).toBe(f.channels);
      const seconds = d.samples.length / d.sampleRate;
      expect(Math.abs(seconds - sourceSeconds) / sourceSeconds).toBeLessThan(0.02);
      expect(bestCorrelation(resample(d.samples, d.sampleRate, 16000))).toBeGreaterThan(f.minCorr);
      // And at a requested rate.
      const d16 = await decodeAudioFile(at(f.name), 16000);
      expect(d16.sampleRate).toBe(16000);
      expect(Math.abs(d16.samples.length / 16000 - sourceSeconds) / sourceSeconds).toBeLessThan(0.02);
    });
  }
});

interface Case {
  name: string;
  make: (file: string) => void;
  problem: string;
  message: RegExp;
}

const CORPUS: Case[] = [
  { name: 'empty.wav', make: (p) => writeFileSync(p, ''), problem: 'unreadable', message: /empty \(0 bytes\)/ },
  {
    name: 'random.wav',
    make: (p) => writeFileSync(p, noiseBytes(30000, 7)),
    problem: 'unreadable',
    message: /cannot be read: it is damaged or not a media file/,
  },
  {
    name: 'random.mp3',
    make: (p) => writeFileSync(p, noiseBytes(30000, 8)),
    problem: 'unreadable',
    message: /cannot be read: it is damaged or not a media file/,
  },
  {
    name: 'truncated.mp3',
    make: (p) => {
      ffmpeg('-i', CLIP, '-c:a', 'libmp3lame', at('full.mp3'));
      writeFileSync(p, readFileSync(at('full.mp3')).subarray(0, 4000));
    },
    problem: 'unreadable',
    message: /truncated \(cut off\)/,
  },
  {
    name: 'truncated.wav',
    make: (p) => writeFileSync(p, readFileSync(CLIP).subarray(0, 150000)),
    problem: 'unreadable',
    message: /truncated \(cut off\): its header promises 9\.7 s of audio but the file holds 3\.4 s/,
  },
  {
    name: 'header-only.wav',
    make: (p) => writeFileSync(p, readFileSync(CLIP).subarray(0, 40)),
    problem: 'unreadable',
    message: /is not a usable WAV file: no data chunk/,
  },
  {
    name: 'notes.txt',
    make: (p) => writeFileSync(p, 'Voice notes: record in a quiet room.\nRead the script slowly.\n'),
    problem: 'unsupported-type',
    message: /notes\.txt is a text file, not a readable audio or video file/,
  },
  {
    name: 'script.pdf',
    make: (p) => writeFileSync(p, '%PDF-1.4\n1 0 obj\n<<>>\nendobj\n'),
    problem: 'unsupported-type',
    message: /PDF document/,
  },
  {
    name: 'silent-video.mp4',
    make: (p) => ffmpeg('-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=10:duration=3', '-c:v', 'mpeg4', p),
    problem: 'no-audio-stream',
    message: /video without an audio track/,
  },
  {
    name: 'one-second.wav',
    make: (p) => ffmpeg('-i', CLIP16, '-ss', '2', '-t', '1', p),
    problem: 'too-short',
    message: /at least 3 s/,
  },
  {
    name: 'silence.wav',
    make: (p) => ffmpeg('-f', 'lavfi', '-i', 'anullsrc=r=44100:cl=mono', '-t', '10', p),
    problem: 'silent',
    message: /silent/,
  },
  {
    name: 'clipped.wav',
    make: (p) => ffmpeg('-i', CLIP16, '-af', 'volume=30dB', '-c:a', 'pcm_s16le', p),
    problem: 'clipped',
    message: /heavily clipped \(\d+\.\d % of samples/,
  },
  {
    name: 'music.flac',
    make: (p) =>
      ffmpeg(
        '-f',
        'lavfi',
        '-i',
        "aevalsrc='0.25*sin(2*PI*(220*pow(2\\,floor(mod(t*3\\,8))/6))*t)+0.15*sin(2*PI*330*t)*(0.5+0.5*sin(2*PI*0.5*t))+0.05*(random(0)-0.5)':s=44100:d=10",
        '-ac',
        '2',
        p,
      ),
    problem: 'not-speech',
    message: /mostly not speech/,
  },
  {
    name: 'pink-noise.ogg',
    make: (p) => ffmpeg('-f', 'lavfi', '-i', 'anoisesrc=d=10:c=pink:r=48000:a=0.2', '-c:a', 'libopus', p),
    problem: 'not-speech',
    message: /mostly not speech/,
  },
];

/** decode → analyze → assertUsableForVoice; the audioProblem and message of the first failure, or null. */
async function check(file: string): Promise<{ problem: string; message: string } | null> {
  try {
    const d = await decodeAudioFile(file);
    const r = await analyzeVoiceAudio(d.samples, d.sampleRate, { vad }, { channels: d.channels });
    assertUsableForVoice(r);
    return null;
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    const e = err as ApiError;
    expect(e.code).toBe('INVALID_INPUT');
    return { problem: (e.details as { audioProblem: string }).audioProblem, message: e.message };
  }
}

describe('broken and unusable files', () => {
  it('each gets its specific problem and message, sequentially in one process, which stays healthy', async () => {
    for (const c of CORPUS) c.make(at(c.name));
    const got: Record<string, string | undefined> = {};
    for (const c of CORPUS) {
      const r = await check(at(c.name));
      got[c.name] = r?.problem;
      expect(r?.message, c.name).toMatch(c.message);
    }
    expect(got).toEqual(Object.fromEntries(CORPUS.map((c) => [c.name, c.problem])));
    // A missing file is specific too.
    expect(await check(at('no-such-file.wav'))).toEqual({
      problem: 'unreadable',
      message: `No such file: ${at('no-such-file.wav')}`,
    });
    // Still healthy: a good file in a format that goes through ffmpeg decodes and passes.
    ffmpeg('-i', CLIP16, '-c:a', 'flac', at('good.flac'));
    expect(await check(at('good.flac'))).toBeNull();
    writeFileSync(at('good.wav'), encodeWav(source, 16000));
    expect(await check(at('good.wav'))).toBeNull();
  }, 120_000);
});
