/**
 * Voice audio clean-up and quality report on real speech (../shared/eval/speech) with the real Silero VAD and GTCRN
 * models (../shared/models).
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../native-models/common/errors.js';
import { decodeWav } from '../../native-models/audio/wav.js';
import { measureLoudness, truePeakEnvelope } from '../../native-models/dsp/loudness.js';
import {
  adviceText,
  analyzeVoiceAudio,
  assertUsableForVoice,
  cleanVoiceAudio,
  type AdviceCode,
  type QualityReport,
  type VoiceAudioDeps,
} from '../../native-models/enhance/cleanup.js';
import { GtcrnDenoiser } from '../../native-models/enhance/gtcrn.js';
import { sparseTruePeakEnvelope } from '../../native-models/enhance/voice-loudness.js';
import { loadVoiceAudioDeps } from '../../native-models/enhance/voice-models.js';
import { SileroVad } from '../../native-models/vad/index.js';

const SPEECH = path.resolve('../shared/eval/speech');
const load = (rel: string) => decodeWav(readFileSync(path.join(SPEECH, rel)));

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
const clip = (x: Float32Array, gain: number) => x.map((v) => Math.max(-1, Math.min(1, v * gain)));
function concat(...parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
function snrDb(ref: Float32Array, y: Float32Array): number {
  let s = 0;
  let e = 0;
  for (let i = 0; i < ref.length; i++) {
    s += ref[i] * ref[i];
    e += (ref[i] - y[i]) ** 2;
  }
  return 10 * Math.log10(s / e);
}
/** Normalised correlation of a with b at b's offset `lag` (a[i] against b[i + lag]). */
function correlation(a: Float32Array, b: Float32Array, lag: number): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    const j = i + lag;
    if (j < 0 || j >= b.length) continue;
    ab += a[i] * b[j];
    aa += a[i] * a[i];
    bb += b[j] * b[j];
  }
  return ab / Math.sqrt(aa * bb);
}
const codes = (r: QualityReport): AdviceCode[] => r.advice.map((a) => a.code);
function problemOf(r: QualityReport): string | null {
  try {
    assertUsableForVoice(r);
    return null;
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe('INVALID_INPUT');
    return (err as ApiError & { details: { audioProblem: string } }).details.audioProblem;
  }
}

let deps: VoiceAudioDeps;
beforeAll(async () => {
  deps = {
    vad: await SileroVad.load(path.resolve('../shared/models/silero-vad/silero_vad.onnx')),
    denoiser: await GtcrnDenoiser.load(path.resolve('../shared/models/gtcrn/gtcrn.onnx')),
  };
});
afterAll(async () => {
  await deps.vad.dispose();
  await deps.denoiser?.dispose();
});

