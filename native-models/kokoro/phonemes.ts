/**
 * Kokoro-82M's input symbols: the phoneme → token id vocabulary, the mapping of eSpeak NG's IPA to the phoneme set
 * the model was trained on, and the split of a long phoneme string into pieces the model accepts.
 *
 * Sources (read, not copied): the vocabulary is `vocab` in hexgrad/Kokoro-82M `config.json` (the same table is
 * `model.vocab` in onnx-community/Kokoro-82M-v1.0-ONNX `tokenizer.json`, with `$` = 0 the pad); the eSpeak → model
 * mappings are hexgrad/misaki `espeak.py` (`EspeakFallback` for English, `EspeakG2P` for the other eSpeak languages),
 * which is how the model's own pipeline turns eSpeak output into its input. thewh1teagle/kokoro-onnx skips those
 * mappings and only drops symbols outside the vocabulary; the mapping keeps diphthongs and affricates as the single
 * symbols (`A`, `I`, `O`, `ʧ`, …) the model learnt.
 */

/** The model's context: 512 positions, of which the two ends are the pad token 0. */
export const MAX_PHONEME_TOKENS = 510;

/** Kokoro v1.0's vocabulary (hexgrad/Kokoro-82M config.json `vocab`); 0 is the pad `$`, never a phoneme. */
const V1_VOCAB: ReadonlyArray<readonly [string, number]> = [
  [';', 1],
  [':', 2],
  [',', 3],
  ['.', 4],
  ['!', 5],
  ['?', 6],
  ['—', 9],
  ['…', 10],
  ['"', 11],
  ['(', 12],
  [')', 13],
  ['“', 14],
  ['”', 15],
  [' ', 16],
  ['\u0303', 17],
  ['ʣ', 18],
  ['ʥ', 19],
  ['ʦ', 20],
  ['ʨ', 21],
  ['ᵝ', 22],
  ['ꭧ', 23],
  ['A', 24],
  ['I', 25],
  ['O', 31],
  ['Q', 33],
  ['S', 35],
  ['T', 36],
  ['W', 39],
  ['Y', 41],
  ['ᵊ', 42],
  ['a', 43],
  ['b', 44],
  ['c', 45],
  ['d', 46],
  ['e', 47],
  ['f', 48],
  ['h', 50],
  ['i', 51],
  ['j', 52],
  ['k', 53],
  ['l', 54],
  ['m', 55],
  ['n', 56],
  ['o', 57],
  ['p', 58],
  ['q', 59],
  ['r', 60],
  ['s', 61],
  ['t', 62],
  ['u', 63],
  ['v', 64],
  ['w', 65],
  ['x', 66],
  ['y', 67],
  ['z', 68],
  ['ɑ', 69],
  ['ɐ', 70],
  ['ɒ', 71],
  ['æ', 72],
  ['β', 75],
  ['ɔ', 76],
  ['ɕ', 77],
  ['ç', 78],
  ['ɖ', 80],
  ['ð', 81],
  ['ʤ', 82],
  ['ə', 83],
  ['ɚ', 85],
  ['ɛ', 86],
  ['ɜ', 87],
  ['ɟ', 90],
  ['ɡ', 92],
  ['ɥ', 99],
  ['ɨ', 101],
  ['ɪ', 102],
  ['ʝ', 103],
  ['ɯ', 110],
  ['ɰ', 111],
  ['ŋ', 112],
  ['ɳ', 113],
  ['ɲ', 114],
  ['ɴ', 115],
  ['ø', 116],
  ['ɸ', 118],
  ['θ', 119],
  ['œ', 120],
  ['ɹ', 123],
  ['ɾ', 125],
  ['ɻ', 126],
  ['ʁ', 128],
  ['ɽ', 129],
  ['ʂ', 130],
  ['ʃ', 131],
  ['ʈ', 132],
  ['ʧ', 133],
  ['ʊ', 135],
  ['ʋ', 136],
  ['ʌ', 138],
  ['ɣ', 139],
  ['ɤ', 140],
  ['χ', 142],
  ['ʎ', 143],
  ['ʒ', 147],
  ['ʔ', 148],
  ['ˈ', 156],
  ['ˌ', 157],
  ['ː', 158],
  ['ʰ', 162],
  ['ʲ', 164],
  ['↓', 169],
  ['→', 171],
  ['↗', 172],
  ['↘', 173],
  ['ᵻ', 177],
];

export type Vocab = ReadonlyMap<string, number>;

export const DEFAULT_VOCAB: Vocab = new Map(V1_VOCAB);

