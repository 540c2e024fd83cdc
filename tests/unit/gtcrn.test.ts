import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeWav } from '../../native-models/audio/wav.js';
import { resample } from '../../native-models/dsp/resample.js';
import { denoiseAnyRate } from '../../native-models/enhance/bandsplit.js';
import { Fft, reflectPad } from '../../native-models/enhance/fft.js';
import { GtcrnDenoiser } from '../../native-models/enhance/gtcrn.js';
import { SignatureError } from '../../native-models/onnx/session.js';

const MODEL = path.resolve('../shared/models/gtcrn/gtcrn.onnx');
const VECTORS = path.resolve('../shared/models/gtcrn/test_vectors');
const SPEECH = path.resolve('../shared/eval/speech');
const VAD_MODEL = path.resolve('../shared/models/silero-vad/silero_vad.onnx');
const load = (file: string) => decodeWav(readFileSync(file));

/** Deterministic white noise (xorshift32) at a given RMS. */
function noise(n: number, rms: number, seed: number): Float32Array {
  let s = seed;
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    x[i] = ((s >>> 0) / 0xffffffff - 0.5) * rms * Math.sqrt(12);
  }
  return x;
}
const rms = (x: Float32Array) => Math.sqrt(x.reduce((a, v) => a + v * v, 0) / x.length);
const addNoiseAt = (clean: Float32Array, snrDb: number, seed: number) => {
  const nz = noise(clean.length, rms(clean) / 10 ** (snrDb / 20), seed);
  return clean.map((v, i) => v + nz[i]);
};
function snrDb(ref: Float32Array, y: Float32Array, from = 0, to = ref.length): number {
  let s = 0;
  let e = 0;
  for (let i = from; i < to; i++) {
    s += ref[i] * ref[i];
    e += (ref[i] - y[i]) ** 2;
  }
  return 10 * Math.log10(s / e);
}
/** Energy above ~8 kHz (dB): x minus its 16 kHz round trip. */
function highBandDb(x: Float32Array, rate: number): number {
  const lo = resample(resample(x, rate, 16000), 16000, rate);
  let e = 0;
  for (let i = 0; i < x.length; i++) e += (x[i] - lo[i]) ** 2;
  return 10 * Math.log10(e / x.length);
}

let gtcrn: GtcrnDenoiser;
beforeAll(async () => {
  gtcrn = await GtcrnDenoiser.load(MODEL);
});
afterAll(() => gtcrn.dispose());

describe('FFT', () => {
  it('matches a direct DFT and inverts exactly', () => {
    const n = 64;
    const fft = new Fft(n);
    const x = Array.from({ length: n }, (_, i) => Math.sin(i * 0.37) + 0.3 * Math.cos(i * 1.9) + (i % 5) * 0.1);
    const re = new Float64Array(n / 2 + 1);
    const im = new Float64Array(n / 2 + 1);
    fft.rfft(x, re, im);
    for (let k = 0; k <= n / 2; k++) {
      let dr = 0;
      let di = 0;
      for (let t = 0; t < n; t++) {
        dr += x[t] * Math.cos((2 * Math.PI * k * t) / n);
        di -= x[t] * Math.sin((2 * Math.PI * k * t) / n);
      }
      expect(re[k]).toBeCloseTo(dr, 9);
      expect(im[k]).toBeCloseTo(di, 9);
    }
    const back = new Float64Array(n);
    fft.irfft(re, im, back);
    for (let t = 0; t < n; t++) expect(back[t]).toBeCloseTo(x[t], 12);
    expect(() => new Fft(48)).toThrow(/power of two/);
  });

  it('reflect-pads like numpy (edge sample not repeated)', () => {
    expect(Array.from(reflectPad(Float32Array.from([1, 2, 3, 4]), 2))).toEqual([3, 2, 1, 2, 3, 4, 3, 2]);
  });
});

