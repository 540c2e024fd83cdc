/**
 * The embedded aligner (native-models/speech) on real speech from ../shared/eval and on eSpeak speech: text
 * normalisation, letter-to-sound for words missing from the dictionary, word timings against reference boundaries
 * measured on the waveform, and the verdict on right readings, other statements, partial readings and noise.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlignerHost } from '../../main/node/speech/aligner-host.js';
import { ROOT } from '../helpers/server-process.js';
import { decodeWav } from '../../native-models/audio/wav.js';
import { resample } from '../../native-models/dsp/resample.js';
import { EspeakRuntime } from '../../native-models/espeak/runtime.js';
import { AlignError } from '../../native-models/speech/aligner.js';
import { espeakIpa, phoneMapFor } from '../../native-models/speech/g2p.js';
import { cardinal, normaliseForAlignment, year } from '../../native-models/speech/text.js';
import { loadClips, noise } from '../../build/bench/align-eval.js';

// The aligner in its worker thread (dist/node/align.worker.js), as the core runs it: a decode of many seconds never
// blocks this thread.
const host = new AlignerHost();
beforeAll(() => {
  execFileSync(process.execPath, [path.join(ROOT, 'build/scripts/build.mjs'), '--node', '--if-stale'], {
    stdio: 'ignore',
  });
});
afterAll(() => host.dispose());
const aligner = { align: (audio: Float32Array, text: string, lang: string) => host.align(audio, 16000, text, lang) };
const clips = loadClips();
const clip = (id: string) => clips.find((c) => c.id.startsWith(id))!;

/** Where speech starts and ends in `x` (16 kHz): first/last 10 ms frame whose RMS is within 30 dB of the peak frame. */
function speechExtent(x: Float32Array): { start: number; end: number } {
  const hop = 160;
  const rms: number[] = [];
  for (let i = 0; i + hop <= x.length; i += hop) {
    let e = 0;
    for (let j = i; j < i + hop; j++) e += x[j] * x[j];
    rms.push(Math.sqrt(e / hop));
  }
  const floor = Math.max(...rms) * 10 ** (-30 / 20);
  const first = rms.findIndex((r) => r > floor);
  const last = rms.length - 1 - [...rms].reverse().findIndex((r) => r > floor);
  return { start: first / 100, end: (last + 1) / 100 };
}

describe('text normalisation', () => {
  it('reads numbers, ordinals, years and ISO dates as words, and keeps the written words', () => {
    expect(cardinal(1961)).toEqual(['one', 'thousand', 'nine', 'hundred', 'sixty', 'one']);
    expect(year(1961)).toEqual(['nineteen', 'sixty', 'one']);
    expect(year(2005)).toEqual(['two', 'thousand', 'five']);
    const n = normaliseForAlignment('Today is 2026-12-05, the 21st; 3.5% & "well-known" men’s', 'en');
    expect(n.written).toEqual(['Today', 'is', '2026-12-05', 'the', '21st', '3.5%', '&', 'well-known', "men's"]);
    expect(n.tokens.map((t) => t.spoken).join(' ')).toBe(
      "today is december fifth twenty twenty six the twenty first three point five percent and well known men's",
    );
    expect(n.tokens.filter((t) => t.from === 2)).toHaveLength(5);
  });

  it('refuses text past the limits with a plain message', () => {
    expect(() => normaliseForAlignment('word '.repeat(401), 'en')).toThrow(/at most 400/);
    expect(() => normaliseForAlignment('x'.repeat(5001), 'en')).toThrow(/5001 characters; at most 5000/);
  });
});

describe('letter-to-sound', () => {
  it('maps eSpeak IPA to the model phones for words the dictionary lacks', async () => {
    const phoneset = JSON.parse(
      readFileSync(path.resolve('node_modules/soundswallower/model/en-us/phoneset.json'), 'utf8'),
    ) as Record<string, string>;
    const map = phoneMapFor(phoneset);
    const [ipa] = await espeakIpa(['woodcutters'], 'en-us');
    expect(map.map(ipa!)!.join(' ')).toBe('W UH D K AH T ER Z');
    expect(map.map('tʃ_ˈɜː_tʃ')).toEqual(['CH', 'ER', 'CH']);
  });
});

