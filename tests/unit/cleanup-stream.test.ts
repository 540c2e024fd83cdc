/**
 * The streaming voice clean-up (native-models/enhance/cleanup.ts: blocks from a PcmSource, intermediates in encrypted
 * temporary files) against the previous whole-signal implementation (tests/helpers/whole-cleanup/, the code as it was
 * before streaming, kept as the reference) on short real speech with the real Silero VAD and GTCRN models.
 *
 * Tolerances: the quality reports are equal field by field (segments, SNR, noise floor, clipping, DC, best window,
 * advice) except the peak, within one 0.1 dB rounding step, and the integrated loudness, within 0.05 LU (the
 * streaming meter sums 100 ms sub-blocks, the whole-signal one 400 ms blocks); cleaned samples are within 1e-4 of full scale (−80 dBFS) of the reference (float32
 * rounding of sums taken in another order, and the streaming limiter's full true-peak envelope where the reference
 * used a sparse one), 5e-4 at 11 025 Hz (see the test).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeWav } from '../../native-models/audio/wav.js';
import { arraySource, readAll, tempFileStore } from '../../native-models/audio/pcm-store.js';
import { resample } from '../../native-models/dsp/resample.js';
import {
  analyzeSource,
  analyzeVoiceAudio,
  cleanSource,
  cleanVoiceAudio,
  type CleanupOptions,
  type QualityReport,
  type VoiceAudioDeps,
} from '../../native-models/enhance/cleanup.js';
import { GtcrnDenoiser } from '../../native-models/enhance/gtcrn.js';
import { SileroVad } from '../../native-models/vad/index.js';
import * as whole from '../helpers/whole-cleanup/cleanup.js';
import { tempDir } from '../helpers/tmp.js';

const SPEECH = path.resolve('../shared/eval/speech');
const load = (rel: string) => decodeWav(readFileSync(path.join(SPEECH, rel)));

function noise(n: number, level: number, seed: number): Float32Array {
  let s = seed;
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    x[i] = ((s >>> 0) / 0xffffffff - 0.5) * level;
  }
  return x;
}

/**
 * About `seconds` of speech at `rate`: eval clips with 1.5 s pauses, light noise throughout, louder noise in the first
 * third, a DC offset and a few clipped peaks (so every branch of the report and the clean-up is exercised).
 */
function recording(rate: number, seconds: number, seed: number): Float32Array {
  const clips = ['16k/ls_103-1240-0000.wav', '16k/jfk_inaugural_1961.wav', '16k/arctic_aew_a0001.wav'].map((f) =>
    resample(load(f).samples, 16000, rate),
  );
  const x = new Float32Array(Math.round(seconds * rate));
  for (let o = Math.round(0.8 * rate), k = 0; o < x.length; k++) {
    const c = clips[k % clips.length];
    x.set(c.subarray(0, Math.min(c.length, x.length - o)), o);
    o += c.length + Math.round(1.5 * rate);
  }
  const nz = noise(x.length, 0.004, seed);
  const loud = noise(Math.round(x.length / 3), 0.08, seed + 1);
  for (let i = 0; i < x.length; i++) x[i] = x[i] * 0.7 + nz[i] + (i < loud.length ? loud[i] : 0) + 0.01;
  for (let i = Math.round(x.length * 0.9); i < x.length * 0.9 + 200; i++) x[i] = x[i] > 0 ? 1 : -1;
  return x;
}