describe('GTCRN denoiser (real model)', () => {
  it('refuses a model with the wrong signature', async () => {
    await expect(GtcrnDenoiser.load(VAD_MODEL)).rejects.toBeInstanceOf(SignatureError);
  });

  it('reproduces the upstream streaming reference at >= 40 dB SNR, sample-aligned', async () => {
    const noisy = load(path.join(VECTORS, 'noisy.wav'));
    const ref = load(path.join(VECTORS, 'enhanced_reference_stream.wav'));
    expect(noisy.sampleRate).toBe(16000);
    const out = await gtcrn.denoise(noisy.samples);
    expect(out.length).toBe(noisy.samples.length);
    // The reference is the ISTFT of whole frames (a few samples shorter): compare over its length.
    const n = Math.min(ref.samples.length, out.length);
    expect(snrDb(ref.samples, out, 0, n)).toBeGreaterThan(40);
    // A one-sample misalignment would fail: the parity is not a loose match.
    expect(snrDb(ref.samples, out.subarray(1), 0, n - 1)).toBeLessThan(20);
  });

  it('streams: chunked pushes give exactly the whole-buffer output', async () => {
    const noisy = load(path.join(VECTORS, 'noisy.wav')).samples.subarray(0, 40000);
    const whole = await gtcrn.denoise(noisy);
    const stream = gtcrn.createStream();
    const parts: Float32Array[] = [];
    for (let i = 0; i < noisy.length; i += 777) parts.push(await stream.push(noisy.subarray(i, i + 777)));
    parts.push(await stream.finish());
    const joined = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
    let o = 0;
    for (const p of parts) {
      joined.set(p, o);
      o += p.length;
    }
    expect(joined.length).toBe(whole.length);
    expect(Array.from(joined)).toEqual(Array.from(whole));
    // Latency is bounded: after 2 s pushed, all but the last frame of output is out.
    const s2 = gtcrn.createStream();
    const early = await s2.push(noisy.subarray(0, 32000));
    expect(early.length).toBeGreaterThanOrEqual(32000 - 512);
  });

  it('handles tiny inputs (shorter than the reflect padding)', async () => {
    expect((await gtcrn.denoise(new Float32Array(0))).length).toBe(0);
    expect((await gtcrn.denoise(new Float32Array(100).fill(0.01))).length).toBe(100);
  });

  it('improves SNR by >= 6 dB on eval speech with white noise at 5 dB', async () => {
    const files = readdirSync(path.join(SPEECH, '16k')).filter((f) => f.endsWith('.wav'));
    expect(files.length).toBeGreaterThanOrEqual(5);
    const gains: number[] = [];
    for (const [i, f] of files.entries()) {
      const clean = load(path.join(SPEECH, '16k', f)).samples;
      const noisy = addNoiseAt(clean, 5, 1000 + i);
      expect(snrDb(clean, noisy)).toBeCloseTo(5, 0);
      const out = await gtcrn.denoise(noisy);
      gains.push(snrDb(clean, out) - snrDb(clean, noisy));
    }
    const mean = gains.reduce((a, b) => a + b, 0) / gains.length;
    expect(mean, `per-clip gains ${gains.map((g) => g.toFixed(1)).join(', ')}`).toBeGreaterThanOrEqual(6);
    for (const g of gains) expect(g).toBeGreaterThan(4);
  }, 120_000);
});

describe('band-split denoising at 22.05 kHz (LJ Speech, native rate)', () => {
  const lj = ['lj_LJ001-0001.wav', 'lj_LJ001-0003.wav', 'lj_LJ001-0005.wav'];

  it('keeps the band above 8 kHz on clean speech and drops added noise', async () => {
    for (const [i, f] of lj.entries()) {
      const w = load(path.join(SPEECH, 'native', f));
      expect(w.sampleRate).toBe(22050);
      const clean = w.samples;
      const cleanOut = await denoiseAnyRate(gtcrn, clean, w.sampleRate);
      expect(cleanOut.samples.length).toBe(clean.length);
      // Energy above 8 kHz is there (a plain 16 kHz round trip would lose all of it) and within 3 dB of the input's.
      expect(Math.abs(highBandDb(cleanOut.samples, w.sampleRate) - highBandDb(clean, w.sampleRate))).toBeLessThan(3);

      const noisy = addNoiseAt(clean, 10, 77 + i);
      const out = await denoiseAnyRate(gtcrn, noisy, w.sampleRate);
      expect(snrDb(clean, out.samples) - snrDb(clean, noisy)).toBeGreaterThan(4);
      // The high band of the noisy input is noise-dominated: it drops towards the clean input's level.
      const hfClean = highBandDb(clean, w.sampleRate);
      const hfNoisy = highBandDb(noisy, w.sampleRate);
      const hfOut = highBandDb(out.samples, w.sampleRate);
      expect(hfOut).toBeLessThan(hfNoisy - 1.5);
      expect(Math.abs(hfOut - hfClean)).toBeLessThan(3);
    }
  }, 120_000);
});