describe('VAD trim', () => {
  // LJ Speech clips are cut at the speech (the voice starts within a few ms of the first sample and the file ends
  // in the decay of the last word), so padded with known silence the true speech edges are the padding edges.
  for (const id of ['LJ001-0001', 'LJ001-0003', 'LJ001-0005']) {
    for (const [what, level] of [
      ['digital silence', 0],
      ['low noise (-60 dBFS)', 0.001],
    ] as const) {
      it(`removes 1.5 s of ${what} around ${id} to within 50 ms of the speech and keeps the speech`, async () => {
        const w = load(`native/lj_${id}.wav`);
        const rate = w.sampleRate;
        const pad = Math.round(1.5 * rate);
        const x = new Float32Array(w.samples.length + 2 * pad);
        x.set(w.samples, pad);
        if (level) {
          const z = noise(x.length, level, 99);
          for (let i = 0; i < x.length; i++) x[i] += z[i];
        }
        const trueStart = pad / rate;
        const trueEnd = (pad + w.samples.length) / rate;
        const r = await cleanVoiceAudio(x, rate, { trim: true, maxPauseSeconds: 5 }, deps);
        expect(r.sampleRate).toBe(rate);
        expect(Math.abs(r.kept.start - trueStart)).toBeLessThan(0.05);
        expect(Math.abs(r.kept.end - trueEnd)).toBeLessThan(0.05);
        expect(Math.abs(r.samples.length / rate - w.samples.length / rate)).toBeLessThan(0.1);
        // Sample-aligned with the clip: out[i] is x[i + kept.start], i.e. clip[i + kept.start - trueStart].
        const lag = Math.round(r.kept.start * rate) - pad;
        expect(correlation(r.samples, w.samples, lag)).toBeGreaterThan(level ? 0.99 : 0.9999);
        expect(r.before.durationSeconds).toBeCloseTo(x.length / rate, 6);
        expect(r.report.channels).toBe(1);
        expect(r.report.durationSeconds).toBeCloseTo(r.samples.length / rate, 6);
      });
    }
  }

  it('shortens a long pause to about 0.6 s and keeps both sides', async () => {
    const a = load('16k/arctic_aew_a0001.wav').samples;
    const b = load('16k/arctic_aew_a0002.wav').samples;
    const x = concat(a, new Float32Array(Math.round(2.5 * 16000)), b);
    const before = await analyzeVoiceAudio(x, 16000, deps);
    expect(codes(before)).toContain('long-pauses');
    const r = await cleanVoiceAudio(x, 16000, { trim: true }, deps);
    const longestQuiet = (y: Float32Array) => {
      let run = 0;
      let best = 0;
      for (let i = 0; i + 160 <= y.length; i += 160) {
        run = rms(y.subarray(i, i + 160)) < 0.003 ? run + 1 : 0;
        best = Math.max(best, run);
      }
      return best / 100;
    };
    expect(longestQuiet(x)).toBeGreaterThan(2.5);
    // 0.6 s plus the VAD padding and the room tone at the clip edges.
    expect(longestQuiet(r.samples)).toBeLessThan(0.8);
    // Both utterances survive: the output holds the speech of each (VAD speech seconds barely change).
    expect(r.report.speechSeconds).toBeGreaterThan(before.speechSeconds - 0.3);
    expect(r.samples.length / 16000).toBeLessThan((a.length + b.length) / 16000 + 0.7);
    expect(codes(r.report)).not.toContain('long-pauses');
    // The second clip is in there intact: find it by correlation around where it must sit.
    const tail = r.samples.subarray(r.samples.length - Math.round(2 * 16000));
    let best = 0;
    for (let lag = b.length - tail.length - 3200; lag <= b.length - tail.length + 3200; lag++)
      best = Math.max(best, correlation(tail, b, lag));
    expect(best).toBeGreaterThan(0.999);
  });
});

describe('best window', () => {
  it('picks a clean 5-30 s span out of noisy and clipped neighbours', async () => {
    const noisyA = addNoiseAt(load('16k/ls_1688-142285-0000.wav').samples, 5, 11);
    const clean = load('16k/ls_1688-142285-0001.wav').samples;
    const clipped = clip(load('16k/jfk_inaugural_1961.wav').samples, 12);
    const noisyB = addNoiseAt(load('16k/lj_LJ001-0001.wav').samples, 3, 12);
    const x = concat(noisyA, clean, clipped, noisyB);
    const cleanStart = noisyA.length / 16000;
    const cleanEnd = (noisyA.length + clean.length) / 16000;
    const r = await analyzeVoiceAudio(x, 16000, deps);
    expect(r.bestWindow).not.toBeNull();
    const w = r.bestWindow!;
    expect(w.end - w.start).toBeGreaterThanOrEqual(5);
    expect(w.end - w.start).toBeLessThanOrEqual(30);
    expect(w.start).toBeGreaterThan(cleanStart - 0.3);
    expect(w.end).toBeLessThan(cleanEnd + 0.3);
    // Most of the clean clip is chosen.
    expect(w.end - w.start).toBeGreaterThan(0.7 * (cleanEnd - cleanStart));

    const cut = await cleanVoiceAudio(x, 16000, { window: 'best' }, deps);
    expect(cut.samples.length).toBe(Math.round(w.end * 16000) - Math.round(w.start * 16000));
    expect(cut.report.clippedPercent).toBe(0);
    expect(cut.report.snrDb!).toBeGreaterThan(15);
  });

  it('keeps a short clean clip whole (its speech span) and has no window under 5 s', async () => {
    const w = load('native/lj_LJ001-0003.wav');
    const r = await analyzeVoiceAudio(w.samples, w.sampleRate, deps);
    expect(r.bestWindow!.start).toBeLessThan(0.3);
    expect(r.bestWindow!.end).toBeGreaterThan(r.durationSeconds - 0.3);
    const short = load('16k/arctic_aew_a0001.wav');
    expect((await analyzeVoiceAudio(short.samples, 16000, deps)).bestWindow).toBeNull();
  });
});