/** Largest vocabulary file read from a pack (the real tokenizer.json is 3.5 KB). */
export const MAX_VOCAB_FILE_BYTES = 1024 * 1024;
/** The model's embedding table has 178 rows (config.json `n_token`): ids outside it are refused. */
const N_TOKEN = 178;

export class VocabError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VocabError';
  }
}

/**
 * The vocabulary of a pack: `tokenizer.json` (onnx-community: `model.vocab`) or `config.json` (hexgrad /
 * kokoro-onnx: `vocab`). Every key must be one character with an integer id in [0, 178); `$` must be 0 when present.
 */
export function parseVocab(bytes: Uint8Array, file = 'vocabulary'): Vocab {
  if (bytes.length > MAX_VOCAB_FILE_BYTES)
    throw new VocabError(`${file} is ${bytes.length} bytes, more than the ${MAX_VOCAB_FILE_BYTES} a vocabulary can be`);
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (e) {
    throw new VocabError(`${file} is not valid UTF-8 JSON (${(e as Error).message})`);
  }
  const o = doc as { vocab?: unknown; model?: { vocab?: unknown } } | null;
  const raw = o?.model?.vocab ?? o?.vocab;
  if (!raw || typeof raw !== 'object' || Array.isArray(raw))
    throw new VocabError(`${file} has no "vocab" (or "model.vocab") object`);
  const out = new Map<string, number>();
  for (const [sym, id] of Object.entries(raw as Record<string, unknown>)) {
    if ([...sym].length !== 1) throw new VocabError(`${file}: the symbol ${JSON.stringify(sym)} is not one character`);
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id >= N_TOKEN)
      throw new VocabError(
        `${file}: the id of ${JSON.stringify(sym)} is ${String(id)}, not an integer in [0, ${N_TOKEN})`,
      );
    if (sym === '$') {
      if (id !== 0) throw new VocabError(`${file}: the pad symbol "$" must be id 0, not ${id}`);
      continue;
    }
    if (id === 0) throw new VocabError(`${file}: id 0 is the pad; ${JSON.stringify(sym)} cannot use it`);
    out.set(sym, id);
  }
  if (out.size < 32) throw new VocabError(`${file} lists only ${out.size} symbols; this is not a Kokoro vocabulary`);
  return out;
}

/** How eSpeak's output is rewritten into the model's symbols, per language family. */
export type PhonemeDialect = 'en-us' | 'en-gb' | 'espeak';

/** hexgrad/misaki EspeakFallback.E2M (English), longest first; `^` is the tie between the letters of one phoneme. */
const ENGLISH_E2M: ReadonlyArray<readonly [string, string]> = sortLongestFirst([
  ['ʔˌn\u0329', 'tn'],
  ['ʔn\u0329', 'tn'],
  ['ʔn', 'tn'],
  ['ʔ', 't'],
  ['a^ɪ', 'I'],
  ['a^ʊ', 'W'],
  ['d^ʒ', 'ʤ'],
  ['e^ɪ', 'A'],
  ['e', 'A'],
  ['t^ʃ', 'ʧ'],
  ['ɔ^ɪ', 'Y'],
  ['ə^l', 'ᵊl'],
  ['ʲo', 'jo'],
  ['ʲə', 'jə'],
  ['ʲ', ''],
  ['ɚ', 'əɹ'],
  ['r', 'ɹ'],
  ['x', 'k'],
  ['ç', 'k'],
  ['ɐ', 'ə'],
  ['ɬ', 'l'],
  ['\u0303', ''],
]);

/** hexgrad/misaki EspeakG2P.E2M (Spanish, French, Hindi, Italian, Portuguese …). */
const ESPEAK_E2M: ReadonlyArray<readonly [string, string]> = sortLongestFirst([
  ['a^ɪ', 'I'],
  ['a^ʊ', 'W'],
  ['d^z', 'ʣ'],
  ['d^ʒ', 'ʤ'],
  ['e^ɪ', 'A'],
  ['o^ʊ', 'O'],
  ['ə^ʊ', 'Q'],
  ['s^s', 'S'],
  ['t^s', 'ʦ'],
  ['t^ʃ', 'ʧ'],
  ['ɔ^ɪ', 'Y'],
]);

function sortLongestFirst(pairs: [string, string][]): ReadonlyArray<readonly [string, string]> {
  // Each tied key (`e^ɪ`) also applies untied (`eɪ`): eSpeak NG's plain `--ipa` output has no ties, and in its
  // output these letter pairs are the diphthong or affricate. `ə^l` (a syllabic l) is the exception: untied it is
  // indistinguishable from schwa + l, so it applies only when tied.
  const all = new Map<string, string>();
  for (const [from, to] of pairs) {
    all.set(from, to);
    const untied = from.replace(/\^/g, '');
    if (untied !== from && from !== 'ə^l' && !all.has(untied)) all.set(untied, to);
  }
  return [...all].sort((a, b) => b[0].length - a[0].length);
}

