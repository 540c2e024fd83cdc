/**
 * Letter-to-sound for words missing from the aligner's dictionary: eSpeak NG (the embedded WebAssembly build)
 * says how a word is pronounced in IPA, and the IPA is mapped to the acoustic model's phone set.
 *
 * The map is built from the model's own `phoneset.json` (model phone → IPA, shipped with each SoundSwallower
 * model) plus the IPA variants eSpeak writes that the model lists under another symbol (length marks, r-coloured
 * vowels, flaps, syllabic consonants). Tokens are matched longest first, so diphthongs and affricates win over
 * their parts.
 */
import { EspeakRuntime } from '../espeak/runtime.js';

/** eSpeak's IPA spellings that the model's phone set writes differently (per model phone set). */
const EXTRA_IPA: Record<string, Record<string, string>> = {
  arpabet: {
    ɑː: 'AA',
    a: 'AE',
    ɐ: 'AH',
    ə: 'AH',
    ɔː: 'AO',
    ɒ: 'AA',
    ɜː: 'ER',
    ɚ: 'ER',
    ɝ: 'ER',
    e: 'EH',
    i: 'IY',
    ᵻ: 'IH',
    o: 'OW',
    oː: 'OW',
    əʊ: 'OW',
    uː: 'UW',
    ɾ: 'T',
    r: 'R',
    ɡ: 'G',
    g: 'G',
    x: 'K',
    ʍ: 'W',
    ʔ: 'T',
    iə: 'IY AH',
    eə: 'EH R',
    ʊə: 'UH R',
    aɪə: 'AY ER',
    aʊə: 'AW ER',
    n̩: 'AH N',
    l̩: 'AH L',
    m̩: 'AH M',
  },
  french: {
    ɛː: 'ai',
    ɑ: 'aa',
    r: 'rr',
    ɡ: 'gg',
    ɔ: 'oo',
    ɜ: 'ee',
  },
};

/** Marks eSpeak writes that carry no phone: stress, syllable and word separators, ties. */
const IGNORED = /[ˈˌ.‿_\-\s]|\u0361/gu;

export class PhoneMap {
  private readonly table = new Map<string, string[]>();
  private readonly longest: number;

  constructor(phoneset: Record<string, string>, extras: Record<string, string>) {
    for (const [phone, ipa] of Object.entries(phoneset)) {
      if (ipa === '-' || phone.startsWith('+') || phone === 'SIL') continue;
      this.table.set(ipa.normalize('NFC'), [phone]);
    }
    for (const [ipa, phones] of Object.entries(extras)) {
      const key = ipa.normalize('NFC');
      if (!this.table.has(key)) this.table.set(key, phones.split(' '));
    }
    this.longest = Math.max(...[...this.table.keys()].map((k) => [...k].length));
  }

  /** IPA → model phones; characters with no mapping (rare diacritics) are skipped. Null when nothing maps. */
  map(ipa: string): string[] | null {
    const chars = [...ipa.normalize('NFC').replace(IGNORED, '')];
    const out: string[] = [];
    let i = 0;
    while (i < chars.length) {
      let hit: string[] | undefined;
      let len = Math.min(this.longest, chars.length - i);
      for (; len > 0; len--) {
        hit = this.table.get(chars.slice(i, i + len).join(''));
        if (hit) break;
      }
      if (hit) {
        out.push(...hit);
        i += len;
      } else i++;
    }
    return out.length ? out : null;
  }
}

export function phoneMapFor(phoneset: Record<string, string>): PhoneMap {
  const arpabet = 'AA' in phoneset;
  return new PhoneMap(phoneset, EXTRA_IPA[arpabet ? 'arpabet' : 'french']);
}

/** eSpeak voice for a model language. */
const ESPEAK_VOICE: Record<string, string> = { 'en-us': 'en-us', 'fr-fr': 'fr-fr' };

let runtime: EspeakRuntime | undefined;

/**
 * IPA for each word, one eSpeak run for the whole list (a word per line, each ended by a full stop so eSpeak
 * writes one line per word). Words eSpeak cannot say come back as null.
 */
export async function espeakIpa(words: string[], model: string): Promise<(string | null)[]> {
  if (!words.length) return [];
  runtime ??= new EspeakRuntime();
  const input = words.map((w) => `${w.replace(/[.\n\r]/g, ' ')}.`).join('\n');
  const r = await runtime.run(['-q', '--ipa=1', '-v', ESPEAK_VOICE[model] ?? 'en-us', '-f', 'words.txt'], {
    inputs: { 'words.txt': input },
    clockMs: 0,
  });
  const lines = r.stdout.map((l) => l.trim()).filter(Boolean);
  if (r.status !== 0 || lines.length !== words.length) {
    // Rare: eSpeak merged or split lines. Fall back to one run per word so each word still gets its own answer.
    if (words.length === 1) return [lines.join(' ') || null];
    const out: (string | null)[] = [];
    for (const w of words) out.push(...(await espeakIpa([w], model)));
    return out;
  }
  return lines;
}
