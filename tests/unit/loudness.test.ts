import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  integratedLoudness,
  kWeightingCoefficients,
  limitTruePeak,
  measureLoudness,
  normalizeLoudness,
  truePeak,
} from '../../native-models/dsp/loudness.js';
import { decodeAudioFile } from '../../main/node/audio/decode.js';
import { encodeWav } from '../../native-models/audio/wav.js';

const SPEECH = path.resolve('../shared/eval/speech/native');
const CLIPS = ['ls_103-1240-0000.wav', 'jfk_inaugural_1961.wav', 'ls_1688-142285-0000.wav'];
const tmp = mkdtempSync(path.join(os.tmpdir(), 'timbre-loudness-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A sine at `dbfs` peak level; `fadeMs` raised-cosine fades keep onsets from ringing in true-peak tests. */
function sine(rate: number, seconds: number, dbfs: number, freq = 1000, phase = 0, fadeMs = 0): Float32Array {
  const a = Math.pow(10, dbfs / 20);
  const n = Math.round(rate * seconds);
  const fade = Math.round((fadeMs / 1000) * rate);
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let g = 1;
    if (i < fade) g = 0.5 - 0.5 * Math.cos((Math.PI * i) / fade);
    else if (n - 1 - i < fade) g = 0.5 - 0.5 * Math.cos((Math.PI * (n - 1 - i)) / fade);
    x[i] = g * a * Math.sin((2 * Math.PI * freq * i) / rate + phase);
  }
  return x;
}

const concat = (...parts: Float32Array[]): Float32Array => {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};

/** ffmpeg's ebur128 summary (integrated loudness and true peak) for a file. */
function ffmpegEbur128(file: string): { I: number; TP: number } {
  const r = spawnSync(
    'ffmpeg',
    ['-nostats', '-hide_banner', '-i', file, '-af', 'ebur128=peak=true', '-f', 'null', '-'],
    {
      encoding: 'utf8',
    },
  );
  const err = r.stderr;
  const summary = err.slice(err.lastIndexOf('Summary:'));
  const I = Number(/I:\s+(-?[\d.]+) LUFS/.exec(summary)?.[1]);
  const TP = Number(/Peak:\s+(-?[\d.]+) dBFS/.exec(summary)?.[1]);
  return { I, TP };
}

describe('K-weighting', () => {
  it('reproduces the 48 kHz coefficients published in ITU-R BS.1770-4 (Tables 1 and 2)', () => {
    const [s, h] = kWeightingCoefficients(48000);
    expect(s.b0).toBeCloseTo(1.53512485958697, 9);
    expect(s.b1).toBeCloseTo(-2.69169618940638, 9);
    expect(s.b2).toBeCloseTo(1.19839281085285, 9);
    expect(s.a1).toBeCloseTo(-1.69065929318241, 9);
    expect(s.a2).toBeCloseTo(0.73248077421585, 9);
    expect([h.b0, h.b1, h.b2]).toEqual([1, -2, 1]);
    expect(h.a1).toBeCloseTo(-1.99004745483398, 9);
    expect(h.a2).toBeCloseTo(0.99007225036621, 9);
  });
});

describe('integrated loudness (EBU Tech 3341 minimum requirements)', () => {
  it('case 1: 1 kHz sine at −23 dBFS in both stereo channels reads −23.0 LUFS ±0.1 (48 and 44.1 kHz)', () => {
    for (const rate of [48000, 44100]) {
      const s = sine(rate, 20, -23);
      expect(Math.abs(integratedLoudness([s, s], rate) - -23)).toBeLessThanOrEqual(0.1);
    }
  });

  it('case 2: 1 kHz sine at −33 dBFS stereo reads −33.0 LUFS ±0.1', () => {
    const s = sine(48000, 20, -33);
    expect(Math.abs(integratedLoudness([s, s], 48000) - -33)).toBeLessThanOrEqual(0.1);
  });

  it('mono: BS.1770-4 says a 0 dBFS 1 kHz sine in one front channel is −3.01 LKFS, so −23 dBFS mono is −26.0', () => {
    const s = sine(48000, 20, -23);
    expect(Math.abs(integratedLoudness([s], 48000) - -26.01)).toBeLessThanOrEqual(0.1);
  });

  it('case 3: −36 / −23 / −36 dBFS for 10 / 60 / 10 s reads −23.0 ±0.1 (relative gate)', () => {
    const r = 48000;
    const s = concat(sine(r, 10, -36), sine(r, 60, -23), sine(r, 10, -36));
    const l = integratedLoudness([s, s], r);
    expect(Math.abs(l - -23)).toBeLessThanOrEqual(0.1);
    // Without gating the quiet parts would pull the mean power down by about 0.9 LU: the gate really acted.
  });

  it('case 4: −72 / −36 / −23 / −36 / −72 dBFS for 10 / 10 / 60 / 10 / 10 s reads −23.0 ±0.1 (both gates)', () => {
    const r = 48000;
    const s = concat(sine(r, 10, -72), sine(r, 10, -36), sine(r, 60, -23), sine(r, 10, -36), sine(r, 10, -72));
    expect(Math.abs(integratedLoudness([s, s], r) - -23)).toBeLessThanOrEqual(0.1);
  });

  it('a loud tone followed by very quiet noise: the quiet part is gated out', () => {
    const r = 48000;
    const tone = sine(r, 10, -23);
    // 30 s of white noise at about −80 dBFS RMS: three times as long as the tone, far below the −70 LUFS gate.
    let seed = 12345;
    const noise = new Float32Array(30 * r);
    for (let i = 0; i < noise.length; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      noise[i] = (seed / 2 ** 32 - 0.5) * 2 * Math.sqrt(3) * 1e-4;
    }
    const s = concat(tone, noise);
    const l = integratedLoudness([s, s], r);
    expect(Math.abs(l - -23)).toBeLessThanOrEqual(0.1);
    // Ungated, 10 s at −23 diluted over 40 s would read about −29 LUFS.
    expect(integratedLoudness([noise, noise], r)).toBe(-Infinity);
  });

  it('loudness range per EBU Tech 3342 case 1: 20 s at −20 dBFS then 20 s at −30 dBFS stereo is 10 LU ±1', () => {
    const r = 48000;
    const s = concat(sine(r, 20, -20), sine(r, 20, -30));
    const m = measureLoudness([s, s], r);
    expect(Math.abs(m.loudnessRange - 10)).toBeLessThanOrEqual(1);
  });
});

describe('true peak', () => {
  it('a sine at fs/4 with a 45° phase reads 3.01 dB over its sample peak (its real peak, −6 dBTP)', () => {
    const r = 48000;
    const s = sine(r, 2, -6, r / 4, Math.PI / 4, 20);
    const m = measureLoudness([s], r);
    // Samples sit at ±sin(45°)·A: the sample peak is −6 − 3.01 dBFS.
    expect(m.samplePeak).toBeCloseTo(-6 - 3.0103, 2);
    expect(Math.abs(m.truePeak - -6)).toBeLessThanOrEqual(0.15);
    expect(m.truePeak - m.samplePeak).toBeGreaterThan(2.85);
  });

  it('a sine whose samples hit its crest reads its sample peak', () => {
    const r = 48000;
    const s = sine(r, 2, -6, r / 4, Math.PI / 2, 20);
    expect(Math.abs(truePeak([s], r) - -6)).toBeLessThanOrEqual(0.15);
  });

  it('the limiter holds an inter-sample peak under the ceiling', () => {
    const r = 48000;
    const s = sine(r, 2, 0, r / 4, Math.PI / 4, 20);
    expect(truePeak([s], r)).toBeGreaterThan(-0.2);
    const y = limitTruePeak([s], r, -1);
    expect(truePeak(y, r)).toBeLessThanOrEqual(-1 + 0.05);
  });
});

describe('real speech', () => {
  for (const clip of CLIPS) {
    it(`${clip}: integrated loudness within 0.5 LU and true peak within 0.5 dB of ffmpeg's ebur128`, async () => {
      const file = path.join(SPEECH, clip);
      const d = await decodeAudioFile(file);
      const ours = measureLoudness([d.samples], d.sampleRate);
      const ref = ffmpegEbur128(file);
      expect(Number.isFinite(ref.I)).toBe(true);
      expect(Math.abs(ours.integrated - ref.I)).toBeLessThanOrEqual(0.5);
      expect(Math.abs(ours.truePeak - ref.TP)).toBeLessThanOrEqual(0.5);
    });
  }

  it('normalises real speech to each preset within ±0.5 LU with true peak ≤ −1 dBTP (checked by ffmpeg too)', async () => {
    const d = await decodeAudioFile(path.join(SPEECH, CLIPS[0]), 48000);
    const cases = [
      { preset: 'podcast-mono' as const, target: -19, chans: [d.samples] },
      { preset: 'broadcast' as const, target: -23, chans: [d.samples] },
      { preset: 'podcast-stereo' as const, target: -16, chans: [d.samples, d.samples] },
    ];
    for (const c of cases) {
      const n = normalizeLoudness(c.chans, 48000, c.preset);
      expect(Math.abs(n.after.integrated - c.target)).toBeLessThanOrEqual(0.5);
      expect(n.after.truePeak).toBeLessThanOrEqual(-1);
      // Independent check: ffmpeg measures the result (written as float WAV; mono only, our WAV writer is mono).
      if (c.chans.length === 1) {
        const f = path.join(tmp, `${c.preset}.wav`);
        writeFileSync(f, encodeWav(n.channels[0], 48000, 32));
        const ref = ffmpegEbur128(f);
        expect(Math.abs(ref.I - c.target)).toBeLessThanOrEqual(0.5);
        expect(ref.TP).toBeLessThanOrEqual(-1 + 0.1);
      }
    }
    // −16 LUFS needs more gain than this clip's peaks allow: the limiter must have acted.
    expect(normalizeLoudness([d.samples, d.samples], 48000, 'podcast-stereo').limited).toBe(true);
  });
});
