/**
 * Text → phonemes with the embedded eSpeak NG program: the phonemizer that Piper and Kokoro voices were trained on.
 *
 * GPL-3.0-or-later boundary (see README.md): like the engine, this only runs the unmodified eSpeak NG program at arm's
 * length (`espeak-ng -q --ipa -v <language> -f <file>`, text file in, printed phonemes out) in a fresh instance.
 *
 * The program prints one line of phonemes per clause and drops the punctuation. Piper's phonemizer
 * (rhasspy/piper-phonemize, src/phonemize.cpp) keeps it: after each clause it appends the clause's last non-space
 * character when that is one of `. ? ! , : ;` (a space after `, : ;`), and a sentence ends after `. ? !`. To do the
 * same from the command-line program we split the text into clauses with eSpeak's own clause rules (below), run the
 * whole text once, and pair the printed lines with our clauses. When the counts differ (eSpeak split somewhere we did
 * not, e.g. a clause too long for it), the clauses are phonemized in halves, down to one clause per run, so every
 * clause is always paired with exactly its own phonemes.
 *
 * Differences from piper-phonemize, on purpose (docs/voices-multilingual.md):
 * - Clauses that end in anything other than the six marks (an en/em dash, an ellipsis, a closing quote) are joined
 *   with one space; piper-phonemize joins them with none, which glues two words together.
 * - A sentence also ends at `。！？` (no mark is added, as in piper-phonemize), so CJK text streams sentence by sentence.
 * - A sentence that ends without `. ? !` has its trailing space removed.
 */
import { EngineError, throwIfAborted } from '../engine.js';
import { EspeakRuntime } from './runtime.js';
import { cleanText } from './text.js';

export type PhonemeAlphabet = 'ipa' | 'espeak';

export interface PhonemizeOptions {
  /** eSpeak NG language (voice) code: `en-us`, `en-gb`, `fr-fr`, `de`, `es`, `cmn`, `pt-br` … */
  language: string;
  /** `ipa` (default): IPA as Piper and Kokoro use it; `espeak`: eSpeak's ASCII phoneme mnemonics (`-x`). */
  alphabet?: PhonemeAlphabet;
  /** Keep stress marks (`ˈ ˌ`; `' ,` in mnemonics). Default true. */
  stress?: boolean;
  /** Keep the clause punctuation `. ? ! , : ;` as Piper does. Default true. */
  punctuation?: boolean;
  /**
   * Unicode normalisation of the phonemes. Default `NFC` (eSpeak's own output). Piper voices need `NFD`:
   * piper-phonemize decomposes, e.g. `ç` → `c` + U+0327, and its phoneme maps hold the decomposed marks.
   */
  normalization?: 'NFC' | 'NFD';
  /** Checked between eSpeak runs; an abort throws EngineError('CANCELLED'). */
  signal?: AbortSignal;
}

/** One clause: the phonemes of a stretch of text up to (and with) its punctuation. */
export interface PhonemizedClause {
  /** Phonemes of the clause, without punctuation; '' when eSpeak had nothing to say for it. */
  phonemes: string;
  /** The clause's last non-space character when it is one of `. ? ! , : ;`, else ''. */
  punctuation: string;
  /** True when a sentence ends after this clause (`. ? !`, `。！？`, a blank line, or the end of the text). */
  endsSentence: boolean;
  /** The source text of the clause (cleaned), for progress and diagnostics. */
  text: string;
}

/** Longest text one call accepts. One eSpeak run holds the text and its phonemes in the instance's memory. */
export const MAX_PHONEMIZE_CHARS = 100_000;