describe('DC removal and loudness normalisation', () => {
  it('removes a DC offset', async () => {
    const w = load('native/lj_LJ001-0005.wav');
    const x = w.samples.map((v) => v + 0.1);
    const before = await analyzeVoiceAudio(x, w.sampleRate, deps);
    expect(before.dcOffset).toBeCloseTo(0.1, 2);
    expect(codes(before)).toContain('dc-offset');
    // The offset is not mistaken for noise.
    const plain = await analyzeVoiceAudio(w.samples, w.sampleRate, deps);
    expect(Math.abs(before.snrDb! - plain.snrDb!)).toBeLessThan(1);
    const r = await cleanVoiceAudio(x, w.sampleRate, { normalize: true }, deps);
    expect(Math.abs(r.report.dcOffset)).toBeLessThan(1e-3);
    expect(codes(r.report)).not.toContain('dc-offset');
  });

  for (const [what, gain] of [
    ['a quiet', 0.03],
    ['a loud', 3],
  ] as const) {
    it(`brings ${what} clip to -20 LUFS ±0.5 LU with true peak <= -1 dBTP`, async () => {
      const w = load('16k/ls_103-1240-0000.wav');
      const x = clip(w.samples, gain);
      const r = await cleanVoiceAudio(x, w.sampleRate, { normalize: true }, deps);
      const m = measureLoudness([r.samples], w.sampleRate);
      expect(Math.abs(m.integrated + 20)).toBeLessThanOrEqual(0.5);
      expect(m.truePeak).toBeLessThanOrEqual(-1);
      expect(r.report.loudnessLufs!).toBeCloseTo(m.integrated, 0);
    });
  }
  it('flags a very quiet recording', async () => {
    const w = load('16k/ls_103-1240-0000.wav');
    expect(codes(await analyzeVoiceAudio(clip(w.samples, 0.01), 16000, deps))).toContain('too-quiet');
  });
});

