/**
 * The streaming loudness primitives equal the whole-buffer ones on the same audio fed in odd-sized blocks:
 * integrated loudness, loudness range, true peak (meter) and the limited samples (limiter).
 */
import { describe, expect, it } from 'vitest';
import { limitTruePeak, measureLoudness } from '../../native-models/dsp/loudness.js';
import { LoudnessMeter, TruePeakLimiter } from '../../native-models/dsp/loudness-stream.js';

/** Speech-like test signal: bursts of harmonics with pauses and level changes, deterministic. */
function signal(rate: number, seconds: number): Float32Array {
  const x = new Float32Array(Math.round(rate * seconds));
  let seed = 7;
  const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  for (let i = 0; i < x.length; i++) {
    const t = i / rate;
    const burst = Math.floor(t / 0.7);
    const on = burst % 3 !== 2;
    const level = 0.1 + 0.8 * ((burst * 0.37) % 1);
    if (!on) continue;
    const f = 110 + (burst % 5) * 40;
    x[i] =
      level * (0.6 * Math.sin(2 * Math.PI * f * t) + 0.3 * Math.sin(2 * Math.PI * 3.01 * f * t) + 0.1 * (rnd() - 0.5));
  }
  return x;
}

function inBlocks(x: Float32Array, f: (b: Float32Array) => void): void {
  const sizes = [1, 777, 4096, 13, 65536, 3000];
  for (let i = 0, k = 0; i < x.length; k++) {
    const n = Math.min(x.length - i, sizes[k % sizes.length]);
    f(x.subarray(i, i + n));
    i += n;
  }
}

describe('streaming loudness', () => {
  it.each([22_050, 44_100, 48_000])('the meter equals measureLoudness at %i Hz', (rate) => {
    const x = signal(rate, 12.3);
    const whole = measureLoudness([x], rate);
    const m = new LoudnessMeter(rate);
    inBlocks(x, (b) => m.push(b));
    const r = m.result();
    expect(r.integrated).toBeCloseTo(whole.integrated, 6);
    expect(r.loudnessRange).toBeCloseTo(whole.loudnessRange, 6);
    expect(r.truePeak).toBeCloseTo(whole.truePeak, 5);
    expect(r.samplePeak).toBeCloseTo(whole.samplePeak, 9);
    expect(r.gatedBlocks).toBe(whole.gatedBlocks);
  });

  it('the limiter equals limitTruePeak sample for sample', () => {
    const rate = 22_050;
    const x = signal(rate, 6.1).map((v) => v * 1.8);
    const whole = limitTruePeak([x], rate, -1.05)[0];
    const lim = new TruePeakLimiter(rate, -1.05);
    const parts: Float32Array[] = [];
    inBlocks(x, (b) => parts.push(lim.push(b)));
    parts.push(lim.flush());
    const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    expect(out.length).toBe(x.length);
    let maxDiff = 0;
    for (let i = 0; i < x.length; i++) maxDiff = Math.max(maxDiff, Math.abs(out[i] - whole[i]));
    expect(maxDiff).toBeLessThan(1e-5);
    expect(lim.limitedSamples).toBeGreaterThan(1000);
    expect(measureLoudness([out], rate).truePeak).toBeLessThanOrEqual(-1);
  });
});
