/**
 * The mono downmix adds no gain (issue #16): a 6-channel 24-bit file at -6 dBFS per channel measures -6 dBFS and is
 * not "clipped", whether our WAV decoder reads it or ffmpeg does (FLAC, and a WAV that must be resampled). ffmpeg's
 * `-ac 1` sums channels with gain (+3 dB from stereo, +10.6 dB from 5.1), which made healthy files measure as clipped.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Core } from '../../main/node/core.js';
import { decodeAudioFile } from '../../main/node/audio/decode.js';
import { decodeWav } from '../../native-models/audio/wav.js';
import type { StagedAudio } from '../../preload/contract/index.js';
import { pcm24Wav } from '../helpers/bad-audio.js';
import { tempDir } from '../helpers/tmp.js';
import { SPEECH_16K, call, openVoiceCore } from '../helpers/voices.js';

const peakDb = (x: Float32Array) => {
  let p = 0;
  for (const v of x) p = Math.max(p, Math.abs(v));
  return 20 * Math.log10(p);
};

describe('downmix without gain', () => {
  const t = tempDir();
  const at = (n: string) => path.join(t.dir, n);
  let core: Core;

  beforeAll(async () => {
    // Real speech at exactly -6 dBFS peak, the same on every channel.
    const speech = decodeWav(readFileSync(path.join(SPEECH_16K, 'ls_103-1240-0000.wav'))).samples;
    let p = 0;
    for (const v of speech) p = Math.max(p, Math.abs(v));
    const half = Float32Array.from(speech, (v) => (v / p) * 0.5);
    writeFileSync(at('six.wav'), pcm24Wav(half, 16_000, 6));
    writeFileSync(at('two.wav'), pcm24Wav(half, 16_000, 2));
    writeFileSync(at('eight.wav'), pcm24Wav(half, 16_000, 8));
    for (const n of ['six', 'two', 'eight'])
      execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', at(`${n}.wav`), '-c:a', 'flac', at(`${n}.flac`)]);
    core = await openVoiceCore(path.join(t.dir, 'data'));
    await call(core, 'vault.unlock', { passphrase: 'downmix test passphrase' });
  }, 120_000);
  afterAll(async () => {
    await core?.close();
    t.cleanup();
  });

  it('6-, 2- and 8-channel 24-bit at -6 dBFS measure -6 dBFS through our decoder and through ffmpeg', async () => {
    for (const n of ['six', 'two', 'eight']) {
      const wav = await decodeAudioFile(at(`${n}.wav`)); // our decoder
      const flac = await decodeAudioFile(at(`${n}.flac`)); // ffmpeg
      const resampled = await decodeAudioFile(at(`${n}.wav`), 48_000); // ffmpeg, resampling
      expect(wav.channels).toBe({ six: 6, two: 2, eight: 8 }[n]);
      expect(flac.channels).toBe(wav.channels);
      expect(peakDb(wav.samples), n).toBeCloseTo(-6.02, 1);
      expect(peakDb(flac.samples), n).toBeCloseTo(-6.02, 1);
      // Resampling may move an inter-sample peak a little, never by decibels.
      expect(Math.abs(peakDb(resampled.samples) + 6.02), n).toBeLessThan(0.5);
    }
  }, 60_000);

  it('staged, the 6-channel file is not clipped and reports the source level', async () => {
    for (const f of ['six.wav', 'six.flac']) {
      const s = await call<StagedAudio>(core, 'voiceAudio.stage', { path: at(f) });
      expect(s.report.channels, f).toBe(6);
      expect(s.report.clippedPercent, f).toBe(0);
      expect(s.report.peakDbfs, f).toBeCloseTo(-6, 0);
      expect(
        s.report.advice.map((a) => a.code),
        f,
      ).not.toContain('clipping');
    }
  }, 60_000);
});
