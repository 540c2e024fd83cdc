import { describe, expect, it } from 'vitest';
import { mixEpisode } from '../../native-models/dsp/mix.js';

const RATE = 24_000;
const tone = (seconds: number, hz: number, amp = 0.5, rate = RATE) =>
  Float32Array.from({ length: Math.round(seconds * rate) }, (_, i) => amp * Math.sin((2 * Math.PI * hz * i) / rate));
const rms = (x: Float32Array, a: number, b: number) => {
  let s = 0;
  for (let i = a; i < b; i++) s += x[i] * x[i];
  return Math.sqrt(s / (b - a));
};
const db = (x: number) => 20 * Math.log10(x);

describe('episode mix', () => {
  it('lays lines end to end with gaps, resamples and applies gains; silence in the gaps', () => {
    const a = tone(1, 440);
    const b = tone(0.5, 330, 0.5, 16_000); // another rate: resampled
    const m = mixEpisode(
      [
        { id: 'a', audio: a, sampleRate: RATE, speaker: 'Ann' },
        { id: 'b', audio: b, sampleRate: 16_000, gainDb: -6, pauseAfterMs: 0 },
      ],
      { sampleRate: 48_000, channels: 2, defaultPauseMs: 300, leadInMs: 100 },
    );
    expect(m.timings.map((t) => [t.id, t.start, t.end])).toEqual([
      ['a', 0.1, 1.1],
      ['b', 1.4, 1.9],
    ]);
    expect(m.channels).toHaveLength(2);
    expect(m.channels[0].length).toBe(Math.round(1.9 * 48_000));
    const L = m.channels[0];
    expect(rms(L, 0, 4_800)).toBe(0); // lead-in
    expect(rms(L, Math.round(1.1 * 48_000) + 10, Math.round(1.4 * 48_000) - 10)).toBeLessThan(1e-4); // gap
    const la = rms(L, 5_000, 50_000);
    const lb = rms(L, Math.round(1.45 * 48_000), Math.round(1.85 * 48_000));
    expect(db(la / (0.5 / Math.SQRT2))).toBeCloseTo(0, 1);
    expect(db(lb / la)).toBeCloseTo(-6, 0);
  });

  it('ducks the music bed under speech and brings it back in the gaps', () => {
    const speech = tone(2, 220, 0.3);
    const m = mixEpisode(
      [
        { id: '1', audio: speech, sampleRate: RATE },
        { id: '2', audio: speech, sampleRate: RATE },
      ],
      {
        sampleRate: RATE,
        channels: 1,
        defaultPauseMs: 3000,
        tailMs: 0,
        bed: { audio: tone(1, 1000, 0.1), sampleRate: RATE, gainDb: 0, duckDb: -15, fadeOutMs: 0 },
      },
    );
    const bed = Float32Array.from(m.channels[0], (v, i) => v - m.voice[0][i]);
    const under = rms(bed, Math.round(0.5 * RATE), Math.round(1.5 * RATE));
    const gap = rms(bed, Math.round(3.2 * RATE), Math.round(4.6 * RATE));
    expect(db(gap / (0.1 / Math.SQRT2))).toBeCloseTo(0, 0);
    expect(db(under / gap)).toBeCloseTo(-15, 0);
    expect(m.bedGainDb![Math.round(RATE)]).toBeCloseTo(-15, 5);
    // Without ducking the bed level does not move.
    const flat = mixEpisode([{ id: '1', audio: speech, sampleRate: RATE }], {
      sampleRate: RATE,
      channels: 1,
      bed: { audio: tone(1, 1000, 0.1), sampleRate: RATE, duckDb: 0, fadeOutMs: 0 },
    });
    expect(Math.max(...flat.bedGainDb!)).toBe(0);
    expect(Math.min(...flat.bedGainDb!)).toBe(0);
  });
});
