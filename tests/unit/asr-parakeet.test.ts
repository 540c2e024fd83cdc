/**
 * The Parakeet CTC engine: NeMo log-mel features checked against a reference computed here a different way (a
 * direct DFT of each frame, mel triangles built in Hz, audio decoded by ffmpeg) on a real LJ Speech clip, and on
 * sox tones; greedy CTC decoding and word assembly; the whole engine on the contract fixture (real names, dtypes,
 * ranks and metadata) with tone "words" made by sox: transcript, word times, windows over long audio, progress,
 * cancel, and every way the pack can be unusable.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { greedyCtc, parseTokens, tokensToWords } from '../../native-models/asr/ctc.js';
import {
  HOP,
  LOG_GUARD,
  N_MELS,
  frameCount,
  logMel,
  nemoFeatures,
  slaneyMelFilterbank,
} from '../../native-models/asr/features.js';
import { ParakeetTranscriber, parakeetUnavailableReason } from '../../native-models/asr/parakeet.js';
import { segmentWords } from '../../native-models/asr/transcriber.js';
import { readOnnxMetadata } from '../../native-models/onnx/metadata.js';
import { makeParakeetFixture, type ParakeetFixture } from '../fixtures/parakeet-fixture.js';

const CLIP = path.resolve('../shared/eval/speech/native/lj_LJ001-0001.wav');
const SR = 16_000;
const fixtures: ParakeetFixture[] = [];
afterAll(() => fixtures.forEach((f) => f.cleanup()));

/** ffmpeg decodes (and resamples) to float32 16 kHz mono: independent of Timbre's own WAV reader. */
function ffmpegPcm(args: string[]): Float32Array {
  const buf = execFileSync('ffmpeg', ['-v', 'error', ...args, '-f', 'f32le', '-ac', '1', '-ar', String(SR), '-'], {
    maxBuffer: 64 * 1024 * 1024,
  });
  return new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4).slice();
}

