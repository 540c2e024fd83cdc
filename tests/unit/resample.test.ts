import { describe, expect, it } from 'vitest';
import { Resampler, resample } from '../../native-models/dsp/resample.js';

function tone(freq: number, rate: number, seconds: number, amp = 0.5): Float32Array {
  const n = Math.round(rate * seconds);
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = amp * Math.sin((2 * Math.PI * freq * i) / rate);
  return x;
}

/** RMS over the middle of a signal (edges see the zero padding). */
function rmsMiddle(x: Float32Array, skip: number): number {
  let s = 0;
  for (let i = skip; i < x.length - skip; i++) s += x[i] * x[i];
  return Math.sqrt(s / (x.length - 2 * skip));
}

describe('resampler', () => {
  it('has the right length and keeps a 1 kHz tone exact (22.05 → 16 kHz)', () => {
    const x = tone(1000, 22050, 1);
    const y = resample(x, 22050, 16000);
    expect(y.length).toBe(16000);
    const ref = tone(1000, 16000, 1);
    let err = 0;
    let sig = 0;
    for (let i = 200; i < y.length - 200; i++) {
      err += (y[i] - ref[i]) ** 2;
      sig += ref[i] ** 2;
    }
    // Time-aligned (no delay) and accurate: better than 60 dB SNR against the ideal tone.
    expect(10 * Math.log10(sig / err)).toBeGreaterThan(60);
  });

  it('passes in-band tones at unity gain and removes out-of-band tones (anti-aliasing)', () => {
    for (const f of [300, 3000, 6500]) {
      const y = resample(tone(f, 44100, 0.5), 44100, 16000);
      expect(Math.abs(20 * Math.log10(rmsMiddle(y, 400) / (0.5 / Math.SQRT2)))).toBeLessThan(0.2);
    }
    // Above the new 8 kHz Nyquist: without the low-pass 9, 10 and 10.8 kHz would fold to 7, 6 and 5.2 kHz.
    for (const f of [9000, 10000, 10800]) {
      const y = resample(tone(f, 22050, 0.5), 22050, 16000);
      expect(20 * Math.log10(rmsMiddle(y, 400) / (0.5 / Math.SQRT2))).toBeLessThan(-70);
    }
    const y = resample(tone(9000, 48000, 0.5), 48000, 16000);
    expect(20 * Math.log10(rmsMiddle(y, 400) / (0.5 / Math.SQRT2))).toBeLessThan(-70);
  });

  it('upsamples 8 → 16 kHz without images', () => {
    const y = resample(tone(1000, 8000, 0.5), 8000, 16000);
    expect(y.length).toBe(8000);
    const ref = tone(1000, 16000, 0.5);
    let err = 0;
    let sig = 0;
    for (let i = 200; i < y.length - 200; i++) {
      err += (y[i] - ref[i]) ** 2;
      sig += ref[i] ** 2;
    }
    expect(10 * Math.log10(sig / err)).toBeGreaterThan(60);
  });

  it('streaming in odd chunk sizes equals the one-shot result', () => {
    const x = tone(440, 44100, 0.3).map((v, i) => v + 0.1 * Math.sin(i * 0.37));
    const whole = resample(x, 44100, 16000);
    const r = new Resampler(44100, 16000);
    const parts: Float32Array[] = [];
    for (let off = 0, k = 1; off < x.length; k++) {
      const n = (k * 97) % 1500;
      parts.push(r.push(x.subarray(off, off + n)));
      off += n;
    }
    parts.push(r.flush());
    const streamed = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
    let o = 0;
    for (const p of parts) {
      streamed.set(p, o);
      o += p.length;
    }
    expect(streamed.length).toBe(whole.length);
    let maxDiff = 0;
    for (let i = 0; i < whole.length; i++) maxDiff = Math.max(maxDiff, Math.abs(whole[i] - streamed[i]));
    expect(maxDiff).toBeLessThan(1e-6);
  });

  it('works for a co-prime rate pair without a phase table and rejects bad rates', () => {
    const y = resample(tone(500, 44101, 0.2), 44101, 16000);
    expect(y.length).toBe(Math.ceil((Math.round(44101 * 0.2) * 16000) / 44101));
    expect(Math.abs(20 * Math.log10(rmsMiddle(y, 300) / (0.5 / Math.SQRT2)))).toBeLessThan(0.2);
    expect(() => new Resampler(0, 16000)).toThrow(RangeError);
    expect(() => new Resampler(44100.5, 16000)).toThrow(RangeError);
  });
});
