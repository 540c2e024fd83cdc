/**
 * Media for the clone-from-video tests (tests/unit/dub-clone.test.ts, tests/e2e/dub-clone.e2e.test.ts): real speech
 * from ../shared/eval placed at known times in a WebM made with ffmpeg, white noise over two of ANNA's segments, one
 * ANNA cue overlapped by BOB's, and CARL with too little speech; the SRT with `NAME: text` cues.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { decodeWav, encodeWav } from '../../native-models/audio/wav.js';

const RATE = 16_000;
const SPEECH_16K = path.resolve('../shared/eval/speech/16k');
const clip = (id: string) => decodeWav(readFileSync(path.join(SPEECH_16K, `${id}.wav`))).samples;
const rms = (x: Float32Array) => Math.sqrt(x.reduce((n, v) => n + v * v, 0) / x.length);

/** Where each voice is placed (speech start, seconds) and its cue; `noisy` adds white noise over cue ± 0.5 s. */
interface Placed {
  speaker: string;
  clip: string;
  at: number;
  cue: [number, number];
  noisy?: boolean;
  text: string;
}
export const LJ1 = 'lj_LJ001-0001'; // 9.655 s
const LJ3 = 'lj_LJ001-0003'; // 9.667 s
const LJ5 = 'lj_LJ001-0005'; // 8.111 s
export const PLACED: Placed[] = [
  { speaker: 'ANNA', clip: LJ1, at: 0.5, cue: [0.3, 10.4], text: 'Clean one.' },
  { speaker: 'BOB', clip: 'ls_1688-142285-0000', at: 12, cue: [11.8, 27.2], text: 'Bob speaks.' },
  { speaker: 'ANNA', clip: LJ3, at: 29, cue: [28.8, 38.9], noisy: true, text: 'Noisy one.' },
  { speaker: 'ANNA', clip: LJ5, at: 41, cue: [40.8, 49.3], text: 'Clean two.' },
  { speaker: 'ANNA', clip: LJ3, at: 51, cue: [50.8, 60.9], text: 'Clean three.' },
  // BOB starts talking at 68 s while ANNA is still speaking: the cues overlap (the import cuts ANNA's at 68 s).
  { speaker: 'ANNA', clip: LJ1, at: 62, cue: [61.8, 71.9], text: 'Talked over.' },
  { speaker: 'BOB', clip: 'ls_1688-142285-0001', at: 68, cue: [68, 80.8], text: 'Bob interrupts.' },
  { speaker: 'ANNA', clip: LJ5, at: 82, cue: [81.8, 90.3], noisy: true, text: 'Noisy two.' },
  { speaker: 'CARL', clip: 'arctic_aew_a0001', at: 92, cue: [91.8, 96], text: 'Carl says little.' },
];
const DURATION = 98;
export const CLEAN = new Set(['Clean one.', 'Clean two.', 'Clean three.']);

/** Writes `talk.webm` and `talk.srt` into `dir`. */
export function makeCloneMedia(dir: string): { video: string; srt: string } {
  const video = path.join(dir, 'talk.webm');
  const srt = path.join(dir, 'talk.srt');
  const pcm = new Float32Array(DURATION * RATE);
  let seed = 7;
  const white = () => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return (seed / 2 ** 32 - 0.5) * Math.sqrt(12); // unit variance
  };
  for (let i = 0; i < pcm.length; i++) pcm[i] = 0.001 * white(); // a quiet room (-60 dBFS)
  for (const p of PLACED) {
    const x = clip(p.clip);
    const at = Math.round(p.at * RATE);
    for (let i = 0; i < x.length && at + i < pcm.length; i++) pcm[at + i] += x[i];
    if (p.noisy) {
      const level = 0.6 * rms(x);
      for (let i = Math.round((p.cue[0] - 0.5) * RATE); i < Math.round((p.cue[1] + 0.5) * RATE); i++)
        pcm[i] += level * white();
    }
  }
  const wav = path.join(dir, 'talk.wav');
  writeFileSync(wav, encodeWav(pcm, RATE));
  execFileSync('ffmpeg', [
    '-v', 'error',
    '-f', 'lavfi', '-i', `testsrc=size=96x64:rate=5:duration=${DURATION}`,
    '-i', wav,
    '-c:v', 'libvpx', '-b:v', '50k', '-c:a', 'libopus', '-b:a', '96k', '-shortest', '-y', video,
  ]); // prettier-ignore
  const ts = (s: number) => {
    const ms = Math.round(s * 1000);
    const p2 = (n: number, w = 2) => String(n).padStart(w, '0');
    return `${p2(Math.floor(ms / 3600000))}:${p2(Math.floor(ms / 60000) % 60)}:${p2(Math.floor(ms / 1000) % 60)},${p2(ms % 1000, 3)}`;
  };
  writeFileSync(
    srt,
    PLACED.map((p, i) => `${i + 1}\n${ts(p.cue[0])} --> ${ts(p.cue[1])}\n${p.speaker}: ${p.text}\n`).join('\n'),
  );
  return { video, srt };
}
