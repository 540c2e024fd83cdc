/**
 * Which ffmpeg runs: TIMBRE_FFMPEG, else the system one, else the static build bundled through the registry
 * packages. The bundled binaries are exercised for real: they encode and decode the formats Timbre imports and
 * exports.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  bundledBinary,
  describeFfmpeg,
  findOnPath,
  resetFfmpegCache,
  resolveFfmpeg,
  resolveFfprobe,
} from '../../main/node/audio/ffmpeg.js';
import { decodeWav } from '../../native-models/audio/wav.js';

const CLIP = path.resolve('../shared/eval/speech/16k/arctic_aew_a0001.wav');
const saved = { PATH: process.env.PATH, TIMBRE_FFMPEG: process.env.TIMBRE_FFMPEG };

afterEach(() => {
  process.env.PATH = saved.PATH;
  if (saved.TIMBRE_FFMPEG === undefined) delete process.env.TIMBRE_FFMPEG;
  else process.env.TIMBRE_FFMPEG = saved.TIMBRE_FFMPEG;
  resetFfmpegCache();
});

describe('ffmpeg resolution', () => {
  it('prefers the system ffmpeg, falls back to the bundled one, honours TIMBRE_FFMPEG', () => {
    const sys = findOnPath('ffmpeg');
    expect(sys, 'the test machine has a system ffmpeg (installed by build/scripts/install-deps.sh)').toBeTruthy();
    resetFfmpegCache();
    expect(resolveFfmpeg()).toEqual({ path: sys, source: 'system' });
    expect(describeFfmpeg()).toContain('the system one');

    process.env.PATH = '';
    resetFfmpegCache();
    const ff = resolveFfmpeg();
    expect(ff?.source).toBe('bundled');
    expect(ff?.path).toBe(bundledBinary('ffmpeg'));
    expect(resolveFfprobe()?.source).toBe('bundled');
    expect(describeFfmpeg()).toContain('bundled with Timbre');

    process.env.TIMBRE_FFMPEG = '/opt/custom/ffmpeg';
    expect(resolveFfmpeg()).toEqual({ path: '/opt/custom/ffmpeg', source: 'env' });
  });

  it('the bundled ffmpeg round-trips speech through MP3, Opus, AAC and FLAC; the bundled ffprobe reads them', () => {
    const ffmpeg = bundledBinary('ffmpeg');
    const ffprobe = bundledBinary('ffprobe');
    expect(ffmpeg).toBeTruthy();
    expect(ffprobe).toBeTruthy();
    const ref = decodeWav(readFileSync(CLIP));
    const refSeconds = ref.samples.length / ref.sampleRate;
    const dir = mkdtempSync(path.join(os.tmpdir(), 'timbre-ffmpeg-'));
    try {
      for (const [ext, codec] of [
        ['mp3', ['-c:a', 'libmp3lame', '-b:a', '96k']],
        ['opus', ['-c:a', 'libopus', '-b:a', '48k']],
        ['m4a', ['-c:a', 'aac', '-b:a', '96k']],
        ['flac', ['-c:a', 'flac']],
      ] as const) {
        const file = path.join(dir, `clip.${ext}`);
        const enc = spawnSync(ffmpeg!, ['-v', 'error', '-y', '-i', CLIP, ...codec, file], { encoding: 'utf8' });
        expect(enc.status, enc.stderr).toBe(0);
        const probe = spawnSync(
          ffprobe!,
          ['-v', 'error', '-show_entries', 'format=duration', '-of', 'default=nw=1:nk=1', file],
          { encoding: 'utf8' },
        );
        expect(probe.status, probe.stderr).toBe(0);
        expect(Math.abs(Number(probe.stdout) - refSeconds) / refSeconds).toBeLessThan(0.03);
        const dec = spawnSync(ffmpeg!, ['-v', 'error', '-i', file, '-ac', '1', '-ar', '16000', '-f', 's16le', '-'], {
          maxBuffer: 64 << 20,
        });
        expect(dec.status, String(dec.stderr)).toBe(0);
        const seconds = dec.stdout.length / 2 / 16000;
        expect(Math.abs(seconds - refSeconds) / refSeconds).toBeLessThan(0.03);
        // Not silence: the decoded speech has energy comparable to the source.
        const pcm = new Int16Array(dec.stdout.buffer, dec.stdout.byteOffset, dec.stdout.length >> 1);
        let e = 0;
        for (const s of pcm) e += (s / 32768) ** 2;
        let r = 0;
        for (const s of ref.samples) r += s * s;
        expect(e / pcm.length / (r / ref.samples.length)).toBeGreaterThan(0.5);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
