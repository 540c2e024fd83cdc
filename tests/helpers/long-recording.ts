/**
 * The one-hour recording of the long-recording test and bench (issue #9), made on the spot (never committed): the eval
 * speech clips one after another with 1.5 s pauses (about 2 minutes), looped by ffmpeg to `seconds`, mixed with pink
 * noise at about -50 dBFS, at 48 kHz mono, encoded as FLAC (so decoding goes through ffmpeg's pipe, as for any
 * compressed upload).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { decodeWav, encodeWav } from '../../native-models/audio/wav.js';

export const SPEECH_16K = path.resolve(import.meta.dirname, '..', '..', '..', 'shared', 'eval', 'speech', '16k');

export function makeLongRecording(dir: string, seconds: number, rate = 48_000): string {
  const clips = readdirSync(SPEECH_16K)
    .filter((f) => f.endsWith('.wav'))
    .sort()
    .map((f) => decodeWav(readFileSync(path.join(SPEECH_16K, f))).samples);
  const pause = 1.5 * 16_000;
  const loop = new Float32Array(clips.reduce((a, c) => a + c.length + pause, 0));
  let o = 0;
  for (const c of clips) {
    loop.set(c, o);
    o += c.length + pause;
  }
  const loopFile = path.join(dir, 'loop.wav');
  writeFileSync(loopFile, encodeWav(loop, 16_000));
  const out = path.join(dir, `recording-${seconds}s.flac`);
  execFileSync(
    'ffmpeg',
    [
      '-v',
      'error',
      '-y',
      '-stream_loop',
      '-1',
      '-i',
      loopFile,
      '-f',
      'lavfi',
      '-i',
      `anoisesrc=color=pink:amplitude=0.006:sample_rate=${rate}:seed=9`,
      '-filter_complex',
      `[0]aresample=${rate}[s];[s][1]amix=inputs=2:duration=first:normalize=0`,
      '-t',
      String(seconds),
      '-ac',
      '1',
      '-ar',
      String(rate),
      '-c:a',
      'flac',
      out,
    ],
    { stdio: 'ignore' },
  );
  return out;
}
