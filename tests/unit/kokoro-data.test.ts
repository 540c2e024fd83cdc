/**
 * Kokoro's data formats and tables: the vocabulary files, the eSpeak → model phoneme mapping, the 510-token split,
 * the two voice file layouts (a NumPy .npz archive, written here and — when Python with NumPy is on the machine — by
 * NumPy itself; raw float32), and the catalog entries' URL / size / sha256 shape.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DEFAULT_VOCAB,
  espeakToKokoro,
  KOKORO_VOICE_IDS,
  MAX_PHONEME_TOKENS,
  NpzVoiceArchive,
  parseNpyStyle,
  parseRawVoice,
  parseVocab,
  splitPhonemes,
  styleRow,
  tokenize,
  voiceInfo,
} from '../../native-models/kokoro/index.js';
import {
  BUILTIN_CATALOG,
  catalogEntrySchema,
  KOKORO_FP32,
  KOKORO_INT8,
  KOKORO_PRESET_VOICES,
  KOKORO_REVISION,
  totalBytes,
} from '../../native-models/catalog/index.js';
import { fixtureStyleTable, npyBytes, npzBytes } from '../fixtures/kokoro-fixture.js';
import { tempDir } from '../helpers/tmp.js';

const enc = (o: unknown) => new TextEncoder().encode(JSON.stringify(o));

describe('vocabulary', () => {
  it('reads tokenizer.json (onnx-community) and config.json (hexgrad) into the same table as the built-in one', () => {
    const vocab = Object.fromEntries([['$', 0], ...DEFAULT_VOCAB]);
    expect(parseVocab(enc({ model: { type: 'WordLevel', vocab } }))).toEqual(DEFAULT_VOCAB);
    expect(parseVocab(enc({ n_token: 178, vocab }))).toEqual(DEFAULT_VOCAB);
    expect(DEFAULT_VOCAB.size).toBe(114);
    expect(DEFAULT_VOCAB.get('ˈ')).toBe(156);
    expect(DEFAULT_VOCAB.has('$')).toBe(false);
  });

  it('refuses vocabularies the model cannot use, saying why', () => {
    const base = Object.fromEntries(DEFAULT_VOCAB);
    expect(() => parseVocab(enc({ vocab: { ...base, ab: 5 } }))).toThrow(/"ab" is not one character/);
    expect(() => parseVocab(enc({ vocab: { ...base, x: 178 } }))).toThrow(/not an integer in \[0, 178\)/);
    expect(() => parseVocab(enc({ vocab: { ...base, $: 3 } }))).toThrow(/pad symbol "\$" must be id 0/);
    expect(() => parseVocab(enc({ vocab: { ...base, x: 0 } }))).toThrow(/id 0 is the pad/);
    expect(() => parseVocab(enc({ nothing: 1 }))).toThrow(/no "vocab"/);
    expect(() => parseVocab(new Uint8Array([0xff, 0xfe]))).toThrow(/not valid UTF-8 JSON/);
    expect(() => parseVocab(new Uint8Array(1024 * 1024 + 1))).toThrow(/more than/);
  });

  it('tokenize drops symbols outside the vocabulary (as kokoro-onnx does)', () => {
    expect(tokenize('hɛlˈO!')).toEqual([50, 86, 54, 156, 31, 5]);
    expect(tokenize('h\u0361ɛ#l')).toEqual([50, 86, 54]);
  });
});

describe('eSpeak NG IPA → the model’s phonemes (hexgrad/misaki espeak.py)', () => {
  it('English: diphthongs and affricates become single symbols, tied or not', () => {
    for (const tie of ['\u0361', '^', ''])
      expect(espeakToKokoro(`d${tie}ʒˈe${tie}ɪ t${tie}ʃ a${tie}ɪ a${tie}ʊ ɔ${tie}ɪ`, 'en-us')).toBe('ʤˈA ʧ I W Y');
    expect(espeakToKokoro('həlˈoʊ wˈɜːld.', 'en-us')).toBe('həlˈO wˈɜɹld.');
    expect(espeakToKokoro('bˈʌɾɚ', 'en-us')).toBe('bˈʌɾəɹ');
    expect(espeakToKokoro('həlˈəʊ ðˈeə', 'en-gb')).toBe('həlˈQ ðˈɛː');
    // American English drops length marks; British keeps them.
    expect(espeakToKokoro('fˈɑːðɚ', 'en-us')).toBe('fˈɑðəɹ');
    expect(espeakToKokoro('fˈɑːðə', 'en-gb')).toBe('fˈɑːðə');
  });

  it('other eSpeak languages: ties mapped, hyphens removed, nasal tildes kept', () => {
    expect(espeakToKokoro('bɔ̃ʒˈuʁ, ʒə- mapˈɛl', 'espeak')).toBe('bɔ̃ʒˈuʁ, ʒə mapˈɛl');
    expect(espeakToKokoro('t͡sˈɛnto d͡zˈero', 'espeak')).toBe('ʦˈɛnto ʣˈero');
    expect(tokenize('bɔ̃')).toEqual([44, 76, 17]);
  });
});

describe('the 510-token split', () => {
  it('cuts after clause punctuation, else at a space, else hard, never over the limit', () => {
    expect(splitPhonemes('ab, cd ef', 5)).toEqual(['ab,', 'cd ef']);
    expect(splitPhonemes('abc def ghi', 7)).toEqual(['abc def', 'ghi']);
    expect(splitPhonemes('abcdefghij', 4)).toEqual(['abcd', 'efgh', 'ij']);
    expect(splitPhonemes('', 4)).toEqual([]);
    expect(splitPhonemes('x'.repeat(MAX_PHONEME_TOKENS))).toHaveLength(1);
    expect(splitPhonemes('x'.repeat(MAX_PHONEME_TOKENS + 1))).toHaveLength(2);
  });

  it('property: pieces fit, are non-empty, and rejoin to the input (spaces at cuts aside)', () => {
    const alphabet = fc.constantFrom('a', 'ɪ', 'ˈ', ' ', ',', '.', 'ʃ', '?');
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 400 }), fc.integer({ min: 1, max: 60 }), (chars, max) => {
        const input = chars.join('');
        const pieces = splitPhonemes(input, max);
        for (const p of pieces) {
          expect([...p].length).toBeLessThanOrEqual(max);
          expect(p.trim()).toBe(p);
          expect(p.length).toBeGreaterThan(0);
        }
        expect(pieces.join('').replace(/ /g, '')).toBe(input.replace(/ /g, ''));
      }),
      { numRuns: 300 },
    );
  });
});

describe('voice files', () => {
  it('reads a numpy-style .npz archive (zip64 local headers) and picks the style row by token count', () => {
    const { dir, cleanup } = tempDir();
    try {
      const file = join(dir, 'voices-v1.0.bin');
      writeFileSync(
        file,
        npzBytes([
          { name: 'af_heart.npy', data: npyBytes(fixtureStyleTable(0), [510, 1, 256]) },
          { name: 'ff_siwis.npy', data: npyBytes(fixtureStyleTable(1), [510, 256]) },
        ]),
      );
      const a = NpzVoiceArchive.open(file);
      expect(a.names()).toEqual(['af_heart', 'ff_siwis']);
      const t = a.read('ff_siwis');
      expect(t.rows).toBe(510);
      expect(styleRow(t, 12)[0]).toBeCloseTo(12 / 1024, 7);
      expect(styleRow(t, 12)[1]).toBeCloseTo(2 / 1024, 7);
      expect(styleRow(t, 600)[0]).toBeCloseTo(509 / 1024, 7);
      expect(() => a.read('nobody')).toThrow(/no voice "nobody"/);
    } finally {
      cleanup();
    }
  });

  const python = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' });
  it.skipIf(python.status !== 0)('reads an archive NumPy itself wrote (np.savez and np.savez_compressed)', () => {
    const { dir, cleanup } = tempDir();
    try {
      for (const fn of ['savez', 'savez_compressed']) {
        const file = join(dir, `${fn}.bin`);
        const r = spawnSync(
          'python3',
          [
            '-c',
            'import numpy as np, sys\n' +
              'a = np.arange(510*256, dtype=np.float32).reshape(510, 1, 256) / 1e5\n' +
              `with open(sys.argv[1], "wb") as f: np.${fn}(f, af_heart=a, bm_lewis=a[::-1].copy())`,
            file,
          ],
          { encoding: 'utf8' },
        );
        expect(r.status, r.stderr).toBe(0);
        const arc = NpzVoiceArchive.open(file);
        expect(arc.names()).toEqual(['af_heart', 'bm_lewis']);
        const t = arc.read('af_heart');
        expect(t.rows).toBe(510);
        expect(t.data[256 * 7 + 3]).toBeCloseTo((256 * 7 + 3) / 1e5, 6);
        expect(arc.read('bm_lewis').data[0]).toBeCloseTo((509 * 256) / 1e5, 5);
      }
    } finally {
      cleanup();
    }
  });

  it('refuses damaged archives and arrays with a reason', () => {
    const { dir, cleanup } = tempDir();
    try {
      const good = npzBytes([{ name: 'af_heart.npy', data: npyBytes(fixtureStyleTable(0), [510, 1, 256]) }]);
      const at = (name: string, bytes: Uint8Array) => {
        writeFileSync(join(dir, name), bytes);
        return join(dir, name);
      };
      expect(() => NpzVoiceArchive.open(at('short.bin', good.subarray(0, 1000)))).toThrow(/not a zip/);
      expect(() => NpzVoiceArchive.open(at('tiny.bin', new Uint8Array(3)))).toThrow(/too small/);
      // Central directory pointing past the end of the file.
      const moved = good.slice();
      new DataView(moved.buffer).setUint32(moved.length - 6, 0x7fffffff, true);
      expect(() => NpzVoiceArchive.open(at('moved.bin', moved))).toThrow(/outside the file/);
      const wrongShape = npzBytes([{ name: 'af_heart.npy', data: npyBytes(new Float32Array(510 * 128), [510, 128]) }]);
      expect(() => NpzVoiceArchive.open(at('shape.bin', wrongShape)).read('af_heart')).toThrow(/shape \(510, 128\)/);
      const nan = fixtureStyleTable(0);
      nan[77] = NaN;
      expect(() => parseNpyStyle(npyBytes(nan, [510, 1, 256]), 'x')).toThrow(/style value 77 is not a finite/);
      expect(() => parseRawVoice(new Uint8Array(1000), 'x.bin')).toThrow(/not whole rows/);
      expect(() => parseRawVoice(new Uint8Array(1025 * 1024), 'x.bin')).toThrow(/more than 1024 style rows/);
      expect(parseRawVoice(new Uint8Array(510 * 1024), 'x.bin').rows).toBe(510);
    } finally {
      cleanup();
    }
  });

  it('voice ids carry language and gender; Japanese and Mandarin say why they are not spoken', () => {
    expect(voiceInfo('af_heart')).toMatchObject({ name: 'Heart', language: 'en-US', gender: 'female' });
    expect(voiceInfo('pm_alex')).toMatchObject({ language: 'pt-BR', gender: 'male' });
    expect(voiceInfo('hf_alpha')?.lang.espeak).toBe('hi');
    expect(voiceInfo('jf_alpha')?.lang.unsupported).toMatch(/Japanese/);
    expect(voiceInfo('zm_yunxi')?.lang.unsupported).toMatch(/Mandarin/);
    expect(voiceInfo('xx_y')).toBeNull();
    expect(voiceInfo('af_heart/../x')).toBeNull();
  });
});

describe('catalog entries for Kokoro', () => {
  it('int8 and fp32 packs: every file pinned to the revision, with size and sha256; 54 voices in 9 languages', () => {
    for (const m of [KOKORO_INT8, KOKORO_FP32]) {
      expect(catalogEntrySchema.safeParse(m).success).toBe(true);
      expect(BUILTIN_CATALOG.find((x) => x.id === m.id)).toBeDefined();
      for (const f of m.files) {
        expect(f.url).toMatch(
          new RegExp(`^https://huggingface\\.co/onnx-community/Kokoro-82M-v1\\.0-ONNX/resolve/${KOKORO_REVISION}/`),
        );
        expect(f.url.endsWith(f.path.startsWith('voices/') ? f.path : `/${f.path}`)).toBe(true);
        expect(f.sha256).toMatch(/^[0-9a-f]{64}$/);
        expect(Number.isInteger(f.bytes) && f.bytes > 0).toBe(true);
      }
      const voices = m.files.filter((f) => f.path.startsWith('voices/'));
      expect(voices).toHaveLength(54);
      for (const v of voices) expect(v.bytes).toBe(510 * 256 * 4);
      expect(new Set(m.files.map((f) => f.sha256)).size).toBe(m.files.length);
      expect(m.capabilities.presetVoices.map((v) => v.id)).toEqual([...KOKORO_VOICE_IDS]);
      expect(m.licence.id).toBe('Apache-2.0');
    }
    expect(KOKORO_INT8.files[0]).toMatchObject({ path: 'model_quantized.onnx', bytes: 92361116 });
    expect(KOKORO_FP32.files[0]).toMatchObject({ path: 'model.onnx', bytes: 325532232 });
    expect(totalBytes(KOKORO_INT8)).toBe(92361116 + 3497 + 54 * 522240);
    expect(new Set(KOKORO_PRESET_VOICES.map((v) => v.language)).size).toBe(9);
    const spoken = KOKORO_PRESET_VOICES.filter((v) => v.spoken);
    expect(spoken).toHaveLength(41);
    expect(new Set(spoken.map((v) => v.language))).toEqual(new Set(KOKORO_INT8.capabilities.languages));
    // The catalog and the engine agree on every voice's language and gender.
    for (const v of KOKORO_PRESET_VOICES)
      expect(voiceInfo(v.id)).toMatchObject({ language: v.language, gender: v.gender });
  });
});

describe('sentences', () => {
  it('splits at sentence ends and paragraphs, and cuts a sentence with no end into bounded pieces', async () => {
    const { splitSentences, batchSentences, MAX_SENTENCE_CHARS } = await import('../../native-models/kokoro/index.js');
    expect(splitSentences('Hello there. How are you?\n\nFine!', 'en-US')).toEqual([
      'Hello there.',
      'How are you?',
      'Fine!',
    ]);
    expect(splitSentences('  …  ?! ', 'en-US')).toEqual([]);
    const long = Array.from({ length: 3000 }, () => 'word').join(' ');
    const parts = splitSentences(long, 'fr-FR');
    expect(parts.length).toBeGreaterThan(1);
    for (const p of parts) expect(p.length).toBeLessThanOrEqual(MAX_SENTENCE_CHARS);
    expect(parts.join(' ')).toBe(long);
    expect(splitSentences('x'.repeat(MAX_SENTENCE_CHARS * 2 + 5), 'en-US').map((p) => p.length)).toEqual([
      MAX_SENTENCE_CHARS,
      MAX_SENTENCE_CHARS,
      5,
    ]);
    expect(batchSentences(['a.', 'b.', 'c.', 'd.'], 5)).toEqual(['a.', 'b. c.', 'd.']);
  });
});
