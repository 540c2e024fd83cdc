/**
 * The shared audio checks (issue #16): every decoded piece of audio (file, upload, recording, clean-up) passes
 * checkDecodedAudio; the analysis refuses NaN/Inf itself; an upload's WAV head is judged as it arrives.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { AUDIO_LIMITS, checkDecodedAudio, uploadHeadProblem } from '../../main/node/audio/decode.js';
import { ApiError } from '../../native-models/common/errors.js';
import { countNonFinite } from '../../native-models/audio/checks.js';
import { analyzeVoiceAudio, cleanVoiceAudio } from '../../native-models/enhance/cleanup.js';
import { decodeWav } from '../../native-models/audio/wav.js';
import { SileroVad } from '../../native-models/vad/silero-vad.js';
import { badWavs, wavHeader } from '../helpers/bad-audio.js';
import { SHARED_MODELS, SPEECH_16K } from '../helpers/voices.js';

const SPEECH_WAV = readFileSync(path.join(SPEECH_16K, 'ls_103-1240-0000.wav'));

function problemOf(fn: () => unknown): { problem: string; message: string } | null {
  try {
    fn();
    return null;
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    const e = err as ApiError;
    expect(e.code).toBe('INVALID_INPUT');
    return { problem: (e.details as { audioProblem: string }).audioProblem, message: e.message };
  }
}

describe('checkDecodedAudio', () => {
  it('counts NaN and ±Infinity, and nothing else', () => {
    expect(countNonFinite(new Float32Array([0, 1, -1, 3.4e38, -0]))).toBe(0);
    expect(countNonFinite(new Float32Array([NaN, Infinity, -Infinity, 0.5]))).toBe(3);
  });

  it('refuses empty audio, invalid samples, too long or too many samples, an impossible rate', () => {
    const x = new Float32Array(16_000).fill(0.1);
    expect(problemOf(() => checkDecodedAudio(x, 16_000, 'a.wav'))).toBeNull();
    expect(problemOf(() => checkDecodedAudio(new Float32Array(0), 16_000, 'a.wav'))?.problem).toBe('unreadable');
    x[7] = NaN;
    x[9] = -Infinity;
    expect(problemOf(() => checkDecodedAudio(x, 16_000, 'a.wav'))).toEqual({
      problem: 'invalid-samples',
      message: expect.stringMatching(/^a\.wav contains 2 invalid \(NaN\/infinite\) samples/) as unknown as string,
    });
    // 31 minutes at 8 kHz: over the duration limit (the array is never filled: only its length matters).
    expect(problemOf(() => checkDecodedAudio(new Float32Array(31 * 60 * 8000), 8000, 'b.wav'))).toEqual({
      problem: 'too-long',
      message: expect.stringMatching(/b\.wav is 31\.0 min long: Timbre reads at most 30 minutes/) as unknown as string,
    });
    // 16 minutes at 96 kHz: under 30 minutes, over 86.4 M samples.
    const long96 = problemOf(() => checkDecodedAudio(new Float32Array(16 * 60 * 96_000), 96_000, 'c.wav'));
    expect(long96?.problem).toBe('too-long');
    expect(long96?.message).toMatch(/at 96\.0 kHz Timbre reads at most 15\.0 min \(86\.4 M samples\)/);
    expect(problemOf(() => checkDecodedAudio(new Float32Array(10), 4_294_967_295, 'd.wav'))?.problem).toBe(
      'unreadable',
    );
    expect(AUDIO_LIMITS.maxSeconds).toBe(1800);
  });
});

describe('the analysis refuses NaN/Inf itself (no silent all-zero clean-up)', () => {
  let vad: SileroVad;
  beforeAll(async () => {
    vad = await SileroVad.load(path.join(SHARED_MODELS, 'silero-vad', 'silero_vad.onnx'));
  });
  afterAll(async () => vad?.dispose());

  it('one NaN per 1,000 samples: analysis and clean-up throw invalid-samples instead of writing silence', async () => {
    const x = decodeWav(SPEECH_WAV).samples.slice();
    for (let i = 500; i < x.length; i += 1000) x[i] = NaN;
    const bad = Math.floor((x.length - 501) / 1000) + 1;
    for (const run of [
      () => analyzeVoiceAudio(x, 16_000, { vad }),
      () => cleanVoiceAudio(x, 16_000, { trim: true, normalize: true }, { vad }),
    ]) {
      const err = (await run().catch((e: unknown) => e)) as ApiError;
      expect(err).toBeInstanceOf(ApiError);
      expect(err.details).toEqual({ audioProblem: 'invalid-samples' });
      expect(err.message).toMatch(new RegExp(`contains ${bad} invalid \\(NaN/infinite\\) samples`));
    }
    // The same audio without the NaNs cleans to sound, not silence.
    const good = decodeWav(SPEECH_WAV).samples;
    const r = await cleanVoiceAudio(good, 16_000, { trim: true, normalize: true }, { vad });
    expect(r.report.peakDbfs).toBeGreaterThan(-20);
  }, 60_000);
});

describe('uploadHeadProblem (the upload route, before the body has arrived)', () => {
  const files = badWavs(SPEECH_WAV);
  const head = (b: Buffer) => b.subarray(0, 64 * 1024);

  it('refuses lying headers from the first 64 KiB, and waits when the head cannot tell yet', () => {
    expect(uploadHeadProblem(head(files['4ghz.wav']), files['4ghz.wav'].length, '4ghz.wav')?.message).toMatch(
      /4,294,967,295 Hz/,
    );
    expect(uploadHeadProblem(head(files['huge-channels.wav']), null, 'h.wav')?.message).toMatch(/65535 channels/);
    // Voice audio (what the upload route takes) may be 2 hours long (VOICE_AUDIO_LIMITS): 2 h 10 min is refused.
    const overTwoHours = wavHeader({ rate: 48_000, channels: 1, bits: 16, dataBytes: 130 * 60 * 48_000 * 2 });
    // Chunked (no Content-Length): the declared size alone is enough to refuse.
    const tooLong = uploadHeadProblem(overTwoHours, null, 'long.wav');
    expect(tooLong?.details).toEqual({ audioProblem: 'too-long' });
    expect(tooLong?.message).toMatch(/long\.wav is 2 h 10 min long: Timbre reads at most 2 hours of voice audio/);
    const twoHours = wavHeader({ rate: 48_000, channels: 1, bits: 16, dataBytes: 2 * 3600 * 48_000 * 2 });
    expect(uploadHeadProblem(twoHours, null, '2h.wav')).toBeNull();
    // A head cut before the fmt chunk is complete: not enough to judge, so no verdict yet.
    expect(uploadHeadProblem(files['4ghz.wav'].subarray(0, 20), files['4ghz.wav'].length, 'x.wav')).toBeNull();
    // A good file and a non-WAV: nothing to say.
    expect(uploadHeadProblem(head(SPEECH_WAV), SPEECH_WAV.length, 'good.wav')).toBeNull();
    expect(uploadHeadProblem(Buffer.from('ID3\x04 mp3 data here'), 100, 'a.mp3')).toBeNull();
  });
});
