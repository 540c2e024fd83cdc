/**
 * WSOLA time-stretch on real speech: the duration follows the speed within 1 % and the pitch is kept within 3 %
 * (median F0 by autocorrelation over voiced frames, before and after).
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { timeStretch } from '../../native-models/dsp/stretch.js';
import { decodeWav } from '../../native-models/audio/wav.js';

const CLIP = path.resolve(__dirname, '../../../shared/eval/speech/native/arctic_aew_a0001.wav');

/** Median F0 (Hz) over voiced 40 ms frames: normalised autocorrelation peak in 70–400 Hz above 0.6. */
function medianF0(x: Float32Array, rate: number): number {
  const frame = Math.round(0.04 * rate);
  const hop = Math.round(0.01 * rate);
  const minLag = Math.floor(rate / 400);
  const maxLag = Math.ceil(rate / 70);
  let peakAbs = 0;
  for (const v of x) peakAbs = Math.max(peakAbs, Math.abs(v));
  const f0s: number[] = [];
  for (let s = 0; s + frame + maxLag < x.length; s += hop) {
    let e0 = 0;
    for (let i = 0; i < frame; i++) e0 += x[s + i] * x[s + i];
    if (Math.sqrt(e0 / frame) < 0.05 * peakAbs) continue; // silence / unvoiced
    let best = 0;
    let bestLag = 0;
    for (let lag = minLag; lag <= maxLag; lag++) {
      let num = 0;
      let e1 = 0;
      for (let i = 0; i < frame; i++) {
        num += x[s + i] * x[s + i + lag];
        e1 += x[s + i + lag] * x[s + i + lag];
      }
      const r = num / Math.sqrt(e0 * e1 + 1e-12);
      if (r > best) {
        best = r;
        bestLag = lag;
      }
    }
    if (best > 0.6) {
      f0s.push(rate / bestLag);
    }
  }
  f0s.sort((a, b) => a - b);
  if (f0s.length < 10) throw new Error(`only ${f0s.length} voiced frames`);
  return f0s[f0s.length >> 1];
}

describe('time-stretch (WSOLA)', () => {
  const wav = decodeWav(readFileSync(CLIP));
  const f0 = medianF0(wav.samples, wav.sampleRate);

  it('the clip is voiced speech with a plausible pitch', () => {
    expect(f0).toBeGreaterThan(70);
    expect(f0).toBeLessThan(300);
  });

  for (const speed of [0.5, 0.75, 1.5, 2]) {
    it(`speed ${speed}: duration within 1 %, pitch within 3 %`, () => {
      const y = timeStretch(wav.samples, wav.sampleRate, speed);
      const expected = wav.samples.length / speed;
      expect(Math.abs(y.length - expected) / expected).toBeLessThan(0.01);
      const f1 = medianF0(y, wav.sampleRate);
      expect(Math.abs(f1 - f0) / f0, `F0 ${f0.toFixed(1)} → ${f1.toFixed(1)} Hz`).toBeLessThan(0.03);
      // Not silence, not clipping: the level stays close to the original.
      const rms = (a: Float32Array) => Math.sqrt(a.reduce((s, v) => s + v * v, 0) / a.length);
      expect(20 * Math.log10(rms(y) / rms(wav.samples))).toBeGreaterThan(-2);
      expect(20 * Math.log10(rms(y) / rms(wav.samples))).toBeLessThan(2);
    });
  }

  it('a naive resample would change the pitch (the F0 estimator can tell)', () => {
    // Dropping every other sample = 2x speed by resampling: pitch doubles.
    const naive = wav.samples.filter((_, i) => i % 2 === 0);
    const f1 = medianF0(naive, wav.sampleRate);
    expect(f1 / f0).toBeGreaterThan(1.8);
  });

  it('refuses speeds outside 0.5–2', () => {
    expect(() => timeStretch(wav.samples, wav.sampleRate, 2.5)).toThrow(RangeError);
  });
});