/** Punctuation that ends a clause in eSpeak NG (readclause.c `punct_chars`) when followed by a space or the end. */
const CLAUSE_PUNCT = new Set([
  ',', '.', '?', '!', ':', ';',
  '\u2013', '\u2014', '\u2026', // en dash, em dash, ellipsis
  '\u037e', '\u0387', '\u0964', // Greek question mark and ano teleia, Devanagari danda
  '\u0589', '\u055d', '\u055c', '\u055e', '\u055b', // Armenian
  '\u060c', '\u061b', '\u061f', '\u06d4', // Arabic
  '\u0df4', '\u0f0d', '\u0f0e', '\u10fb',
  '\u1362', '\u1363', '\u1364', '\u1365', '\u1366', '\u1367', '\u1368', // Ethiopic
]); // prettier-ignore
/** CJK punctuation ends a clause with no space after it. */
const CJK_PUNCT = new Set(['\u3001', '\u3002', '\uff01', '\uff0c', '\uff0e', '\uff1a', '\uff1b', '\uff1f']);
/** Closing quotes and brackets that stay with the clause they follow. */
const CLOSERS = new Set(['"', "'", '”', '’', '»', '›', ')', ']', '}', '」', '』', '）', '］', '】', '〉', '》', '〕']);
const PIPER_MARKS = new Set(['.', '?', '!', ',', ':', ';']);
const SENTENCE_MARKS = new Set(['.', '?', '!', '\u3002', '\uff01', '\uff1f']);
const HAS_WORD = /[\p{L}\p{N}]/u;
const LANGUAGE_CODE = /^[a-z]{2,3}(-[a-z0-9]{1,8}){0,4}$/i;

export interface Clause {
  /** The clause's text including its punctuation and the whitespace after it. */
  text: string;
  punctuation: string;
  endsSentence: boolean;
}

/**
 * Split (cleaned) text into clauses the way eSpeak NG's ReadClause does for plain text: at clause punctuation
 * followed by whitespace or the end of the text (CJK marks need no space), never before the clause has a letter or
 * digit, and not at a `.` whose next word starts lower-case (an abbreviation: `e.g. this`). A blank line ends a
 * clause too. Closing quotes and brackets stay with the clause they close.
 */
export function splitClauses(text: string): Clause[] {
  const out: Clause[] = [];
  let start = 0;
  let i = 0;
  const n = text.length;
  const push = (end: number, endsSentence: boolean) => {
    const t = text.slice(start, end);
    const last = t.trimEnd().slice(-1);
    out.push({ text: t, punctuation: PIPER_MARKS.has(last) ? last : '', endsSentence });
    start = end;
  };
  while (i < n) {
    const c = text[i];
    if (c === '\n') {
      let j = i + 1;
      while (j < n && /[^\S\n]/.test(text[j])) j++;
      if (j < n && text[j] === '\n' && HAS_WORD.test(text.slice(start, i))) {
        while (j < n && /\s/.test(text[j])) j++;
        push(j, true);
      }
      i = j;
      continue;
    }
    const cjk = CJK_PUNCT.has(c);
    if (!cjk && !CLAUSE_PUNCT.has(c)) {
      i++;
      continue;
    }
    let j = i + 1;
    while (j < n && CLOSERS.has(text[j])) j++;
    const hasWord = HAS_WORD.test(text.slice(start, i));
    const spaceAfter = j >= n || /\s/.test(text[j]);
    let boundary = hasWord && (cjk || spaceAfter);
    if (boundary && c === '.' && j === i + 1 && /^\s*\p{Ll}/u.test(text.slice(j, j + 8))) boundary = false;
    if (!boundary) {
      i = j;
      continue;
    }
    while (j < n && /\s/.test(text[j])) j++;
    push(j, SENTENCE_MARKS.has(c));
    i = j;
  }
  if (start < n) push(n, true);
  if (out.length > 0) out[out.length - 1].endsSentence = true;
  return out;
}

let sharedRuntime: EspeakRuntime | undefined;
function runtime(): EspeakRuntime {
  sharedRuntime ??= new EspeakRuntime();
  return sharedRuntime;
}