describe('quality report', () => {
  it('reports sane numbers on a clean clip, and lower SNR with advice once white noise is added at 5 dB', async () => {
    const w = load('native/lj_LJ001-0001.wav');
    const clean = await analyzeVoiceAudio(w.samples, w.sampleRate, deps, { channels: 2 });
    expect(clean.sampleRate).toBe(22050);
    expect(clean.channels).toBe(2);
    expect(clean.durationSeconds).toBeCloseTo(w.samples.length / 22050, 6);
    expect(clean.speechSeconds).toBeGreaterThan(0.8 * clean.durationSeconds);
    expect(clean.speechSeconds).toBeLessThanOrEqual(clean.durationSeconds);
    expect(clean.snrDb!).toBeGreaterThan(30);
    expect(clean.clippedPercent).toBe(0);
    expect(clean.peakDbfs).toBeLessThan(0);
    expect(clean.peakDbfs).toBeGreaterThan(-20);
    expect(clean.loudnessLufs!).toBeGreaterThan(-35);
    expect(clean.loudnessLufs!).toBeLessThan(-10);
    expect(codes(clean)).toEqual(['ok']);
    expect(problemOf(clean)).toBeNull();

    const noisy = await analyzeVoiceAudio(addNoiseAt(w.samples, 5, 5), w.sampleRate, deps);
    expect(noisy.snrDb!).toBeLessThan(clean.snrDb! - 15);
    expect(noisy.snrDb!).toBeLessThan(15);
    expect(codes(noisy).some((c) => c === 'low-snr' || c === 'noisy')).toBe(true);
    for (const c of codes(noisy)) expect(adviceText(c).length).toBeGreaterThan(20);
  });

  it('flags clipping; heavy clipping makes the audio unusable for a voice', async () => {
    const w = load('16k/ls_1688-142285-0001.wav');
    const clipped = await analyzeVoiceAudio(clip(w.samples, 10), 16000, deps);
    expect(clipped.clippedPercent).toBeGreaterThan(1);
    expect(clipped.advice).toContainEqual({ code: 'clipping', severity: 'error' });
    expect(problemOf(clipped)).toBe('clipped');
    const peak = w.samples.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    const light = await analyzeVoiceAudio(clip(w.samples, 2 / peak), 16000, deps);
    expect(light.clippedPercent).toBeGreaterThan(0);
    expect(codes(light)).toContain('clipping');
    expect(light.clippedPercent).toBeLessThan(clipped.clippedPercent);
  });

  it('refuses silence, too little speech and low sample rates get advice', async () => {
    const silent = await analyzeVoiceAudio(new Float32Array(10 * 16000), 16000, deps);
    expect(silent.speechSeconds).toBe(0);
    expect(silent.loudnessLufs).toBeNull();
    expect(problemOf(silent)).toBe('silent');
    // Every number is finite (the report crosses JSON): digital silence peaks at -120 dBFS.
    expect(silent.peakDbfs).toBe(-120);
    expect(JSON.parse(JSON.stringify(silent))).toEqual(silent);
    const empty = await analyzeVoiceAudio(new Float32Array(0), 16000, deps);
    expect(empty.durationSeconds).toBe(0);
    expect(problemOf(empty)).toBe('silent');
    const one = load('16k/arctic_aew_a0001.wav').samples.subarray(8000, 24000);
    const short = await analyzeVoiceAudio(one, 16000, deps);
    expect(codes(short)).toContain('too-short');
    expect(problemOf(short)).toBe('too-short');
    const lo = load('16k/lj_LJ001-0001.wav').samples.filter((_, i) => i % 2 === 0);
    expect(codes(await analyzeVoiceAudio(lo, 8000, deps))).toContain('low-sample-rate');
  });
});

describe('denoising through cleanVoiceAudio', () => {
  it('improves the SNR of eval speech with white noise at 5 dB (16 kHz and 22.05 kHz)', async () => {
    for (const [i, rel] of ['16k/ls_103-1240-0000.wav', 'native/lj_LJ001-0003.wav'].entries()) {
      const w = load(rel);
      const noisy = addNoiseAt(w.samples, 5, 300 + i);
      const r = await cleanVoiceAudio(noisy, w.sampleRate, { denoise: true }, deps);
      expect(r.samples.length).toBe(noisy.length);
      const gain = snrDb(w.samples, r.samples) - snrDb(w.samples, noisy);
      // gtcrn.test.ts holds the model to a >= 6 dB mean over all clips; each clip gains > 4 dB.
      expect(gain, rel).toBeGreaterThan(4);
      // The report sees it too.
      expect(r.report.snrDb!).toBeGreaterThan(r.before.snrDb! + 4);
    }
  }, 120_000);

  it('says the denoiser is missing when it was not loaded', async () => {
    const w = load('16k/arctic_aew_a0001.wav');
    await expect(cleanVoiceAudio(w.samples, 16000, { denoise: true }, { vad: deps.vad })).rejects.toMatchObject({
      code: 'ENGINE_UNAVAILABLE',
    });
  });
});

