/**
 * Media for the speaker tests (tests/unit/dub-speakers.test.ts, tests/e2e/dub-speakers.e2e.test.ts): real speech of
 * two readers from ../shared/eval (A = LJ Speech, female; B = LibriSpeech 1688, male) placed at known times over
 * pink noise by ffmpeg, under a test-pattern video, and SRT cues for it.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';

const EVAL = path.resolve(__dirname, '..', '..', '..', 'shared', 'eval', 'speech', '16k');

/** [reader, media start, clip, offset in the clip, seconds] */
export type PlacedReading = ['A' | 'B', number, string, number, number];

/**
 * Writes a video of `length` seconds holding `placed`. A `.webm` gets VP8 and Opus (what a browser plays), anything
 * else MPEG-4 video and FLAC at 16 kHz (smaller and quicker to make).
 */
export function readersVideo(out: string, placed: PlacedReading[], length: number): void {
  const webm = out.endsWith('.webm');
  const inputs = placed.flatMap(([, , clip, off, len]) => [
    '-ss', String(off), '-t', String(len), '-i', path.join(EVAL, `${clip}.wav`),
  ]); // prettier-ignore
  const delays = placed.map(([, at], i) => `[${i + 2}]adelay=${Math.round(at * 1000)}:all=1[s${i}]`).join(';');
  const mix = `${delays};[1]${placed.map((_, i) => `[s${i}]`).join('')}amix=inputs=${placed.length + 1}:duration=first:normalize=0[a]`;
  execFileSync('ffmpeg', [
    '-v', 'error',
    '-f', 'lavfi', '-i', webm ? `testsrc=size=160x120:rate=10:duration=${length}` : `testsrc=size=64x48:rate=5:duration=${length}`,
    '-f', 'lavfi', '-i', `anoisesrc=d=${length}:c=pink:a=0.001:r=${webm ? 48000 : 16000}`,
    ...inputs,
    '-filter_complex', mix, '-map', '0:v', '-map', '[a]',
    ...(webm ? ['-c:v', 'libvpx', '-b:v', '200k', '-c:a', 'libopus'] : ['-c:v', 'mpeg4', '-c:a', 'flac']),
    '-y', out,
  ]); // prettier-ignore
}

export const srtTime = (s: number) => {
  const ms = Math.round(s * 1000);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(Math.floor(ms / 3600000))}:${p(Math.floor(ms / 60000) % 60)}:${p(Math.floor(ms / 1000) % 60)},${p(ms % 1000, 3)}`;
};

/** Writes an SRT with one cue "Line N." per [start, end]. */
export function writeCues(out: string, cues: [number, number][]): void {
  writeFileSync(out, cues.map(([a, b], i) => `${i + 1}\n${srtTime(a)} --> ${srtTime(b)}\nLine ${i + 1}.\n`).join('\n'));
}