describe('alignment on real speech', () => {
  it('aligns a clip with words missing from the dictionary (eSpeak pronunciations) and calls it a match', async () => {
    const c = clip('ls_103');
    const r = await aligner.align(c.audio, c.text, 'en');
    expect(r.verdict).toBe('match');
    const avonlea = r.words.find((w) => w.word === 'AVONLEA')!;
    expect(avonlea.status).toBe('ok');
    expect(avonlea.start).toBeGreaterThan(5);
  }, 60_000);

  it('places the first and last words of joined real clips within 100 ms of the speech edges on the waveform', async () => {
    const parts = ['arctic_aew_a0001', 'arctic_aew_a0002', 'arctic_aew_a0003'].map(clip);
    const gap = new Float32Array(8000); // 0.5 s of digital silence between clips
    const audio = new Float32Array(parts.reduce((a, p) => a + p.audio.length + gap.length, 0));
    let off = 0;
    const refs: { first: number; last: number; firstWord: number; lastWord: number }[] = [];
    let wordIdx = 0;
    for (const p of parts) {
      audio.set(p.audio, off);
      const ext = speechExtent(p.audio);
      const n = normaliseForAlignment(p.text, 'en').written.length;
      refs.push({
        first: off / 16000 + ext.start,
        last: off / 16000 + ext.end,
        firstWord: wordIdx,
        lastWord: wordIdx + n - 1,
      });
      wordIdx += n;
      off += p.audio.length + gap.length;
    }
    const r = await aligner.align(audio, parts.map((p) => p.text).join(' '), 'en');
    expect(r.verdict).toBe('match');
    expect(r.words).toHaveLength(wordIdx);
    for (const ref of refs) {
      expect(Math.abs(r.words[ref.firstWord].start! - ref.first)).toBeLessThanOrEqual(0.1);
      expect(Math.abs(r.words[ref.lastWord].end! - ref.last)).toBeLessThanOrEqual(0.1);
    }
  }, 60_000);

  it('finds eSpeak word boundaries (words synthesised one by one, joined with pauses) within 100 ms', async () => {
    const rt = new EspeakRuntime();
    const words = ['garden', 'window', 'thunder', 'compass', 'yellow', 'seventeen'];
    const pieces: Float32Array[] = [];
    for (const w of words) {
      const out = await rt.run(['-v', 'en-us', '-w', 'w.wav', w], { outputs: ['w.wav'], clockMs: 0 });
      const wav = decodeWav(out.outputs.get('w.wav')!);
      pieces.push(resample(wav.samples, wav.sampleRate, 16000));
    }
    const pause = new Float32Array(4800); // 0.3 s
    const total = pieces.reduce((a, p) => a + p.length + pause.length, pause.length);
    const audio = new Float32Array(total);
    const refs: { start: number; end: number }[] = [];
    let off = pause.length;
    for (const p of pieces) {
      audio.set(p, off);
      const ext = speechExtent(p);
      refs.push({ start: off / 16000 + ext.start, end: off / 16000 + ext.end });
      off += p.length + pause.length;
    }
    // A quiet room under the whole take (-60 dBFS brown noise), as in any recording.
    const room = noise(audio.length / 16000, 0.001, 'brown', 3);
    for (let i = 0; i < audio.length; i++) audio[i] += room[i];
    const r = await aligner.align(audio, words.join(' '), 'en');
    expect(r.verdict, JSON.stringify({ w: r.words, u: r.unexpectedSpeechSeconds, refs })).toBe('match');
    r.words.forEach((w, i) => {
      expect(Math.abs(w.start! - refs[i].start), `${w.word} start`).toBeLessThanOrEqual(0.1);
      expect(Math.abs(w.end! - refs[i].end), `${w.word} end`).toBeLessThanOrEqual(0.1);
    });
  }, 60_000);
});

describe('verification (a contrast, not just an alignment)', () => {
  const c = clip('arctic_aew_a0003');
  const other = clip('arctic_aew_a0002');

  it('accepts the right reading, with every word ok', async () => {
    const r = await aligner.align(c.audio, c.text, 'en');
    expect(r.verdict).toBe('match');
    expect(r.words.every((w) => w.status === 'ok')).toBe(true);
    expect(r.score).toBeGreaterThan(0.8);
  }, 60_000);

  it('rejects another statement and names failed words', async () => {
    const r = await aligner.align(c.audio, other.text, 'en');
    expect(r.verdict).toBe('mismatch');
    expect(r.words.filter((w) => w.status !== 'ok').length).toBeGreaterThan(r.words.length / 2);
    expect(r.reasons.join(' ')).toMatch(/Unclear|Not heard/);
  }, 60_000);

  it('rejects a partial reading (the audio cut after half the words) and lists the words not heard', async () => {
    const whole = await aligner.align(c.audio, c.text, 'en');
    const half = Math.floor(whole.words.length / 2);
    const cut = Math.round(((whole.words[half - 1].end! + whole.words[half].start!) / 2) * 16000);
    const r = await aligner.align(c.audio.subarray(0, cut), c.text, 'en');
    expect(r.verdict).toBe('mismatch');
    const failed = r.words.filter((w) => w.status !== 'ok').map((w) => w.word);
    expect(failed).toContain('hands');
    expect(failed.length).toBeGreaterThanOrEqual(whole.words.length - half - 1);
  }, 60_000);

  it('rejects silence with noise', async () => {
    const r = await aligner.align(noise(5, 0.003, 'white'), c.text, 'en');
    expect(r.verdict).toBe('mismatch');
    expect(r.score).toBeLessThan(0.3);
  }, 60_000);

  it('refuses what it cannot align with a specific error', async () => {
    await expect(aligner.align(c.audio, 'bonjour', 'de')).rejects.toThrow(/no model for "de"/);
    await expect(aligner.align(c.audio, '... !!', 'en')).rejects.toThrow(/no words/);
    await expect(aligner.align(new Float32Array(16000 * 121), 'hello', 'en')).rejects.toBeInstanceOf(AlignError);
  }, 60_000);
});