const replaceAll = (s: string, pairs: ReadonlyArray<readonly [string, string]>) =>
  pairs.reduce((acc, [from, to]) => acc.split(from).join(to), s);

/** eSpeak's IPA tie (U+0361, or U+035C below) between the letters of one phoneme, written `^` like phonemizer. */
const TIES = /[\u0361\u035c]/g;

const EN_GB_AFTER = sortLongestFirst([
  ['e^ə', 'ɛː'],
  ['iə', 'ɪə'],
  ['ə^ʊ', 'Q'],
]);
const EN_US_AFTER = sortLongestFirst([
  ['o^ʊ', 'O'],
  ['ɜːɹ', 'ɜɹ'],
  ['ɜː', 'ɜɹ'],
  ['ɪə', 'iə'],
  ['ː', ''],
]);

/**
 * eSpeak NG IPA (with stress marks and punctuation; ties as U+0361 / `^`, or none) → the model's phoneme string.
 * Symbols the vocabulary does not have are dropped afterwards by {@link tokenize}.
 */
export function espeakToKokoro(ipa: string, dialect: PhonemeDialect): string {
  let ps = ipa.normalize('NFC').replace(TIES, '^').trim();
  if (dialect === 'espeak') {
    ps = replaceAll(ps, ESPEAK_E2M);
    // misaki deletes what ties remain and eSpeak's hyphens.
    return ps.replace(/\^/g, '').replace(/-/g, '');
  }
  // British and American diphthongs first: the generic table would split them (`e` → `A` in `eə`).
  if (dialect === 'en-gb') ps = ps.split('e^ə').join('ɛː').split('eə').join('ɛː');
  ps = replaceAll(ps, ENGLISH_E2M);
  // A syllabic consonant (combining vertical line below) becomes schwa + the consonant.
  ps = ps.replace(/(\S)\u0329/gu, 'ᵊ$1').replace(/\u0329/g, '');
  ps = replaceAll(ps, dialect === 'en-gb' ? EN_GB_AFTER : EN_US_AFTER);
  // eSpeak before 1.52 wrote `o` for `ɔ`.
  ps = ps.split('o').join('ɔ');
  return ps.replace(/\^/g, '');
}

/** Token ids of a phoneme string (one per character); characters outside the vocabulary are dropped. */
export function tokenize(phonemes: string, vocab: Vocab = DEFAULT_VOCAB): number[] {
  const ids: number[] = [];
  for (const ch of phonemes) {
    const id = vocab.get(ch);
    if (id !== undefined) ids.push(id);
  }
  return ids;
}

/** The phoneme string with every character the vocabulary lacks removed (so length = token count). */
export function keepKnown(phonemes: string, vocab: Vocab = DEFAULT_VOCAB): string {
  let out = '';
  for (const ch of phonemes) if (vocab.has(ch)) out += ch;
  return out.replace(/ {2,}/g, ' ').trim();
}

const BREAK_AFTER = new Set(['.', '!', '?', ';', ':', ',', '—', '…']);

/**
 * Splits a phoneme string (every character one token: run {@link keepKnown} first) into pieces of at most `max`
 * characters: after the last clause punctuation that fits, else at the last space, else (one "word" longer than the
 * limit) hard at the limit. Each piece is trimmed; none is empty.
 */
export function splitPhonemes(phonemes: string, max = MAX_PHONEME_TOKENS): string[] {
  if (!Number.isInteger(max) || max < 1) throw new RangeError('max must be a positive integer');
  const chars = [...phonemes];
  const out: string[] = [];
  let start = 0;
  while (start < chars.length) {
    while (start < chars.length && chars[start] === ' ') start++;
    if (start >= chars.length) break;
    if (chars.length - start <= max) {
      out.push(chars.slice(start).join('').trim());
      break;
    }
    const end = start + max; // exclusive bound of what fits
    let cut = -1;
    for (let i = end - 1; i > start; i--)
      if (BREAK_AFTER.has(chars[i])) {
        cut = i + 1;
        break;
      }
    if (cut < 0)
      for (let i = end; i > start; i--)
        if (chars[i] === ' ') {
          cut = i;
          break;
        }
    if (cut < 0) cut = end;
    const piece = chars.slice(start, cut).join('').trim();
    if (piece) out.push(piece);
    start = cut;
  }
  return out.filter(Boolean);
}