describe('model lookup', () => {
  it('loads the VAD and denoiser from a models folder and names the missing packs otherwise', async () => {
    const models = path.resolve('../shared/models');
    const d = await loadVoiceAudioDeps(['/nonexistent-timbre-models', models], { denoiser: true });
    try {
      const w = load('16k/arctic_aew_a0002.wav');
      expect((await analyzeVoiceAudio(w.samples, 16000, d)).speechSeconds).toBeGreaterThan(3);
      expect(d.denoiser).toBeDefined();
    } finally {
      await d.dispose();
    }
    const err = await loadVoiceAudioDeps(['/nonexistent-timbre-models'], { denoiser: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe('ENGINE_UNAVAILABLE');
    expect((err as ApiError).message).toMatch(
      /model packs "silero-vad" \(Silero VAD.*\) and "gtcrn" \(GTCRN.*\) are not installed/,
    );
    expect((err as ApiError).message).toMatch(/timbre models download silero-vad/);
    expect((err as ApiError).details).toEqual({ missingPacks: ['silero-vad', 'gtcrn'] });
  });
});

describe('long recordings', () => {
  it('a 4-minute recording: best window in its clean part, trim and normalise in linear passes', async () => {
    // 4 minutes: the eval clips (16 kHz) one after another with 2 s gaps, the first 2 minutes buried in noise.
    const clips = readdirSync(path.join(SPEECH, '16k'))
      .filter((f) => f.endsWith('.wav'))
      .map((f) => load(`16k/${f}`).samples);
    const rate = 16000;
    const x = new Float32Array(240 * rate);
    for (let o = 0, k = 0; o < x.length; k++) {
      const c = clips[k % clips.length];
      x.set(c.subarray(0, Math.min(c.length, x.length - o)), o);
      o += c.length + 2 * rate;
    }
    const half = 120 * rate;
    const nz = noise(half, 0.05, 4242);
    for (let i = 0; i < half; i++) x[i] += nz[i];
    const r = await cleanVoiceAudio(x, rate, { trim: true, normalize: true }, deps);
    const w = r.before.bestWindow!;
    expect(w.end - w.start).toBeGreaterThanOrEqual(5);
    expect(w.end - w.start).toBeLessThanOrEqual(30);
    expect(w.start).toBeGreaterThan(120);
    expect(r.before.speechSeconds).toBeGreaterThan(150);
    // Pauses of 2 s became 0.6 s: about 1.4 s saved per gap.
    const gaps = Math.floor(240 / 12.5);
    expect(r.samples.length / rate).toBeLessThan(240 - gaps * 1.2);
    const m = measureLoudness([r.samples], rate);
    expect(Math.abs(m.integrated + 20)).toBeLessThanOrEqual(0.5);
    expect(m.truePeak).toBeLessThanOrEqual(-1);
  }, 180_000);

  it('the sparse true-peak envelope equals the full one wherever a sample comes near the ceiling', () => {
    const w = load('native/lj_LJ001-0001.wav');
    const x = w.samples.map((v) => v * 2.5);
    const threshold = 10 ** (-7 / 20);
    const full = truePeakEnvelope(x, w.sampleRate);
    const sparse = sparseTruePeakEnvelope(x, w.sampleRate, threshold);
    let checked = 0;
    let worst = 0;
    let above = 0;
    for (let i = 0; i < x.length; i++) {
      if (Math.abs(x[i]) >= threshold) {
        checked++;
        worst = Math.max(worst, Math.abs(sparse[i] - full[i]), i > 0 ? Math.abs(sparse[i - 1] - full[i - 1]) : 0);
      } else above = Math.max(above, sparse[i] - full[i]);
    }
    expect(worst).toBeLessThan(1e-6);
    expect(above).toBeLessThanOrEqual(1e-6);
    expect(checked).toBeGreaterThan(100);
    // Every over the full envelope sees is seen by the sparse one.
    const max = (e: Float32Array) => e.reduce((a, v) => Math.max(a, v), 0);
    expect(max(sparse)).toBeCloseTo(max(full), 6);
  });
});
