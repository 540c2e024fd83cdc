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

/**
 * Keys indexed by how they start, so that finding the keys at a text position costs a map lookup plus a test of the
 * few keys that start there, not one test per key (the dictionary may hold 5,000 entries): keys that start with a
 * (non-CJK) word character are found by the lower-cased word that starts at a word start; the others (CJK,
 * punctuation) by their first character.
 */
interface KeyMatcher {
  id: string;
  /** The key's text only (sticky: tested at one position); the word boundaries are checked in code, so these
   * thousands of patterns stay cheap to compile (no Unicode property classes in each). */
  re: RegExp;
  /** The character before / after the match must not be a (non-CJK) word character. */
  pre: boolean;
  post: boolean;
}
const WORD_RUN = new RegExp(`${WORD_CHAR}+`, 'uy');
const IS_WORD_CHAR = new RegExp(`^${WORD_CHAR}`, 'u');

function wordRunAt(text: string, i: number): string | undefined {
  WORD_RUN.lastIndex = i;
  return WORD_RUN.exec(text)?.[0];
}

class KeyIndex {
  private readonly byWord = new Map<string, KeyMatcher[]>();
  private readonly byChar = new Map<string, KeyMatcher[]>();

  /** `keys`: id, word and whether the match is case-sensitive; longest first wins at a position. */
  constructor(keys: Array<{ id: string; word: string; caseSensitive: boolean }>) {
    const sorted = [...keys].sort((a, b) => b.word.trim().length - a.word.trim().length);
    for (const k of sorted) {
      const w = k.word.trim().replace(/\s+/g, ' ');
      const chars = [...w];
      const body = w
        .split(' ')
        .map(escapeRe)
        .join(String.raw`\s+`);
      const m: KeyMatcher = {
        id: k.id,
        re: new RegExp(body, k.caseSensitive ? 'uy' : 'iuy'),
        pre: isWordEdge(chars[0]),
        post: isWordEdge(chars[chars.length - 1]),
      };
      const run = wordRunAt(w, 0);
      const [map, at] = run ? [this.byWord, run.toLowerCase()] : [this.byChar, firstChar(w).toLowerCase()];
      const list = map.get(at);
      if (list) list.push(m);
      else map.set(at, [m]);
    }
  }

  /** The keys that may match at `i` (longest first). */
  private candidates(text: string, i: number): KeyMatcher[] | undefined {
    const ch = firstChar(text.slice(i, i + 2));
    if (IS_WORD_CHAR.test(ch)) {
      if (i > 0 && IS_WORD_CHAR.test(lastChar(text.slice(Math.max(0, i - 2), i)))) return undefined; // not a word start
      return this.byWord.get(wordRunAt(text, i)!.toLowerCase());
    }
    return this.byChar.get(ch.toLowerCase());
  }

  /** Matches at `i`: the first (longest) one, or all of them. */
  matchAt(text: string, i: number, all = false): Array<{ id: string; match: string }> {
    const out: Array<{ id: string; match: string }> = [];
    for (const m of this.candidates(text, i) ?? []) {
      m.re.lastIndex = i;
      const hit = m.re.exec(text);
      if (!hit) continue;
      if (m.pre && i > 0 && IS_WORD_CHAR.test(lastChar(text.slice(Math.max(0, i - 2), i)))) continue;
      const end = i + hit[0].length;
      if (m.post && end < text.length && IS_WORD_CHAR.test(firstChar(text.slice(end, end + 2)))) continue;
      out.push({ id: m.id, match: hit[0] });
      if (!all) break;
    }
    return out;
  }
}

const firstChar = (s: string) => String.fromCodePoint(s.codePointAt(0) ?? 0);
const lastChar = (s: string) => [...s].pop() ?? '';

