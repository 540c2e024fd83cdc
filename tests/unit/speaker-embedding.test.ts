/**
 * Speaker embeddings: Kaldi fbank checked against a reference computed here a different way (direct DFT, mirrored
 * edges by index arithmetic, mel triangles from their definition) on real speech decoded by ffmpeg; the embedder on
 * the contract fixture (real input rank, metadata, global-mean normalisation) with sox tones; refusals.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fbankFrameCount, kaldiFbank, FBANK_BINS } from '../../native-models/speaker/fbank.js';
import { SpeakerEmbedder, speakerUnavailableReason } from '../../native-models/speaker/embedder.js';
import { clusterEmbeddings, cosineSimilarity } from '../../native-models/speech/cluster.js';
import { makeSpeakerFixture } from '../fixtures/speaker-fixture.js';

const SR = 16_000;
const CLIP = path.resolve('../shared/eval/speech/16k/arctic_aew_a0001.wav');
const fixtures: { cleanup(): void }[] = [];
afterAll(() => fixtures.forEach((f) => f.cleanup()));

function ffmpegPcm(args: string[]): Float32Array {
  const b = execFileSync('ffmpeg', ['-v', 'error', ...args, '-f', 'f32le', '-ac', '1', '-ar', String(SR), '-'], {
    maxBuffer: 64 * 1024 * 1024,
  });
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

function tone(freq: number, sec: number, seed: number): Float32Array {
  const t = ffmpegPcm(['-f', 'lavfi', '-i', `sine=frequency=${freq}:duration=${sec}:sample_rate=16000`]);
  const noise = ffmpegPcm(['-f', 'lavfi', '-i', `anoisesrc=a=0.01:c=pink:seed=${seed}:d=${sec}`]);
  return t.map((v, i) => 0.3 * v + (noise[i] ?? 0));
}

describe('Kaldi fbank', () => {
  it('matches a direct-DFT reference on real speech (CMU ARCTIC), frames placed as Kaldi does', () => {
    const audio = ffmpegPcm(['-i', CLIP]).subarray(0, SR); // 1 s
    const ours = kaldiFbank(audio, true);
    expect(ours.frames).toBe(fbankFrameCount(audio.length));
    expect(ours.frames).toBe(100);
    const mel = (f: number) => 1127 * Math.log(1 + f / 700);
    const lo = mel(20);
    const d = (mel(7600) - lo) / 81;
    let worst = 0;
    for (const t of [0, 1, 37, 50, 98, 99]) {
      const x: number[] = [];
      for (let j = 0; j < 400; j++) {
        const idx = t * 160 - 120 + j;
        const k = idx < 0 ? -idx - 1 : idx >= audio.length ? 2 * audio.length - 1 - idx : idx;
        x.push(audio[k] * 32768);
      }
      const mean = x.reduce((a, b) => a + b, 0) / 400;
      const y = x.map((v) => v - mean);
      const p = y.map((v, j) => (j === 0 ? v - 0.97 * v : v - 0.97 * y[j - 1]));
      const w = p.map((v, j) => v * Math.pow(0.5 - 0.5 * Math.cos((2 * Math.PI * j) / 399), 0.85));
      for (let b = 0; b < FBANK_BINS; b++) {
        let e = 0;
        for (let k = 0; k < 256; k++) {
          const m = mel((k * SR) / 512);
          const [l, c, r] = [lo + b * d, lo + (b + 1) * d, lo + (b + 2) * d];
          if (m <= l || m >= r) continue;
          let re = 0;
          let im = 0;
          for (let j = 0; j < 400; j++) {
            re += w[j] * Math.cos((2 * Math.PI * k * j) / 512);
            im -= w[j] * Math.sin((2 * Math.PI * k * j) / 512);
          }
          e += (m <= c ? (m - l) / (c - l) : (r - m) / (r - c)) * (re * re + im * im);
        }
        worst = Math.max(worst, Math.abs(Math.log(Math.max(e, 1.1920928955078125e-7)) - ours.data[t * FBANK_BINS + b]));
      }
    }
    expect(worst).toBeLessThan(2e-3);
  }, 120_000);
});

describe('speaker embedder on the contract fixture', () => {
  it('same-spectrum recordings score close, different ones far; clustering separates them', async () => {
    const fx = makeSpeakerFixture();
    fixtures.push(fx);
    const e = new SpeakerEmbedder(fx.dir);
    const a1 = await e.embed(tone(300, 1.5, 1));
    const a2 = await e.embed(tone(300, 2, 2));
    const b1 = await e.embed(tone(2500, 1.5, 3));
    const b2 = await e.embed(tone(2500, 1, 4));
    await e.dispose();
    expect(a1.length).toBe(80);
    const same = Math.min(cosineSimilarity(a1, a2), cosineSimilarity(b1, b2));
    const diff = Math.max(cosineSimilarity(a1, b1), cosineSimilarity(a2, b2));
    expect(same).toBeGreaterThan(diff + 0.1);
    expect(clusterEmbeddings([a1, b1, a2, b2], { speakers: 2 })).toEqual([0, 1, 0, 1]);
  });

  it('refuses what it cannot use: no pack (naming the download), wrong metadata, too short, invalid samples', async () => {
    expect(speakerUnavailableReason('/nonexistent')).toMatch(/timbre models download speaker-wespeaker-en/);
    const bad = makeSpeakerFixture({ framework: 'nemo', sample_rate: '8000', output_dim: '80' });
    fixtures.push(bad);
    await expect(new SpeakerEmbedder(bad.dir).embed(new Float32Array(SR))).rejects.toThrow(
      /framework is "nemo".*sample_rate is "8000"/,
    );
    const ok = makeSpeakerFixture();
    fixtures.push(ok);
    const e = new SpeakerEmbedder(ok.dir);
    await expect(e.embed(new Float32Array(SR / 4))).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    const nan = new Float32Array(SR);
    nan[5] = NaN;
    await expect(e.embed(nan)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await e.dispose();
  });
});

describe('consent speaker check', () => {
  it('without the pack: not checked, naming the pack; with it: a similarity score and a verdict', async () => {
    const { installedConsentCheckers, verifyStatement } = await import('../../main/node/voices/consent.js');
    const statement = {
      statementId: 'cst_test',
      text: 'My name is Test.',
      words: ['river', 'candle', 'tiger'],
      date: '2026-12-05',
      language: 'en' as const,
      expectedSeconds: 2,
    };
    const recording = { samples: tone(300, 2, 5), sampleRate: SR, speechSeconds: 2 };
    const sample = { samples: tone(300, 1.5, 6), sampleRate: SR };
    const none = await verifyStatement({ statement, recording, sample }, installedConsentCheckers('/nonexistent'));
    expect(none.checks.find((c) => c.check === 'speaker')).toMatchObject({
      result: 'not-checked',
      detail: expect.stringMatching(/timbre models download speaker-wespeaker-en/),
    });
    const fx = makeSpeakerFixture();
    fixtures.push(fx);
    const checkers = installedConsentCheckers(fx.root);
    expect(checkers.speaker).toBeDefined();
    const same = await verifyStatement({ statement, recording, sample }, checkers);
    const check = same.checks.find((c) => c.check === 'speaker')!;
    expect(check.result).toBe('passed');
    expect(check.detail).toMatch(/similarity 0\.\d\d/);
    const other = await verifyStatement(
      { statement, recording, sample: { samples: tone(2500, 1.5, 7), sampleRate: SR } },
      checkers,
    );
    const s1 = Number(/similarity (\d\.\d\d)/.exec(check.detail!)![1]);
    const s2 = Number(/similarity (\d\.\d\d)/.exec(other.checks.find((c) => c.check === 'speaker')!.detail!)![1]);
    expect(s2).toBeLessThan(s1);
  });
});
