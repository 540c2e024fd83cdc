/**
 * The Kokoro engine end to end on contract-fixture graphs (tests/fixtures/kokoro-fixture.ts: the real input and
 * output names, dtypes and ranks of both ONNX exports) with the real embedded eSpeak NG phonemizer: token ids with
 * the pad at both ends, the style row picked by token count, speed, the 510-token split, streaming and cancel.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EngineError, type SynthesisSink } from '../../native-models/engine.js';
import {
  createKokoroEngine,
  espeakPhonemizer,
  espeakToKokoro,
  keepKnown,
  MAX_PHONEME_TOKENS,
  tokenize,
  type KokoroEngine,
  type KokoroPhonemizer,
} from '../../native-models/kokoro/index.js';
import { decodeFixtureAudio, makeKokoroFixture, type KokoroFixture } from '../fixtures/kokoro-fixture.js';
import { tempDir } from '../helpers/tmp.js';

interface Captured {
  chunks: Float32Array[];
  rates: number[];
  progress: number[];
}

function sink(onChunk?: (i: number) => void): SynthesisSink & Captured {
  const c: Captured = { chunks: [], rates: [], progress: [] };
  return Object.assign(c, {
    onChunk(pcm: Float32Array, rate: number) {
      c.chunks.push(pcm);
      c.rates.push(rate);
      onChunk?.(c.chunks.length);
    },
    onProgress(f: number) {
      c.progress.push(f);
    },
  });
}

/** The real phonemizer, counting its calls. */
function countingPhonemizer(): { phonemize: KokoroPhonemizer; calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    phonemize: (text, lang, signal) => {
      calls.push(`${lang}:${text}`);
      return espeakPhonemizer(text, lang, signal);
    },
  };
}

const engineFor = (fx: KokoroFixture, phonemize: KokoroPhonemizer = espeakPhonemizer): KokoroEngine =>
  createKokoroEngine({ packs: [{ id: 'kokoro', dir: fx.dir }], phonemize });

const ids = (s: string) => tokenize(s);
const signal = () => new AbortController().signal;

let npz: KokoroFixture;
let community: KokoroFixture;
beforeAll(() => {
  npz = makeKokoroFixture({ naming: 'kokoro-onnx' });
  community = makeKokoroFixture({ naming: 'onnx-community' });
});
afterAll(() => {
  npz.cleanup();
  community.cleanup();
});