/** "A" → "B" → "A"; a long loop is shortened to its first and last few steps. */
function loopPath(cycle: string[]): string {
  const q = (w: string) => `"${w}"`;
  const steps = [...cycle, cycle[0]];
  if (steps.length <= 12) return steps.map(q).join(' → ');
  return `${steps.slice(0, 5).map(q).join(' → ')} → … (${steps.length - 10} more) … → ${steps.slice(-5).map(q).join(' → ')}`;
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

  // Edges key → keys found in its respelling (every key that matches anywhere in it, overlaps included).
  const keys = [...byKey.keys()];
  const index = new KeyIndex(
    keys.map((k) => ({ id: k, word: byKey.get(k)!.word, caseSensitive: byKey.get(k)!.caseSensitive === true })),
  );
  const edges = new Map<string, string[]>();
  for (const k of keys) {
    const resp = byKey.get(k)!.respelling;
    const out = new Set<string>();
    for (let i = 0; i < resp.length; i++) for (const m of index.matchAt(resp, i, true)) out.add(m.id);
    edges.set(k, [...out]);
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
  // Cycles of two or more keys: depth-first search, each cycle reported once. Iterative (an explicit stack), so a
  // chain as long as the dictionary itself (A → B → … → the 5,000th entry) cannot overflow the call stack.
  const state = new Map<string, 1 | 2>(); // 1 on the stack, 2 done
  const stack: string[] = [];
  const next: number[] = []; // per stack entry: index of the next edge to follow
  const onStackAt = new Map<string, number>();
  for (const root of keys) {
    if (state.has(root)) continue;
    state.set(root, 1);
    onStackAt.set(root, 0);
    stack.push(root);
    next.push(0);
    while (stack.length) {
      const top = stack.length - 1;
      const k = stack[top];
      const out = edges.get(k)!;
      if (next[top] >= out.length) {
        stack.pop();
        next.pop();
        onStackAt.delete(k);
        state.set(k, 2);
        continue;
      }
      const n = out[next[top]++];
      if (n === k) continue;
      const s = state.get(n);
      if (s === 1) {
        const cycle = stack.slice(onStackAt.get(n)).map(name);
        issues.push({
          kind: 'cycle',
          message: `These entries loop: ${loopPath(cycle)}. Change one respelling so it no longer contains another entry's word.`,
          words: cycle,
        });
      } else if (s === undefined) {
        state.set(n, 1);
        onStackAt.set(n, stack.length);
        stack.push(n);
        next.push(0);
      }
    }
  }
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
  const index = new KeyIndex(words.map((w) => ({ id: w, word: w, caseSensitive: false })));
  const exactLower = new Set([...exact.keys()].map((w) => normKey(w)));
  return {
    size: keys.length + exact.size,
    apply(text: string): AppliedPronunciation {
      if (!words.length) return { text, fired: [] };
      const fired = new Map<string, FiredEntry>();
      // One left-to-right pass; at each position the longest key that matches wins and the scan resumes after it.
      let out = '';
      let last = 0;
      for (let i = 0; i < text.length;) {
        const [hit] = index.matchAt(text, i);
        if (!hit || hit.match === '') {
          i++;
          continue;
        }
        out += text.slice(last, i) + replace(hit.match);
        i += hit.match.length;
        last = i;
      }
      out += text.slice(last);
      return { text: out, fired: [...fired.values()] };

      function replace(match: string): string {
        // An exact (case-sensitive) entry first, then the case-insensitive ones. Regex case folding and toLowerCase
        // can disagree on rare letters: fall back to testing each key.
        const e =
          exact.get(exactKey(match)) ??
          byKey.get(normKey(match)) ??
          (exactLower.has(normKey(match))
            ? undefined // only a case-sensitive entry in another capitalisation
            : byKey.get(keys.find((k) => new RegExp(`^(?:${keyPattern(k)})$`, 'iu').test(match)) ?? ''));
        if (!e) return match; // only a case-sensitive entry in another capitalisation
        const f = fired.get(e.word);
        if (f) f.count++;
        else fired.set(e.word, { word: e.word, respelling: e.respelling, count: 1 });
        return e.respelling;
      }
    },
  };
}

/** One-off convenience: validate, compile and apply. */
export const applyPronunciations = (text: string, entries: readonly PronunciationEntry[]): AppliedPronunciation =>
  compileDictionary(entries).apply(text);
