/**
 * Piper engine orchestration against fixture voice packs whose graph has the published input/output names, dtypes
 * and ranks (tests/fixtures/piper-fixture.ts): ids, scales, sid, sentence streaming, cancel, availability, the
 * signature check, and piper-phonemize's own published id sequences.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EngineError, type SynthesisRequest } from '../../native-models/engine.js';
import {
  BATCH_CHARS,
  chunkClauses,
  createPiperEngine,
  textBatches,
  parsePiperConfig,
  phonemesToIds,
  type PiperEngine,
} from '../../native-models/piper/index.js';
import { phonemize } from '../../native-models/espeak/phonemize.js';
import {
  decodeFixtureAudio,
  makePiperFixture,
  piperFixtureConfig,
  type PiperFixture,
} from '../fixtures/piper-fixture.js';

interface Run {
  chunks: Float32Array[];
  rates: number[];
  progress: number[];
  result: { sampleRate: number; samples: number };
}

async function say(
  engine: PiperEngine,
  voiceId: string,
  text: string,
  options?: SynthesisRequest['options'],
  signal = new AbortController().signal,
  onChunk?: (n: number) => void,
): Promise<Run> {
  const chunks: Float32Array[] = [];
  const rates: number[] = [];
  const progress: number[] = [];
  const result = await engine.synthesize(
    { text, voiceId, options },
    {
      onChunk: (pcm, rate) => {
        chunks.push(pcm);
        rates.push(rate);
        onChunk?.(chunks.length);
      },
      onProgress: (f) => progress.push(f),
    },
    signal,
  );
  return { chunks, rates, progress, result };
}

const errorOf = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e as EngineError,
  );

let de: PiperFixture;
let deEngine: PiperEngine;

beforeAll(() => {
  de = makePiperFixture({ voice: 'de_DE-fixture-medium', espeakVoice: 'de' });
  makePiperFixture({ modelsDir: de.modelsDir, voice: 'en_US-fixture-medium', espeakVoice: 'en-us' });
  deEngine = createPiperEngine({ modelsDir: de.modelsDir });
});
afterAll(async () => {
  await deEngine.dispose();
  de.cleanup();
});

describe('Piper: ids, scales and the published id sequences', () => {
  it('"licht!" becomes piper-phonemize\'s published ids', async () => {
    // rhasspy/piper-phonemize src/test.cpp and src/python_test.py: phonemize "licht!" with voice "de", then
    // phonemes_to_ids with the default map == 1 0 24 0 120 0 74 0 16 0 140 0 32 0 4 0 2
    const run = await say(deEngine, 'de_DE-fixture-medium', 'licht!');
    expect(run.chunks).toHaveLength(1);
    const got = decodeFixtureAudio(run.chunks[0]);
    expect(got.ids).toEqual([1, 0, 24, 0, 120, 0, 74, 0, 16, 0, 140, 0, 32, 0, 4, 0, 2]);
    expect(got.inputLength).toBe(17);
    expect(got.scales[0]).toBeCloseTo(0.667, 5);
    expect(got.scales[1]).toBeCloseTo(1, 5);
    expect(got.scales[2]).toBeCloseTo(0.8, 5);
    expect(run.rates).toEqual([22050]);
    expect(run.result).toEqual({ sampleRate: 22050, samples: run.chunks[0].length });
  });

  it('the Ukrainian "text" phoneme type uses the text itself (piper-phonemize\'s Весе́лка test)', async () => {
    // rhasspy/piper-phonemize src/test.cpp: phonemize_codepoints("ВЕСЕ́ЛКА") with DEFAULT_ALPHABET["uk"] ==
    // 1 0 14 0 18 0 33 0 18 0 45 0 27 0 26 0 12 0 2 (alphabet order from src/phoneme_ids.hpp)
    const uk = [..."_^$ !',-.:;?абвгґдеєжзиіїйклмнопрстуфхцчшщьюя", '\u0301', '\u0306', '\u0308', '—'];
    const f = makePiperFixture({
      modelsDir: mkdtempSync(join(tmpdir(), 'timbre-piper-uk-')),
      voice: 'uk_UA-fixture-medium',
      espeakVoice: 'uk',
      phonemeType: 'text',
      phonemeIdMap: Object.fromEntries(uk.map((c, i) => [c, [i]])),
    });
    const engine = createPiperEngine({ modelsDir: f.modelsDir });
    try {
      const run = await say(engine, 'uk_UA-fixture-medium', 'ВЕСЕ́ЛКА');
      expect(decodeFixtureAudio(run.chunks[0]).ids).toEqual([
        1, 0, 14, 0, 18, 0, 33, 0, 18, 0, 45, 0, 27, 0, 26, 0, 12, 0, 2,
      ]);
    } finally {
      await engine.dispose();
      f.cleanup();
    }
  });

  it('speed divides length_scale; noiseScale and noiseW replace the voice defaults', async () => {
    const fast = decodeFixtureAudio((await say(deEngine, 'de_DE-fixture-medium', 'Hallo.', { speed: 2 })).chunks[0]);
    expect(fast.scales[1]).toBeCloseTo(0.5, 5);
    const slow = decodeFixtureAudio(
      (await say(deEngine, 'de_DE-fixture-medium', 'Hallo.', { speed: 0.5, noiseScale: 0.3, noiseW: 0.1 })).chunks[0],
    );
    expect(slow.scales.map((s) => Number(s.toFixed(5)))).toEqual([0.3, 2, 0.1]);
    for (const bad of [{ speed: 3 }, { speed: 'fast' }, { noiseScale: -1 }, { sentenceSilence: 9 }] as Array<
      Record<string, number | string>
    >) {
      const err = await errorOf(say(deEngine, 'de_DE-fixture-medium', 'Hallo.', bad));
      expect(err?.code).toBe('INVALID_INPUT');
    }
  });
});

describe('Piper: sentences stream through the sink', () => {
  it("one chunk per sentence, the ids of each sentence, Piper's 0.2 s silence between, progress to 1", async () => {
    const text = 'Test 1. Test 2, again!';
    const run = await say(deEngine, 'en_US-fixture-medium', text);
    const sentences = await phonemize(text, { language: 'en-us', normalization: 'NFD' });
    expect(sentences).toEqual(['tˈɛst wˈʌn.', 'tˈɛst tˈuː, ɐɡˈɛn!']);
    expect(run.chunks).toHaveLength(3);
    const config = parsePiperConfig(Buffer.from(JSON.stringify(piperFixtureConfig({ espeakVoice: 'en-us' }))));
    expect(decodeFixtureAudio(run.chunks[0]).ids).toEqual(phonemesToIds(sentences[0], config).ids);
    expect(run.chunks[1]).toEqual(new Float32Array(Math.round(0.2 * 22050)));
    expect(decodeFixtureAudio(run.chunks[2]).ids).toEqual(phonemesToIds(sentences[1], config).ids);
    expect(run.progress[0]).toBe(0);
    expect(run.progress.at(-1)).toBe(1);
    for (let i = 1; i < run.progress.length; i++) expect(run.progress[i]).toBeGreaterThanOrEqual(run.progress[i - 1]);
    expect(run.result.samples).toBe(run.chunks.reduce((n, c) => n + c.length, 0));
    const silent = await say(deEngine, 'en_US-fixture-medium', text, { sentenceSilence: 0 });
    expect(silent.chunks).toHaveLength(2);
  });

  it('cuts a sentence longer than the chunk limit at its clauses, then at spaces', () => {
    const clause = (p: string, punctuation = '', endsSentence = false) => ({
      phonemes: p,
      punctuation,
      endsSentence,
      text: '',
    });
    expect(chunkClauses([clause('aa bb', ','), clause('cc dd', '.', true), clause('ee')], 12)).toEqual([
      'aa bb,',
      'cc dd.',
      'ee',
    ]);
    expect(chunkClauses([clause('aaaa bbbb cccc dddd', '.', true)], 10)).toEqual(['aaaa bbbb', 'cccc dddd.']);
    const long = chunkClauses([clause('x'.repeat(25), '', true)], 10);
    expect(long).toEqual(['x'.repeat(10), 'x'.repeat(10), 'x'.repeat(5)]);
  });

  it('phonemizes the first sentence alone, then batches of whole sentences (long text never goes at once)', () => {
    const sentences = Array.from({ length: 300 }, (_, i) => `Sentence number ${i} is here.`);
    const batches = textBatches(sentences.join(' '));
    expect(batches[0]).toBe(sentences[0]);
    expect(batches.length).toBeGreaterThan(3);
    for (const b of batches) expect(b.length).toBeLessThanOrEqual(BATCH_CHARS);
    expect(batches.join(' ')).toBe(sentences.join(' '));
    // One unpunctuated run of 5000 characters is cut (eSpeak's 400-character sentence limit) before batching.
    const run = textBatches('word '.repeat(1000));
    expect(run.every((b) => b.length <= BATCH_CHARS)).toBe(true);
    expect(run.join(' ').split(' ')).toHaveLength(1000);
  });

  it('stops at the next sentence when cancelled, and before any run when already aborted', async () => {
    const ac = new AbortController();
    const before = deEngine.runs;
    const err = await errorOf(
      say(deEngine, 'en_US-fixture-medium', 'One. Two. Three. Four.', {}, ac.signal, (n) => {
        if (n === 1) ac.abort();
      }),
    );
    expect(err?.code).toBe('CANCELLED');
    expect(deEngine.runs - before).toBe(1);
    const done = new AbortController();
    done.abort();
    expect((await errorOf(say(deEngine, 'en_US-fixture-medium', 'One.', {}, done.signal)))?.code).toBe('CANCELLED');
  });

  it('refuses text with nothing to speak', async () => {
    expect((await errorOf(say(deEngine, 'de_DE-fixture-medium', ' ... ')))?.code).toBe('UNSUPPORTED_TEXT');
  });
});

describe('Piper: speakers', () => {
  let f: PiperFixture;
  let engine: PiperEngine;
  beforeAll(() => {
    f = makePiperFixture({
      voice: 'uk_UA-multi-medium',
      espeakVoice: 'uk',
      numSpeakers: 3,
      speakerIdMap: { lada: 0, mykyta: 1, tetiana: 2 },
    });
    engine = createPiperEngine({ modelsDir: f.modelsDir });
  });
  afterAll(async () => {
    await engine.dispose();
    f.cleanup();
  });

  it('feeds sid from the speaker name or number, 0 by default, and lists the speakers', async () => {
    const sid = async (v: string) => decodeFixtureAudio((await say(engine, v, 'Так.')).chunks[0], true).sid;
    expect(await sid('uk_UA-multi-medium')).toBe(0);
    expect(await sid('uk_UA-multi-medium+mykyta')).toBe(1);
    expect(await sid('uk_UA-multi-medium+2')).toBe(2);
    const err = await errorOf(say(engine, 'uk_UA-multi-medium+nobody', 'Так.'));
    expect(err?.code).toBe('INVALID_INPUT');
    expect(err?.message).toMatch(/no speaker "nobody".*0 to 2/);
    expect((await engine.listVoices()).map((v) => v.id)).toEqual([
      'uk_UA-multi-medium',
      'uk_UA-multi-medium+lada',
      'uk_UA-multi-medium+mykyta',
      'uk_UA-multi-medium+tetiana',
    ]);
    expect((await errorOf(say(deEngine, 'de_DE-fixture-medium+1', 'Hallo.')))?.code).toBe('INVALID_INPUT');
  });
});

describe('Piper: availability, missing voices and broken packs', () => {
  it('with no voice installed, says exactly which pack to install', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'timbre-piper-none-'));
    const engine = createPiperEngine({ modelsDir: dir });
    try {
      const a = await engine.availability();
      expect(a.available).toBe(false);
      expect(a.reason).toMatch(/timbre models download piper-en_us-lessac-medium/);
      expect(await engine.listVoices()).toEqual([]);
      const err = await errorOf(say(engine, 'fr_FR-siwis-medium', 'Bonjour'));
      expect(err?.code).toBe('ENGINE_UNAVAILABLE');
      expect(err?.message).toMatch(
        /fr_FR-siwis-medium is not installed.*timbre models download piper-fr_fr-siwis-medium/,
      );
      const unknown = await errorOf(say(engine, 'xx_XX-nobody-medium', 'Bonjour'));
      expect(unknown?.code).toBe('INVALID_INPUT');
      expect((await errorOf(say(engine, '../etc/passwd', 'x')))?.code).toBe('INVALID_INPUT');
    } finally {
      await engine.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('lists installed voices with their language', async () => {
    expect(await deEngine.availability()).toEqual({ available: true });
    expect(await deEngine.listVoices()).toEqual([
      { id: 'de_DE-fixture-medium', name: 'de_DE-fixture-medium', language: 'de-DE', gender: 'unknown' },
      { id: 'en_US-fixture-medium', name: 'en_US-fixture-medium', language: 'en-US', gender: 'unknown' },
    ]);
  });

  it('refuses a graph that does not match the contract, naming the mismatch', async () => {
    for (const [opts, pattern] of [
      [{ rename: { name: 'scales', to: 'scale' } }, /missing input "scales"/],
      [{ retype: { name: 'input', type: 'int32' as const } }, /input "input" is int32, expected int64/],
      [{ rename: { name: 'output', to: 'wav' } }, /missing output "output"/],
      [{ numSpeakers: 1, speakerIdMap: {}, rename: { name: 'input_lengths', to: 'lengths' } }, /input_lengths/],
    ] as const) {
      const f = makePiperFixture({ voice: 'de_DE-bad-medium', ...opts });
      const engine = createPiperEngine({ modelsDir: f.modelsDir });
      try {
        const err = await errorOf(say(engine, 'de_DE-bad-medium', 'Hallo.'));
        expect(err?.code).toBe('ENGINE_UNAVAILABLE');
        expect(err?.message).toMatch(pattern);
      } finally {
        await engine.dispose();
        f.cleanup();
      }
    }
  });

  it('refuses a graph that takes sid when its config says one speaker', async () => {
    const f = makePiperFixture({ voice: 'de_DE-sid-medium', numSpeakers: 2, speakerIdMap: {} });
    writeFileSync(f.configPath, JSON.stringify(piperFixtureConfig({ voice: 'de_DE-sid-medium', numSpeakers: 1 })));
    const engine = createPiperEngine({ modelsDir: f.modelsDir });
    try {
      const err = await errorOf(say(engine, 'de_DE-sid-medium', 'Hallo.'));
      expect(err?.message).toMatch(/unexpected input "sid"/);
    } finally {
      await engine.dispose();
      f.cleanup();
    }
  });

  it('refuses a broken .onnx.json with the problem in plain words', async () => {
    for (const [raw, pattern] of [
      ['{not json', /not valid JSON/],
      [JSON.stringify({ ...piperFixtureConfig(), phoneme_id_map: { a: [5] } }), /phoneme_id_map has no "_"/],
      [JSON.stringify({ ...piperFixtureConfig(), audio: { sample_rate: 5 } }), /audio\.sample_rate/],
      [JSON.stringify({ ...piperFixtureConfig(), num_speakers: 2, speaker_id_map: { a: 7 } }), /speaker "a" has id 7/],
    ] as const) {
      const f = makePiperFixture({ voice: 'de_DE-cfg-medium', rawConfig: raw });
      const engine = createPiperEngine({ modelsDir: f.modelsDir });
      try {
        const err = await errorOf(say(engine, 'de_DE-cfg-medium', 'Hallo.'));
        expect(err?.code).toBe('ENGINE_UNAVAILABLE');
        expect(err?.message).toMatch(pattern);
      } finally {
        await engine.dispose();
        f.cleanup();
      }
    }
  });

  it('accepts the "PhonemeType.ESPEAK" spelling of some published configs (es_MX-ald-medium)', () => {
    const c = parsePiperConfig(
      Buffer.from(JSON.stringify({ ...piperFixtureConfig(), phoneme_type: 'PhonemeType.ESPEAK' })),
    );
    expect(c.phoneme_type).toBe('espeak');
  });

  it('maps pt-br c to k like piper-phonemize when the voice has no phoneme map', () => {
    const c = parsePiperConfig(Buffer.from(JSON.stringify(piperFixtureConfig({ espeakVoice: 'pt-br' }))));
    expect(phonemesToIds('c', c).ids).toEqual([1, 0, 23, 0, 2]); // k = 23
    const d = parsePiperConfig(Buffer.from(JSON.stringify(piperFixtureConfig({ espeakVoice: 'pt' }))));
    expect(phonemesToIds('c', d).ids).toEqual([1, 0, 16, 0, 2]);
  });
});