function expectSameReport(got: QualityReport, want: QualityReport): void {
  const { loudnessLufs: gl, dcOffset: gd, peakDbfs: gp, ...g } = got;
  const { loudnessLufs: wl, dcOffset: wd, peakDbfs: wp, ...w } = want;
  expect(g).toEqual(w);
  // The mean of a normalised result scales with its gain (see the sample tolerance at 11 025 Hz).
  expect(Math.abs(gd - wd)).toBeLessThanOrEqual(1e-9 + 1e-3 * Math.abs(wd));
  // Rounded to 0.1 dB: a normalising gain a few thousandths of a dB apart can land on either side of a step.
  expect(Math.abs(gp - wp)).toBeLessThanOrEqual(0.1 + 1e-9);
  if (wl === null) expect(gl).toBeNull();
  else expect(Math.abs(gl! - wl)).toBeLessThanOrEqual(0.05);
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

let deps: VoiceAudioDeps;
let tmp: { dir: string; cleanup: () => void };
beforeAll(async () => {
  deps = {
    vad: await SileroVad.load(path.resolve('../shared/models/silero-vad/silero_vad.onnx')),
    denoiser: await GtcrnDenoiser.load(path.resolve('../shared/models/gtcrn/gtcrn.onnx')),
  };
  tmp = tempDir();
});
afterAll(async () => {
  await deps.vad.dispose();
  await deps.denoiser?.dispose();
  tmp.cleanup();
});

describe('streaming analysis equals the whole-signal analysis', () => {
  for (const rate of [16000, 48000]) {
    it(`quality report at ${rate} Hz, in memory and through encrypted temporary files`, async () => {
      const x = recording(rate, 30, rate);
      const want = await whole.analyzeVoiceAudio(x, rate, deps, { channels: 2 });
      expect(want.segments.length).toBeGreaterThan(3);
      expect(want.bestWindow).not.toBeNull();
      expectSameReport(await analyzeVoiceAudio(x, rate, deps, { channels: 2 }), want);
      const store = tempFileStore(tmp.dir);
      try {
        // A source read from disk, in odd-sized blocks.
        const w = store.create(rate);
        for (let o = 0; o < x.length; o += 12345) w.write(x.subarray(o, o + 12345));
        const src = w.finish();
        expect(await readAll(src)).toEqual(x);
        const r = await analyzeSource(src, deps, { channels: 2 }, store);
        expectSameReport(r.report, want);
      } finally {
        store.dispose();
      }
    }, 120_000);
  }
});

describe('streaming clean-up equals the whole-signal clean-up', () => {
  const cases: [string, number, number, CleanupOptions][] = [
    ['trim + normalise', 48000, 30, { trim: true, normalize: true }],
    [
      'trim only, a window, pauses kept to 0.3 s',
      44100,
      30,
      { trim: true, window: { start: 3, end: 21.5 }, maxPauseSeconds: 0.3 },
    ],
    [
      'best window + denoise + trim + normalise',
      48000,
      30,
      { window: 'best', denoise: true, trim: true, normalize: true },
    ],
    ['denoise + trim + normalise below 16 kHz', 11025, 15, { denoise: true, trim: true, normalize: true }],
    ['denoise + normalise at 16 kHz', 16000, 15, { denoise: true, normalize: true }],
  ];
  for (const [what, rate, seconds, opts] of cases) {
    it(`${what} (${rate} Hz)`, async () => {
      const x = recording(rate, seconds, 7 + rate);
      const want = await whole.cleanVoiceAudio(x, rate, opts, deps);
      const got = await cleanVoiceAudio(x, rate, opts, deps);
      expect(got.kept.start).toBeCloseTo(want.kept.start, 9);
      expect(got.kept.end).toBeCloseTo(want.kept.end, 9);
      // At rates that are not a multiple of 10 Hz the meter's 100 ms sub-block is rounded (11 025 Hz: 4 × 1103
      // samples against a 4410-sample block), which moves the normalising gain by a few thousandths of a dB.
      const tolerance = rate % 10 === 0 ? 1e-4 : 5e-4;
      expect(maxDiff(got.samples, want.samples)).toBeLessThanOrEqual(tolerance);
      expectSameReport(got.before, want.before);
      expectSameReport(got.report, want.report);
      const store = tempFileStore(tmp.dir);
      try {
        const r = await cleanSource(arraySource(x, rate), opts, deps, {}, store);
        expect(maxDiff(await readAll(r.output), want.samples)).toBeLessThanOrEqual(tolerance);
        expectSameReport(r.report, want.report);
        // With the input's report given (staging's), the input is not analysed again: the same result, except that
        // an explicit window's 16 kHz copy is made afresh (its edges within the resampler's kernel differ).
        const p = await cleanSource(arraySource(x, rate), opts, deps, {}, store, want.before);
        const out = await readAll(p.output);
        if (typeof opts.window === 'object' && opts.trim && !opts.denoise) {
          expect(Math.abs(out.length - want.samples.length)).toBeLessThanOrEqual(0.02 * rate);
          expect(Math.abs(p.report.speechSeconds - want.report.speechSeconds)).toBeLessThanOrEqual(0.05);
        } else {
          expect(maxDiff(out, want.samples)).toBeLessThanOrEqual(tolerance);
          expectSameReport(p.report, want.report);
        }
      } finally {
        store.dispose();
      }
    }, 180_000);
  }
});
