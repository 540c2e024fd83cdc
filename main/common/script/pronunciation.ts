/**
 * Pronunciation dictionary: word or phrase → respelling, applied to a line's text before synthesis.
 *
 * - Matching is case-insensitive (unless an entry is `caseSensitive`: then only its exact spelling) and whole-word at Unicode word boundaries; CJK keys (Han, kana, Hangul) match as
 *   substrings since those scripts have no spaces, and a Latin key next to a CJK character still matches
 *   ("用iPhone拍").
 * - Longest key first: "New York City" wins over "New York" at the same place.
 * - Spaces in a key match any run of white space.
 * - Application is a single pass (replacements are never rescanned), so it always terminates. Still, a dictionary
 *   whose repeated application would never settle (A→B and B→A, or a respelling containing its own key) is refused
 *   by `validateDictionary` with a message naming the cycle.
 * Process-neutral.
 */
import { SUBSTRING_CHAR } from './text.js';

export interface PronunciationEntry {
  word: string;
  respelling: string;
  /** Match only this exact capitalisation (default: any case). */
  caseSensitive?: boolean;
}

export interface DictionaryIssue {
  kind: 'empty' | 'duplicate' | 'self-reference' | 'cycle';
  message: string;
  /** The keys involved; for a cycle in order, e.g. ['A', 'B'] for A → B → A. */
  words: string[];
}

export interface FiredEntry extends PronunciationEntry {
  count: number;
}

export interface AppliedPronunciation {
  text: string;
  /** Entries that matched, in order of first match. */
  fired: FiredEntry[];
}