describe('Kokoro pack and voices', () => {
  it('says exactly what to install when no pack is there, and lists no voices', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const e = createKokoroEngine({
        packs: [
          { id: 'kokoro-fp32', dir: join(dir, 'kokoro-fp32') },
          { id: 'kokoro', dir: join(dir, 'kokoro') },
        ],
        phonemize: espeakPhonemizer,
      });
      const a = await e.availability();
      expect(a.available).toBe(false);
      expect(a.reason).toMatch(/Kokoro model pack is not installed/);
      expect(a.reason).toMatch(/timbre models download kokoro-fp32/);
      expect(a.reason).toMatch(/timbre models download kokoro`/);
      expect(await e.listVoices()).toEqual([]);
      await expect(e.synthesize({ text: 'Hello.', voiceId: 'af_heart' }, sink(), signal())).rejects.toMatchObject({
        code: 'ENGINE_UNAVAILABLE',
      });
    } finally {
      cleanup();
    }
  });

  it.each([
    ['kokoro-onnx (voices-v1.0.bin .npz)', () => npz],
    ['onnx-community (voices/*.bin)', () => community],
  ])('%s: lists the spoken voices with language and gender, not the Japanese one', async (_, fx) => {
    const e = engineFor(fx());
    expect(await e.availability()).toEqual({ available: true });
    expect(await e.listVoices()).toEqual([
      { id: 'af_heart', name: 'Heart', language: 'en-US', gender: 'female' },
      { id: 'bm_george', name: 'George', language: 'en-GB', gender: 'male' },
      { id: 'ff_siwis', name: 'Siwis', language: 'fr-FR', gender: 'female' },
    ]);
    await e.dispose();
  });

  it('refuses a graph whose inputs do not match the contract, naming the input', async () => {
    const fx = makeKokoroFixture({ speedType: 'int32' });
    try {
      const e = engineFor(fx);
      const err = await e
        .synthesize({ text: 'Hello.', voiceId: 'af_heart' }, sink(), signal())
        .catch((x: unknown) => x as EngineError);
      expect(err).toBeInstanceOf(EngineError);
      expect((err as EngineError).code).toBe('ENGINE_UNAVAILABLE');
      expect((err as EngineError).message).toMatch(/input "speed" is int32, expected float32/);
      expect((err as EngineError).message).toMatch(/timbre models download kokoro/);
      const a = await e.availability();
      expect(a.available).toBe(false);
      expect(a.reason).toMatch(/speed/);
      expect(e.runCount()).toBe(0);
    } finally {
      fx.cleanup();
    }
  });

  it('a pack file changed since installation makes the engine unavailable, saying how to repair it', async () => {
    const fx = makeKokoroFixture({ naming: 'onnx-community' });
    try {
      writeFileSync(
        join(fx.dir, 'pack.json'),
        JSON.stringify({ id: 'kokoro', files: [{ path: 'voices/af_heart.bin', bytes: 999 }] }),
      );
      const e = engineFor(fx);
      const a = await e.availability();
      expect(a.available).toBe(false);
      expect(a.reason).toMatch(/voices\/af_heart\.bin is 522240 bytes, expected 999/);
      expect(a.reason).toMatch(/timbre models verify kokoro/);
      await expect(e.synthesize({ text: 'Hi.', voiceId: 'af_heart' }, sink(), signal())).rejects.toMatchObject({
        code: 'ENGINE_UNAVAILABLE',
      });
      expect(e.runCount()).toBe(0);
    } finally {
      fx.cleanup();
    }
  });

  it('reads np.savez_compressed (deflated) archives too', async () => {
    const fx = makeKokoroFixture({ deflate: true });
    try {
      const out = sink();
      await engineFor(fx).synthesize({ text: 'Hello world.', voiceId: 'bm_george' }, out, signal());
      expect(decodeFixtureAudio(out.chunks[0]).voice).toBe(2);
    } finally {
      fx.cleanup();
    }
  });

  it('refuses Japanese and Mandarin voices with the reason, and unknown or malformed voice ids', async () => {
    const e = engineFor(npz);
    await expect(e.synthesize({ text: 'こんにちは', voiceId: 'jf_alpha' }, sink(), signal())).rejects.toMatchObject({
      code: 'UNSUPPORTED_TEXT',
      message: expect.stringMatching(/Japanese G2P/),
    });
    await expect(e.synthesize({ text: '你好', voiceId: 'zf_xiaobei' }, sink(), signal())).rejects.toMatchObject({
      code: 'UNSUPPORTED_TEXT',
      message: expect.stringMatching(/Chinese G2P/),
    });
    await expect(e.synthesize({ text: 'Hi.', voiceId: 'af_nobody' }, sink(), signal())).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringMatching(/no voice "af_nobody"/),
    });
    await expect(e.synthesize({ text: 'Hi.', voiceId: '../../etc/passwd' }, sink(), signal())).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
    expect(e.runCount()).toBe(0);
  });

  it('a damaged voice file is a clear error, not a crash', async () => {
    const fx = makeKokoroFixture({ naming: 'onnx-community' });
    try {
      writeFileSync(join(fx.dir, 'voices', 'af_heart.bin'), new Uint8Array(1000));
      await expect(
        engineFor(fx).synthesize({ text: 'Hello.', voiceId: 'af_heart' }, sink(), signal()),
      ).rejects.toMatchObject({ code: 'ENGINE_ERROR', message: expect.stringMatching(/not whole rows of 256/) });
    } finally {
      fx.cleanup();
    }
  });
});

describe('Kokoro synthesis on the contract fixture', () => {
  it('feeds [0, phoneme ids…, 0], the style row for the token count, and the speed; 24 kHz', async () => {
    for (const fx of [npz, community]) {
      const e = engineFor(fx);
      const out = sink();
      const r = await e.synthesize(
        { text: 'Hello world.', voiceId: 'af_heart', options: { speed: 1.25 } },
        out,
        signal(),
      );
      expect(out.chunks).toHaveLength(1);
      expect(out.rates).toEqual([24000]);
      expect(r).toEqual({ sampleRate: 24000, samples: out.chunks[0].length });
      const got = decodeFixtureAudio(out.chunks[0]);
      // eSpeak NG en-us "həlˈoʊ wˈɜːld." in the model's symbols (misaki): oʊ → O, ɜː → ɜɹ.
      const expected = ids('həlˈO wˈɜɹld.');
      expect(got.ids).toEqual([0, ...expected, 0]);
      expect(got.row).toBe(expected.length);
      expect(got.voice).toBe(0);
      expect(got.speed).toBeCloseTo(1.25, 6);
      expect(out.progress.at(-1)).toBe(1);
      await e.dispose();
    }
  });

  it('maps British and French phonemes the way the model was trained (misaki), per voice language', async () => {
    const e = engineFor(npz);
    const gb = sink();
    // eSpeak NG en-gb "ɡˌəʊ ðˈeə.": əʊ → Q, eə → ɛː.
    await e.synthesize({ text: 'Go there.', voiceId: 'bm_george' }, gb, signal());
    const g = decodeFixtureAudio(gb.chunks[0]);
    expect(g.ids).toEqual([0, ...ids('ɡˌQ ðˈɛː.'), 0]);
    expect(g.voice).toBe(2);
    const fr = sink();
    await e.synthesize({ text: 'Bonjour, je suis là.', voiceId: 'ff_siwis' }, fr, signal());
    const f = decodeFixtureAudio(fr.chunks[0]);
    // eSpeak's nasal vowel keeps its combining tilde (a vocabulary symbol); its hyphens are dropped.
    expect(f.ids.slice(0, 4)).toEqual([0, ...ids('bɔ̃')]);
    expect(f.ids).toContain(ids('ʁ')[0]);
    expect(f.voice).toBe(1);
  });

  it('speed defaults to 1 and is refused outside 0.5–2', async () => {
    const e = engineFor(npz);
    const out = sink();
    await e.synthesize({ text: 'Hi.', voiceId: 'af_heart' }, out, signal());
    expect(decodeFixtureAudio(out.chunks[0]).speed).toBe(1);
    for (const speed of [0.4, 2.5, 'fast'])
      await expect(
        e.synthesize({ text: 'Hi.', voiceId: 'af_heart', options: { speed } }, sink(), signal()),
      ).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/speed/) });
  });

  it('streams one chunk per sentence, in order, phonemizing the first sentence alone', async () => {
    const p = countingPhonemizer();
    const e = engineFor(npz, p.phonemize);
    const out = sink();
    await e.synthesize({ text: 'One. Two two. Three three three!', voiceId: 'af_heart' }, out, signal());
    expect(out.chunks).toHaveLength(3);
    const rows = out.chunks.map((c) => decodeFixtureAudio(c).row);
    expect(rows[0]).toBeLessThan(rows[1]);
    expect(rows[1]).toBeLessThan(rows[2]);
    expect(p.calls).toEqual(['en-us:One.', 'en-us:Two two. Three three three!']);
    // Progress only goes up and ends at 1.
    expect(out.progress).toEqual([...out.progress].sort((a, b) => a - b));
    expect(out.progress.at(-1)).toBe(1);
  });

  it('splits a sentence longer than 510 tokens into pieces the model accepts, losing no phoneme', async () => {
    const words = Array.from({ length: 160 }, (_, i) => ['banana', 'telephone', 'yellow', 'window'][i % 4]);
    const text = `${words.join(' ')}.`;
    const p = countingPhonemizer();
    const e = engineFor(npz, p.phonemize);
    const out = sink();
    await e.synthesize({ text, voiceId: 'af_heart' }, out, signal());
    expect(out.chunks.length).toBeGreaterThanOrEqual(2);
    const pieces = out.chunks.map(decodeFixtureAudio);
    for (const piece of pieces) {
      expect(piece.ids[0]).toBe(0);
      expect(piece.ids.at(-1)).toBe(0);
      const n = piece.ids.length - 2;
      expect(n).toBeLessThanOrEqual(MAX_PHONEME_TOKENS);
      // The style table has 510 rows: a full 510-token piece takes the last one.
      expect(piece.row).toBe(Math.min(n, 509));
      expect(piece.ids.slice(1, -1)).not.toContain(0);
    }
    expect(p.calls).toHaveLength(1);
    // No clause punctuation inside: every cut fell on a space, so the pieces joined by spaces are the whole sentence.
    const full = (await espeakPhonemizer(text, 'en-us', signal())).join(' ');
    const all = ids(keepKnown(espeakToKokoro(full, 'en-us')));
    expect(all.length).toBeGreaterThan(MAX_PHONEME_TOKENS);
    const space = ids(' ')[0];
    const joined = pieces.map((x) => x.ids.slice(1, -1)).reduce((acc, piece) => [...acc, space, ...piece]);
    expect(joined).toEqual(all);
  });

  it('cancels between sentences: the abort during the first chunk stops it before a second graph call', async () => {
    const e = engineFor(npz);
    const ac = new AbortController();
    const out = sink((n) => n === 1 && ac.abort());
    await expect(
      e.synthesize({ text: 'First sentence. Second sentence. Third one.', voiceId: 'af_heart' }, out, ac.signal),
    ).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(out.chunks).toHaveLength(1);
    expect(e.runCount()).toBe(1);
  });

  it('an already aborted request runs nothing; empty text is refused', async () => {
    const p = countingPhonemizer();
    const e = engineFor(npz, p.phonemize);
    const ac = new AbortController();
    ac.abort();
    await expect(e.synthesize({ text: 'Hello.', voiceId: 'af_heart' }, sink(), ac.signal)).rejects.toMatchObject({
      code: 'CANCELLED',
    });
    await expect(e.synthesize({ text: ' … ?! ', voiceId: 'af_heart' }, sink(), signal())).rejects.toMatchObject({
      code: 'UNSUPPORTED_TEXT',
    });
    expect(p.calls).toEqual([]);
    expect(e.runCount()).toBe(0);
  });

  it('prefers the first pack that is installed', async () => {
    const { dir, cleanup } = tempDir();
    try {
      mkdirSync(join(dir, 'empty'));
      const e = createKokoroEngine({
        packs: [
          { id: 'kokoro-fp32', dir: join(dir, 'empty') },
          { id: 'kokoro', dir: community.dir },
        ],
        phonemize: espeakPhonemizer,
      });
      await e.synthesize({ text: 'Hi.', voiceId: 'af_heart' }, sink(), signal());
      expect(e.activePack()?.id).toBe('kokoro');
    } finally {
      cleanup();
    }
  });
});
