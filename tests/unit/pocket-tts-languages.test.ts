/**
 * Pocket TTS language bundles: the catalog pins (pocket-tts-languages.ts) and the engine over several bundles, on
 * contract fixtures (tests/fixtures/pocket-tts-fixture.ts) installed the way the pack manager installs them:
 * `<models>/pocket-tts` (English) and `<models>/pocket-tts-french-24l` (a French bundle with its own
 * `bundle_name`, `remove_semicolons` and its own tokenizer written by the test).
 *
 * Fixture fact used below (temperature 0): quarter 3 of the first frame of a chunk is the accumulated text sum
 * (voice prompt + Σ token ids / 4096), so the difference between two texts with the same voice is exactly the
 * difference of the sums of the token ids the bundle's tokenizer gave, which shows which tokenizer and which text
 * normalisation reached the graphs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BUILTIN_CATALOG, catalogEntrySchema, findPack } from '../../native-models/catalog/index.js';
import {
  POCKET_BUNDLE_FILES,
  POCKET_ONNX_REVISION,
  POCKET_TTS_BUNDLE_PINS,
  POCKET_TTS_LANGUAGE_PACKS,
  POCKET_TTS_PENDING_BUNDLES,
  pocketBundleManifest,
  pocketBundlePackId,
} from '../../native-models/catalog/pocket-tts-languages.js';
import { EngineError, type SynthesisSink } from '../../native-models/engine.js';
import {
  createPocketTtsLanguagesEngine,
  deserializeConditioning,
  pocketTtsBundles,
  prepareTextPrompt,
  SentencePieceTokenizer,
  splitLanguageSuffix,
  type PocketTtsEngine,
} from '../../native-models/pocket-tts/index.js';
import { fixtureFrames, makePocketFixture, sentencePieceModel, sine } from '../fixtures/pocket-tts-fixture.js';

const FRENCH_PIECES = ['▁Bonjour', '▁le', '▁monde', '▁chats', '▁J', "'", 'ai', '▁3', ',', '.', '▁', 'L', 'e'];

describe('catalog: Pocket TTS language packs', () => {
  it('offers every fully pinned bundle as its own pack, pinned like english_2026-04', () => {
    expect(POCKET_TTS_LANGUAGE_PACKS.map((m) => m.id)).toEqual(['pocket-tts-french-24l', 'pocket-tts-italian']);
    for (const m of POCKET_TTS_LANGUAGE_PACKS) {
      expect(catalogEntrySchema.safeParse(m).success).toBe(true);
      expect(findPack(m.id)).toBe(BUILTIN_CATALOG.find((c) => c.id === m.id));
      expect(m.files.map((f) => f.path)).toEqual([...POCKET_BUNDLE_FILES, 'LICENSE']);
      for (const f of m.files) {
        expect(f.url).toMatch(
          new RegExp(`^https://huggingface\\.co/KevinAHM/pocket-tts-onnx/resolve/${POCKET_ONNX_REVISION}/onnx/`),
        );
        expect(f.url.endsWith(f.path === 'LICENSE' ? '/onnx/LICENSE' : `/onnx/${m.version}/${f.path}`)).toBe(true);
        expect(f.sha256).toMatch(/^[0-9a-f]{64}$/);
        expect(Number.isInteger(f.bytes) && f.bytes > 0).toBe(true);
      }
      expect(m.capabilities.cloning).toBe(true);
      expect(m.requiresTermsAcceptance).toBe(true);
    }
    // The same revision as english_2026-04.
    expect(findPack('pocket-tts')!.files[0].url).toContain(`/resolve/${POCKET_ONNX_REVISION}/onnx/english_2026-04/`);
    expect(findPack('pocket-tts-french-24l')!.capabilities.languages).toEqual(['fr']);
    expect(findPack('pocket-tts-italian')!.capabilities.languages).toEqual(['it']);
  });

  it('no two bundles share a graph file hash (each export is its own weights)', () => {
    const seen = new Map<string, string>();
    for (const p of POCKET_TTS_BUNDLE_PINS)
      for (const [file, pin] of Object.entries(p.files)) {
        if (!pin || file === 'bos_before_voice.npy') continue;
        expect(seen.get(pin.sha256), `${p.bundle}/${file}`).toBeUndefined();
        seen.set(pin.sha256, `${p.bundle}/${file}`);
      }
    for (const f of findPack('pocket-tts')!.files) expect(seen.has(f.sha256), f.path).toBe(false);
  });

  it('lists the exports it cannot offer yet with exactly the files whose pins are missing', () => {
    expect(POCKET_TTS_PENDING_BUNDLES).toEqual([
      { bundle: 'german', language: 'de', missing: ['mimi_encoder.onnx', 'bos_before_voice.npy'] },
      { bundle: 'portuguese', language: 'pt', missing: ['mimi_encoder.onnx', 'bos_before_voice.npy'] },
      { bundle: 'spanish', language: 'es', missing: ['mimi_encoder.onnx', 'bos_before_voice.npy'] },
      ...['german', 'italian', 'portuguese', 'spanish'].map((b) => ({
        bundle: `${b}_24l`,
        language: { german: 'de', italian: 'it', portuguese: 'pt', spanish: 'es' }[b],
        missing: [...POCKET_BUNDLE_FILES],
      })),
    ]);
    const german = POCKET_TTS_BUNDLE_PINS.find((p) => p.bundle === 'german')!;
    expect(() => pocketBundleManifest(german)).toThrow(/mimi_encoder\.onnx, bos_before_voice\.npy/);
    // Adding the missing pins is data only: the same bundle with them becomes a valid catalog entry.
    const filled = {
      ...german,
      files: {
        ...german.files,
        'mimi_encoder.onnx': { bytes: 1, sha256: 'a'.repeat(64) },
        'bos_before_voice.npy': { bytes: 1, sha256: 'b'.repeat(64) },
      },
    };
    const m = pocketBundleManifest(filled);
    expect(catalogEntrySchema.safeParse(m).success).toBe(true);
    expect(m.id).toBe(pocketBundlePackId('german'));
    expect(m.id).toBe('pocket-tts-german');
  });
});

// ---------------------------------------------------------------------------------------------------------------

const models = mkdtempSync(join(tmpdir(), 'timbre-pocket-langs-'));
afterAll(() => rmSync(models, { recursive: true, force: true }));
const frenchTokenizer = sentencePieceModel(FRENCH_PIECES);
makePocketFixture({ dir: join(models, 'pocket-tts') });
makePocketFixture({
  dir: join(models, 'pocket-tts-french-24l'),
  bundleName: 'french_24l',
  removeSemicolons: true,
  tokenizerBytes: frenchTokenizer,
  voices: {},
});

function collector(): SynthesisSink & { pcm(): Float32Array } {
  const chunks: Float32Array[] = [];
  return {
    onChunk: (pcm) => chunks.push(pcm),
    onProgress: () => {},
    pcm() {
      const out = new Float32Array(chunks.reduce((n, c) => n + c.length, 0));
      let o = 0;
      for (const c of chunks) {
        out.set(c, o);
        o += c.length;
      }
      return out;
    },
  };
}

async function textSum(engine: PocketTtsEngine, text: string, voiceId: string, options = {}): Promise<number> {
  const sink = collector();
  await engine.synthesize(
    { text, voiceId, options: { temperature: 0, ...options } },
    sink,
    new AbortController().signal,
  );
  return fixtureFrames(sink.pcm(), 1920)[0][3];
}

const idSum = (tok: SentencePieceTokenizer, text: string, removeSemicolons = false) =>
  tok.encode(prepareTextPrompt(text, { removeSemicolons }).text).reduce((a, b) => a + b, 0);

describe('Pocket TTS engine over language bundles (contract fixtures)', () => {
  const engine = createPocketTtsLanguagesEngine({ bundles: pocketTtsBundles(models) });
  afterAll(() => engine.dispose());
  const fr = new SentencePieceTokenizer(frenchTokenizer);

  it('reports its languages: the installed bundles, and what to install for the others', async () => {
    expect(await engine.availability()).toEqual({ available: true });
    const langs = await engine.languages!();
    expect(langs.find((l) => l.language === 'en')).toEqual({ language: 'en', cloning: true, available: true });
    expect(langs.find((l) => l.language === 'fr')).toEqual({ language: 'fr', cloning: true, available: true });
    const it = langs.find((l) => l.language === 'it')!;
    expect(it.available).toBe(false);
    expect(it.reason).toContain('timbre models download pocket-tts-italian');
  });

  it('lists the reference voices in every installed language, tagged with it', async () => {
    const voices = await engine.listVoices();
    expect(voices).toContainEqual({ id: 'builtin:anna', name: 'Anna', language: 'en', gender: 'female' });
    expect(voices).toContainEqual({ id: 'builtin:anna@fr', name: 'Anna', language: 'fr', gender: 'female' });
    expect(voices.some((v) => v.language === 'it')).toBe(false);
    expect(splitLanguageSuffix('builtin:anna@fr')).toEqual({ voiceId: 'builtin:anna', language: 'fr' });
  });

  it('a French voice is spoken by the French bundle: its tokenizer, its remove_semicolons, no English number words', async () => {
    const a = "J'ai 3 chats; bonjour le monde";
    const b = 'Le monde';
    const diff = (await textSum(engine, a, 'builtin:anna@fr')) - (await textSum(engine, b, 'builtin:anna@fr'));
    const expected = (idSum(fr, a, true) - idSum(fr, b, true)) / 4096;
    expect(diff).toBeCloseTo(expected, 4);
    // Discriminating: the English tokenizer, or English normalisation ("3" → "three"), or keeping the semicolon
    // would each give another sum.
    expect(Math.abs((idSum(fr, a, false) - idSum(fr, b, false)) / 4096 - expected)).toBeGreaterThan(1e-3);
    expect(
      Math.abs((idSum(fr, "J'ai three chats, bonjour le monde", true) - idSum(fr, b, true)) / 4096 - expected),
    ).toBeGreaterThan(1e-3);
  });

  it('the same voice without the suffix is spoken by the English bundle and its tokenizer', async () => {
    const diffEn =
      (await textSum(engine, 'Bonjour le monde', 'builtin:anna')) - (await textSum(engine, 'Le monde', 'builtin:anna'));
    const diffFr =
      (await textSum(engine, 'Bonjour le monde', 'builtin:anna@fr')) -
      (await textSum(engine, 'Le monde', 'builtin:anna@fr'));
    expect(diffFr).toBeCloseTo((idSum(fr, 'Bonjour le monde') - idSum(fr, 'Le monde')) / 4096, 4);
    expect(Math.abs(diffEn - diffFr)).toBeGreaterThan(1e-3);
    // options.language picks the bundle too.
    const viaOption =
      (await textSum(engine, 'Bonjour le monde', 'builtin:anna', { language: 'fr-FR' })) -
      (await textSum(engine, 'Le monde', 'builtin:anna', { language: 'fr-FR' }));
    expect(viaOption).toBeCloseTo(diffFr, 5);
  });

  it('clones in a language with that bundle, and the conditioning brings its voice back to it', async () => {
    const bytes = await engine.cloneVoice!(sine(1.2, 16000, 180), 16000, { language: 'fr' });
    expect(deserializeConditioning(bytes).packId).toMatch(/^french_24l:[0-9a-f]{16}$/);
    const english = await engine.cloneVoice!(sine(1.2, 16000, 180), 16000);
    expect(deserializeConditioning(english).packId).toMatch(/^english_2026-04:/);

    const inline = { conditioning: Buffer.from(bytes).toString('base64') };
    const d =
      (await textSum(engine, 'Bonjour le monde', 'reference', inline)) -
      (await textSum(engine, 'Le monde', 'reference', inline));
    expect(d).toBeCloseTo((idSum(fr, 'Bonjour le monde') - idSum(fr, 'Le monde')) / 4096, 4);

    engine.registerVoice('v1', bytes, 'Marie');
    const listed = (await engine.listVoices()).filter((v) => v.id === 'cond:v1');
    expect(listed).toEqual([{ id: 'cond:v1', name: 'Marie', language: 'fr', gender: 'unknown' }]);
    const r = await textSum(engine, 'Le monde', 'cond:v1');
    expect(r).toBeCloseTo(await textSum(engine, 'Le monde', 'reference', inline), 6);
    engine.unregisterVoice('v1');
    expect((await engine.listVoices()).some((v) => v.id === 'cond:v1')).toBe(false);
  });

  it('refuses a language without a bundle, and names the pack of a known but missing one', async () => {
    const pcm = sine(1, 16000);
    const ja = await engine.cloneVoice!(pcm, 16000, { language: 'ja' }).catch((e: unknown) => e);
    expect(ja).toBeInstanceOf(EngineError);
    expect((ja as EngineError).code).toBe('INVALID_INPUT');
    expect((ja as EngineError).message).toMatch(/no bundle for the language "ja".*en, fr, it/);
    const it = await engine.cloneVoice!(pcm, 16000, { language: 'it' }).catch((e: unknown) => e);
    expect((it as EngineError).code).toBe('ENGINE_UNAVAILABLE');
    expect((it as EngineError).message).toContain('timbre models download pocket-tts-italian');
    const say = await engine
      .synthesize({ text: 'Ciao.', voiceId: 'builtin:anna@it' }, collector(), new AbortController().signal)
      .catch((e: unknown) => e);
    expect((say as EngineError).code).toBe('ENGINE_UNAVAILABLE');
  });
});