export class DictionaryError extends Error {
  constructor(readonly issues: DictionaryIssue[]) {
    super(issues.map((i) => i.message).join(' '));
    this.name = 'DictionaryError';
  }
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** A letter, digit or mark that is not CJK: what a whole-word match must not touch. */
const WORD_CHAR = String.raw`(?:(?![\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}])[\p{L}\p{N}\p{M}_])`;
const isWordEdge = (ch: string) => /[\p{L}\p{N}\p{M}_]/u.test(ch) && !SUBSTRING_CHAR.test(ch);

const normKey = (w: string) => w.trim().replace(/\s+/g, ' ').toLowerCase();
const exactKey = (w: string) => w.trim().replace(/\s+/g, ' ');
/** Identity of an entry: case-sensitive entries by exact spelling, the others case-folded. */
const entryKey = (e: PronunciationEntry) => (e.caseSensitive ? `=${exactKey(e.word)}` : normKey(e.word));
/** The lower-cased word of an entry key. */
const keyWord = (k: string) => (k.startsWith('=') ? k.slice(1).toLowerCase() : k);

/** The pattern for one key, with boundaries only on its edges that are (non-CJK) word characters. */
function keyPattern(word: string): string {
  const w = word.trim().replace(/\s+/g, ' ');
  const chars = [...w];
  const body = w
    .split(' ')
    .map(escapeRe)
    .join(String.raw`\s+`);
  const pre = isWordEdge(chars[0]) ? `(?<!${WORD_CHAR})` : '';
  const post = isWordEdge(chars[chars.length - 1]) ? `(?!${WORD_CHAR})` : '';
  return pre + body + post;
}

/** Problems that make the dictionary unusable; empty when it is fine. */
export function validateDictionary(entries: readonly PronunciationEntry[]): DictionaryIssue[] {
  const issues: DictionaryIssue[] = [];
  const byKey = new Map<string, PronunciationEntry>();
  for (const e of entries) {
    if (normKey(e.word) === '') {
      issues.push({ kind: 'empty', message: 'A dictionary entry has no word.', words: [e.word] });
      continue;
    }
    if (e.respelling.trim() === '') {
      issues.push({ kind: 'empty', message: `"${e.word.trim()}" has an empty respelling.`, words: [e.word] });
      continue;
    }
    const k = entryKey(e);
    const prev = byKey.get(k);
    if (prev && prev.respelling !== e.respelling) {
      issues.push({
        kind: 'duplicate',
        message: `"${e.word.trim()}" is in the dictionary twice ("${prev.respelling}" and "${e.respelling}"); keep one.`,
        words: [prev.word, e.word],
      });
      continue;
    }
    byKey.set(k, e);
  }

  // Edges key → keys found in its respelling.
  const keys = [...byKey.keys()];
  const tests = new Map(
    keys.map((k) => [k, new RegExp(keyPattern(byKey.get(k)!.word), byKey.get(k)!.caseSensitive ? 'u' : 'iu')]),
  );
  const edges = new Map<string, string[]>();
  for (const k of keys) {
    const resp = byKey.get(k)!.respelling;
    const lower = resp.toLowerCase();
    const out: string[] = [];
    for (const other of keys) {
      if (lower.includes(keyWord(other).split(' ')[0]) && tests.get(other)!.test(resp)) out.push(other);
    }
    edges.set(k, out);
  }
  const name = (k: string) => byKey.get(k)!.word.trim();
  for (const k of keys) {
    if (edges.get(k)!.includes(k)) {
      issues.push({
        kind: 'self-reference',
        message: `"${name(k)}" → "${byKey.get(k)!.respelling}" contains "${name(k)}" again, so applying it repeatedly never settles: respell it without the original word.`,
        words: [name(k)],
      });
    }
  }
  // Cycles of two or more keys: depth-first search, each cycle reported once.
  const state = new Map<string, 1 | 2>(); // 1 on the stack, 2 done
  const stack: string[] = [];
  const visit = (k: string) => {
    state.set(k, 1);
    stack.push(k);
    for (const n of edges.get(k)!) {
      if (n === k) continue;
      const s = state.get(n);
      if (s === 1) {
        const cycle = stack.slice(stack.indexOf(n)).map(name);
        issues.push({
          kind: 'cycle',
          message: `These entries loop: ${[...cycle, cycle[0]].map((w) => `"${w}"`).join(' → ')}. Change one respelling so it no longer contains another entry's word.`,
          words: cycle,
        });
      } else if (s === undefined) visit(n);
    }
    stack.pop();
    state.set(k, 2);
  };
  for (const k of keys) if (!state.has(k)) visit(k);
  return issues;
}

export interface CompiledDictionary {
  readonly size: number;
  apply(text: string): AppliedPronunciation;
}

/** Validate and compile; throws DictionaryError listing every issue when the dictionary is not usable. */
export function compileDictionary(entries: readonly PronunciationEntry[]): CompiledDictionary {
  const issues = validateDictionary(entries);
  if (issues.length) throw new DictionaryError(issues);
  const byKey = new Map<string, PronunciationEntry>();
  const exact = new Map<string, PronunciationEntry>();
  for (const e of entries) {
    if (e.caseSensitive) exact.set(exactKey(e.word), e);
    else byKey.set(normKey(e.word), e);
  }
  // Longest first so the alternation prefers the longest key at a position.
  const keys = [...byKey.keys()].sort((a, b) => b.length - a.length);
  const words = [...new Set([...keys, ...[...exact.keys()].map((w) => w.toLowerCase())])].sort(
    (a, b) => b.length - a.length,
  );
  const re = words.length ? new RegExp(words.map(keyPattern).join('|'), 'giu') : null;
  return {
    size: keys.length + exact.size,
    apply(text: string): AppliedPronunciation {
      if (!re) return { text, fired: [] };
      const fired = new Map<string, FiredEntry>();
      const out = text.replace(re, (match) => {
        // An exact (case-sensitive) entry first, then the case-insensitive ones. Regex case folding and toLowerCase
        // can disagree on rare letters: fall back to testing each key.
        const e =
          exact.get(exactKey(match)) ??
          byKey.get(normKey(match)) ??
          byKey.get(keys.find((k) => new RegExp(`^(?:${keyPattern(k)})$`, 'iu').test(match)) ?? '');
        if (!e) return match; // only a case-sensitive entry in another capitalisation
        const f = fired.get(e.word);
        if (f) f.count++;
        else fired.set(e.word, { word: e.word, respelling: e.respelling, count: 1 });
        return e.respelling;
      });
      return { text: out, fired: [...fired.values()] };
    },
  };
}

/** One-off convenience: validate, compile and apply. */
export const applyPronunciations = (text: string, entries: readonly PronunciationEntry[]): AppliedPronunciation =>
  compileDictionary(entries).apply(text);