/** sox: a sine of `sec` seconds at `freq` Hz, amplitude 0.3, float32 raw. */
function soxSine(sec: number, freq: number, vol = 0.3): Float32Array {
  const b = execFileSync('sox', [
    '-n',
    '-r',
    String(SR),
    '-b',
    '32',
    '-e',
    'float',
    '-t',
    'raw',
    '-',
    'synth',
    String(sec),
    'sine',
    String(freq),
    'vol',
    String(vol),
  ]);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

/** A sequence of [seconds, frequency or 0 for a pause] joined, over a quiet white-noise floor made by ffmpeg. */
function soxTones(parts: [number, number][]): Float32Array {
  const out = parts.map(([sec, f]) => (f === 0 ? new Float32Array(Math.round(sec * SR)) : soxSine(sec, f)));
  const all = new Float32Array(out.reduce((a, b) => a + b.length, 0));
  let o = 0;
  for (const p of out) {
    all.set(p, o);
    o += p.length;
  }
  const noise = ffmpegPcm(['-f', 'lavfi', '-i', `anoisesrc=a=0.001:c=white:seed=7:d=${all.length / SR + 0.1}`]);
  for (let i = 0; i < all.length; i++) all[i] += noise[i];
  return all;
}

describe('NeMo log-mel features', () => {
  it('match a direct-DFT reference on real speech (LJ Speech, resampled by ffmpeg)', () => {
    expect(existsSync(CLIP)).toBe(true);
    const audio = ffmpegPcm(['-i', CLIP]).subarray(0, SR * 2); // 2 s: 201 frames
    const ours = logMel(audio);
    expect(ours.frames).toBe(frameCount(audio.length));
    expect(ours.frames).toBe(Math.floor(audio.length / HOP) + 1);

    // Reference: preemphasis, centred frames (256 zeros each side), symmetric 400-point Hann in the middle of
    // 512 points, a direct DFT, mel triangles in Hz with Slaney area normalisation, log(x + 2^-24).
    const n = audio.length;
    const pre = new Float64Array(n);
    for (let i = 0; i < n; i++) pre[i] = i === 0 ? audio[0] : audio[i] - 0.97 * audio[i - 1];
    const melOf = (f: number) => (f < 1000 ? (3 * f) / 200 : 15 + (27 * Math.log(f / 1000)) / Math.log(6.4));
    const hzOf = (m: number) => (m < 15 ? (200 * m) / 3 : 1000 * Math.pow(6.4, (m - 15) / 27));
    const edges = Array.from({ length: N_MELS + 2 }, (_, i) => hzOf((melOf(8000) * i) / (N_MELS + 1)));
    const maxDiff = { v: 0 };
    for (let t = 0; t < ours.frames; t += 5) {
      const power = new Float64Array(257);
      for (let k = 0; k <= 256; k++) {
        let re = 0;
        let im = 0;
        for (let j = 0; j < 400; j++) {
          const idx = t * 160 - 256 + 56 + j;
          const v = idx < 0 || idx >= n ? 0 : pre[idx] * (0.5 - 0.5 * Math.cos((2 * Math.PI * j) / 399));
          const ph = (-2 * Math.PI * k * (j + 56)) / 512;
          re += v * Math.cos(ph);
          im += v * Math.sin(ph);
        }
        power[k] = re * re + im * im;
      }
      for (let m = 0; m < N_MELS; m++) {
        const [fl, fc, fr] = [edges[m], edges[m + 1], edges[m + 2]];
        let e = 0;
        for (let k = 0; k <= 256; k++) {
          const f = (k * SR) / 512;
          const w = f <= fl || f >= fr ? 0 : f <= fc ? (f - fl) / (fc - fl) : (fr - f) / (fr - fc);
          e += ((w * 2) / (fr - fl)) * power[k];
        }
        const ref = Math.log(e + LOG_GUARD);
        maxDiff.v = Math.max(maxDiff.v, Math.abs(ref - ours.data[m * ours.frames + t]));
      }
    }
    expect(maxDiff.v).toBeLessThan(2e-3);
  });

  it('a 1 kHz sox tone peaks in the mel band centred nearest 1 kHz', () => {
    const tone = soxSine(0.5, 1000);
    const f = logMel(tone);
    const t = Math.floor(f.frames / 2);
    let best = 0;
    for (let m = 1; m < N_MELS; m++) if (f.data[m * f.frames + t] > f.data[best * f.frames + t]) best = m;
    const fb = slaneyMelFilterbank();
    const centre = (m: number) => fb[m].indexOf(Math.max(...fb[m])) * (SR / 512);
    const nearest = [...Array(N_MELS).keys()].sort((a, b) => Math.abs(centre(a) - 1000) - Math.abs(centre(b) - 1000));
    expect(nearest.slice(0, 2)).toContain(best);
  });

  it('per-feature normalisation: every band has mean 0 and (N−1) standard deviation 1', () => {
    const audio = ffmpegPcm(['-i', CLIP]);
    const f = nemoFeatures(audio);
    for (const m of [0, 17, 40, 79]) {
      const row = f.data.subarray(m * f.frames, (m + 1) * f.frames);
      const mean = row.reduce((a, b) => a + b, 0) / row.length;
      const sd = Math.sqrt(row.reduce((a, b) => a + (b - mean) ** 2, 0) / (row.length - 1));
      expect(Math.abs(mean)).toBeLessThan(1e-4);
      expect(sd).toBeGreaterThan(0.999);
      expect(sd).toBeLessThan(1.0001);
    }
  });
});

describe('greedy CTC', () => {
  const V = 4; // a, b, ▁c, <blk>
  const frames = (ids: number[]) => {
    const lp = new Float32Array(ids.length * V).fill(Math.log(0.01));
    ids.forEach((id, t) => (lp[t * V + id] = Math.log(0.97)));
    return lp;
  };

  it('collapses repeats, keeps a repeat separated by a blank, drops blanks, records frame spans', () => {
    const toks = greedyCtc(frames([3, 0, 0, 3, 0, 1, 1, 3, 3, 2]), 10, V, 3);
    expect(toks.map((t) => [t.id, t.first, t.last])).toEqual([
      [0, 1, 2],
      [0, 4, 4],
      [1, 5, 6],
      [2, 9, 9],
    ]);
    expect(toks[0].prob).toBeCloseTo(0.97, 5);
  });

  it('tokens.txt: the blank by name, else the last id; bad files are refused', () => {
    expect(parseTokens('<unk> 0\n▁a 1\n<blk> 2\n').blank).toBe(2);
    expect(parseTokens('<blk> 0\n▁a 1\n').blank).toBe(0);
    expect(parseTokens('<unk> 0\n▁a 1\nb 2\n').blank).toBe(2);
    expect(() => parseTokens('')).toThrow(/empty/);
    expect(() => parseTokens('a 0\nb 0\n')).toThrow(/twice/);
    expect(() => parseTokens('a 0\nb 5\n')).toThrow(/unreadable/);
  });

  it('"▁" starts words; pieces join; specials are dropped; segments split at sentence ends and pauses', () => {
    const w = tokensToWords([
      { piece: '▁Hel', start: 0, end: 0.1, prob: 0.9 },
      { piece: 'lo', start: 0.1, end: 0.2, prob: 0.8 },
      { piece: ',', start: 0.2, end: 0.25, prob: 0.7 },
      { piece: '<unk>', start: 0.3, end: 0.35, prob: 0.9 },
      { piece: '▁', start: 0.4, end: 0.45, prob: 0.9 },
      { piece: 'world', start: 0.45, end: 0.6, prob: 0.95 },
      { piece: '.', start: 0.6, end: 0.65, prob: 0.9 },
      { piece: '▁Next', start: 2.0, end: 2.3, prob: 0.9 },
    ]);
    expect(w.map((x) => [x.word, x.start, x.end])).toEqual([
      ['Hello,', 0, 0.25],
      ['world.', 0.4, 0.65],
      ['Next', 2.0, 2.3],
    ]);
    expect(w[0].confidence).toBeCloseTo(0.7);
    const segs = segmentWords(w);
    expect(segs.map((s) => s.text)).toEqual(['Hello, world.', 'Next']);
  });
});

describe('Parakeet engine on the contract fixture', () => {
  const fixture = () => {
    const f = makeParakeetFixture();
    fixtures.push(f);
    return f;
  };

  it('reads the sherpa-onnx metadata and transcribes sox tones into timed words', async () => {
    const fx = fixture();
    expect(await readOnnxMetadata(path.join(fx.dir, 'model.int8.onnx'))).toMatchObject({
      subsampling_factor: '8',
      normalize_type: 'per_feature',
    });
    const audio = soxTones([
      [0.5, 0],
      [0.5, 300],
      [0.5, 0],
      [0.5, 3000],
      [0.4, 0],
      [0.3, 300],
      [0.6, 0],
    ]);
    const t = new ParakeetTranscriber({ packDir: fx.dir });
    const r = await t.transcribe(audio);
    await t.dispose();
    expect(r.text).toBe('low high low');
    const edges = [
      [0.5, 1.0],
      [1.5, 2.0],
      [2.4, 2.7],
    ];
    r.words.forEach((w, i) => {
      expect(Math.abs(w.start - edges[i][0])).toBeLessThan(0.1);
      expect(Math.abs(w.end - edges[i][1])).toBeLessThan(0.1);
    });
    expect(r.durationSeconds).toBeCloseTo(3.3, 2);
  });

  it('long audio goes in windows cut in pauses: every word once, in order, with its own time; progress; cancel', async () => {
    const fx = fixture();
    // 24 tone words over 48 s; 10 s windows with 1 s of context.
    const parts: [number, number][] = [];
    for (let i = 0; i < 24; i++) parts.push([1.2, 0], [0.8, i % 3 === 0 ? 3000 : 300]);
    const audio = soxTones(parts);
    const t = new ParakeetTranscriber({ packDir: fx.dir, windowSeconds: 10, contextSeconds: 1 });
    expect(t.cutPoints(audio).length).toBeGreaterThan(5);
    const progress: number[] = [];
    const r = await t.transcribe(audio, { onProgress: (p) => progress.push(p) });
    expect(r.words.map((w) => w.word)).toEqual(parts.filter((p) => p[1]).map((p) => (p[1] === 3000 ? 'high' : 'low')));
    r.words.forEach((w, i) => expect(Math.abs(w.start - (i * 2 + 1.2))).toBeLessThan(0.1));
    expect(progress[0]).toBe(0);
    expect(progress.at(-1)).toBe(1);
    expect([...progress].sort((a, b) => a - b)).toEqual(progress);

    const ac = new AbortController();
    const p = t.transcribe(audio, { signal: ac.signal, onProgress: (f) => f > 0 && ac.abort() });
    await expect(p).rejects.toMatchObject({ code: 'CANCELLED' });
    await t.dispose();
  });

  it('an unusable pack says exactly what is wrong: missing, wrong graph, wrong metadata, bad audio', async () => {
    const missing = makeParakeetFixture({ omitTokens: true });
    fixtures.push(missing);
    expect(parakeetUnavailableReason(missing.dir)).toMatch(/timbre models download parakeet-ctc-en/);
    await expect(
      new ParakeetTranscriber({ packDir: missing.dir }).transcribe(new Float32Array(SR)),
    ).rejects.toMatchObject({
      code: 'UNAVAILABLE',
    });

    const renamed = makeParakeetFixture({ audioInputName: 'features' });
    fixtures.push(renamed);
    await expect(new ParakeetTranscriber({ packDir: renamed.dir }).transcribe(new Float32Array(SR))).rejects.toThrow(
      /missing input "audio_signal"/,
    );

    const meta = makeParakeetFixture({ metadata: { vocab_size: '99', normalize_type: 'all_features' } });
    fixtures.push(meta);
    await expect(new ParakeetTranscriber({ packDir: meta.dir }).transcribe(new Float32Array(SR))).rejects.toThrow(
      /subsampling_factor is "missing".*vocab_size is "99".*normalize_type "all_features"/,
    );

    const ok = fixture();
    const bad = new Float32Array(SR);
    bad[100] = NaN;
    await expect(new ParakeetTranscriber({ packDir: ok.dir }).transcribe(bad)).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
    // A tokens.txt changed after installation (pack.json records its size) is caught before loading.
    writeFileSync(
      path.join(ok.dir, 'pack.json'),
      JSON.stringify({ id: 'parakeet-ctc-en', files: [{ path: 'tokens.txt', bytes: 1, sha256: '0'.repeat(64) }] }),
    );
    await expect(new ParakeetTranscriber({ packDir: ok.dir }).transcribe(new Float32Array(SR))).rejects.toThrow(
      /changed after it was installed/,
    );
  });
});

describe('word error rate', () => {
  it('normalises case, punctuation and spoken forms; counts substitutions, insertions and deletions', async () => {
    const { wordErrorRate, werWords } = await import('../../native-models/asr/wer.js');
    expect(werWords("Mr. Hale's guest — downstairs, THERE'S")).toEqual([
      'mister',
      "hale's",
      'guest',
      'downstairs',
      "there's",
    ]);
    expect(wordErrorRate('the cat sat on the mat', 'The cat sat on the mat.')).toBe(0);
    expect(wordErrorRate('the cat sat on the mat', 'the cat sat on mat')).toBeCloseTo(1 / 6);
    expect(wordErrorRate('a b c', 'a x c d')).toBeCloseTo(2 / 3);
    expect(() => wordErrorRate('', 'x')).toThrow(RangeError);
  });
});