/** Phonemize `text` clause by clause (see the module comment for the rules). */
export async function phonemizeClauses(text: string, opts: PhonemizeOptions): Promise<PhonemizedClause[]> {
  const language = checkLanguage(opts.language);
  if (typeof text !== 'string') throw new EngineError('INVALID_INPUT', 'Text to phonemize must be a string.');
  if (text.length > MAX_PHONEMIZE_CHARS) {
    throw new EngineError(
      'INVALID_INPUT',
      `Text is too long to phonemize at once (${text.length} characters; the limit is ${MAX_PHONEMIZE_CHARS}).`,
    );
  }
  const signal = opts.signal;
  if (signal) throwIfAborted(signal);
  const clauses = splitClauses(cleanText(text));
  const phonemes = new Array<string>(clauses.length).fill('');
  const alphabetFlag = opts.alphabet === 'espeak' ? '-x' : '--ipa';
  if (opts.alphabet !== undefined && opts.alphabet !== 'ipa' && opts.alphabet !== 'espeak') {
    throw new EngineError('INVALID_INPUT', 'The phoneme alphabet must be "ipa" or "espeak".');
  }

  // Phonemize clauses [from, to) in one run; on a count mismatch, in halves.
  const fill = async (from: number, to: number): Promise<void> => {
    if (from >= to) return;
    if (signal) throwIfAborted(signal);
    const chunk = clauses
      .slice(from, to)
      .map((c) => c.text)
      .join('');
    const lines = await runEspeak(language, alphabetFlag, chunk);
    if (lines.length === to - from) {
      for (let k = 0; k < lines.length; k++) phonemes[from + k] = lines[k];
      return;
    }
    if (to - from === 1) {
      phonemes[from] = lines.join(' ');
      return;
    }
    const mid = from + Math.ceil((to - from) / 2);
    await fill(from, mid);
    await fill(mid, to);
  };
  await fill(0, clauses.length);

  const keepStress = opts.stress !== false;
  const form = opts.normalization === 'NFD' ? 'NFD' : 'NFC';
  return clauses.map((c, k) => {
    let p = phonemes[k].replace(/\([^()]*\)/g, ''); // language-switch flags such as (en) … (fr), as piper does
    if (!keepStress) p = opts.alphabet === 'espeak' ? p.replace(/[',]/g, '') : p.replace(/[ˈˌ]/g, '');
    return {
      phonemes: p.trim().normalize(form),
      punctuation: opts.punctuation === false ? '' : c.punctuation,
      endsSentence: c.endsSentence,
      text: c.text.trim(),
    };
  });
}

/**
 * Phonemize `text`: one phoneme string per sentence, in order. Within a sentence, clauses are joined the way
 * piper-phonemize joins them: `ðˈɪs, ɪz: ˈeɪ; tˈɛst.` Sentences with no phonemes are left out.
 */
export async function phonemize(text: string, opts: PhonemizeOptions): Promise<string[]> {
  return joinSentences(await phonemizeClauses(text, opts));
}

/** Join clauses into sentences (exported for engines that regroup clauses under a length limit). */
export function joinSentences(clauses: PhonemizedClause[]): string[] {
  const sentences: string[] = [];
  let current = '';
  for (const c of clauses) {
    if (c.phonemes) {
      if (current && !current.endsWith(' ')) current += ' ';
      current += c.phonemes + c.punctuation;
      if (c.punctuation === ',' || c.punctuation === ':' || c.punctuation === ';') current += ' ';
    }
    if (c.endsSentence) {
      const s = current.trim();
      if (s) sentences.push(s);
      current = '';
    }
  }
  const s = current.trim();
  if (s) sentences.push(s);
  return sentences;
}

function checkLanguage(language: unknown): string {
  if (typeof language !== 'string' || !LANGUAGE_CODE.test(language)) {
    throw new EngineError(
      'INVALID_INPUT',
      `"${String(language).slice(0, 40)}" is not an eSpeak NG language code (e.g. "en-us", "fr-fr", "de", "cmn").`,
    );
  }
  return language.toLowerCase();
}

async function runEspeak(language: string, alphabetFlag: string, text: string): Promise<string[]> {
  // Let pending events (an abort among them) run before the synchronous eSpeak run.
  await new Promise((resolve) => setImmediate(resolve));
  let result;
  try {
    result = await runtime().run(['-q', '-v', language, alphabetFlag, '-f', '/input.txt'], {
      inputs: { '/input.txt': text },
      clockMs: 0,
    });
  } catch (err) {
    throw new EngineError('ENGINE_ERROR', `eSpeak NG failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (result.status !== 0) {
    const message = result.stderr.filter((l) => l.trim() && !l.startsWith('program exited')).join(' ');
    if (/voice does not exist/i.test(message)) {
      throw new EngineError('INVALID_INPUT', `eSpeak NG has no language "${language}".`);
    }
    throw new EngineError('ENGINE_ERROR', `eSpeak NG failed (exit ${result.status}): ${message.slice(0, 300)}`);
  }
  return result.stdout.map((l) => l.trim()).filter((l) => l !== '');
}
