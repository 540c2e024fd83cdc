/**
 * Script splitter: a pasted or imported script → the Studio's lines, chapter markers and speakers.
 *
 * Process-neutral (no Node, no DOM): the renderer uses it for a live preview, the core for imports.
 *
 * - By default (`split: 'turn'`) a paragraph, and so a speaker's turn, stays ONE line as long as it fits in
 *   `maxLineLength` (the text budget of one line); a longer paragraph is cut at sentence boundaries into as few lines
 *   as fit (consecutive sentences are packed together). `split: 'sentence'` gives each sentence its own line.
 * - Sentences end at . ! ? … (Latin: followed by white space and not by a lower-case word) and at 。！？；…｡．
 *   (CJK: no space needed). Closing quotes and brackets stay with their sentence. Abbreviations (Mr., Dr., e.g.,
 *   U.S.), initials, decimals (3.14), numbered-list markers, URLs, e-mail addresses and inline tags are not split.
 * - A sentence longer than `maxLineLength` is split at ; then , (and CJK equivalents), then spaces.
 * - Headings (Markdown `#`…`######`, `Chapter 3: …`, `Part II`, `第三章 …`) become chapter markers.
 * - `NAME: text` at the start of a source line (a name of at most 3 words, not starting lower-case) assigns a
 *   speaker and is stripped. The speaker carries on to the following lines and paragraphs until the next prefix or
 *   heading. Speakers are matched case-insensitively; the first spelling seen is kept.
 * - Blank lines separate paragraphs; a new speaker turn also starts a paragraph. Single line breaks inside a
 *   paragraph are soft wraps (joined with a space, or nothing between CJK characters).
 */
import { isNoSpace, joinText } from './text.js';

export interface ScriptLine {
  text: string;
  speaker?: string;
  /** 0-based paragraph number; a change of number after a line means a longer pause after it. */
  paragraph: number;
}

export interface ChapterMarker {
  title: string;
  /** Index of the chapter's first line; equals `lines.length` for a heading with no text after it. */
  lineIndex: number;
}

export interface SplitScript {
  lines: ScriptLine[];
  chapters: ChapterMarker[];
  /** Distinct speakers in order of first appearance. */
  speakers: string[];
}

export interface SplitOptions {
  /**
   * `'turn'` (default): a paragraph / speaker turn is one line unless it exceeds `maxLineLength`, then it is cut at
   * sentence boundaries (sentences packed into as few lines as fit). `'sentence'`: one line per sentence.
   */
  split?: 'turn' | 'sentence';
  /** Longest line (UTF-16 code units) before a sentence is split at clause boundaries. Default 300. */
  maxLineLength?: number;
  /** Recognise `NAME:` speaker prefixes. Default true. */
  detectSpeakers?: boolean;
  /** Recognise headings as chapter markers. Default true. */
  detectHeadings?: boolean;
  /** Also keep each heading as a spoken line (its own paragraph). Default false. */
  speakHeadings?: boolean;
}

export const DEFAULT_MAX_LINE_LENGTH = 300;

// ---------------------------------------------------------------------------------------------------------------
// Source-line classification
// ---------------------------------------------------------------------------------------------------------------

const MD_HEADING_START = /^\s{0,3}#{1,6}[ \t]+/;
const NUMBER_WORD =
  '(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred)';
const WORD_HEADING = new RegExp(
  `^\\s*(?:(?:chapter|part|book|section|act|scene|episode)\\s+(?:\\d+|[ivxlcdm]+|${NUMBER_WORD}(?:[- ]${NUMBER_WORD})?)|prologue|epilogue|interlude|introduction|afterword)\\s*(?:[:.\\-–—]\\s*.*)?$`,
  'i',
);
const CJK_HEADING = /^\s*第[0-9０-９一二三四五六七八九十百千零〇两]+[章回节節部篇话話幕集卷]/;
const CJK_HEADING_STANDALONE = /^\s*(?:序章|序言|终章|終章|尾声|尾聲|后记|後記|前言)\s*$/;

/** A heading's title, or undefined when the source line is not a heading. */
export function headingTitle(line: string): string | undefined {
  // `# Title ##`: the closing run of # is dropped. Done by hand, not with one regular expression, which would
  // backtrack quadratically on a long heading line full of spaces.
  const md = MD_HEADING_START.exec(line);
  if (md) {
    const title = line.slice(md[0].length).trimEnd();
    let e = title.length;
    while (e > 0 && title[e - 1] === '#') e--;
    const closed = e < title.length && e > 0 && /[ \t]/.test(title[e - 1]) ? title.slice(0, e).trim() : '';
    const t = closed || title.trim();
    if (t) return t;
  }
  const t = line.trim();
  if (t.length > 120) return undefined;
  if (WORD_HEADING.test(t) && !/[.!?]$/.test(t.replace(/^\S+\s+\S+\./, ''))) return t;
  if (CJK_HEADING.test(t) && t.length <= 60) return t;
  if (CJK_HEADING_STANDALONE.test(t)) return t;
  return undefined;
}

const NAME_WORD = `[\\p{L}\\p{N}][\\p{L}\\p{N}\\p{M}'’.\\-]*`;
const SPEAKER = new RegExp(`^\\s*(${NAME_WORD}(?:[ \\t]+${NAME_WORD}){0,2})(?:[ \\t]*:(?=\\s|$)|[ \\t]*：)\\s*`, 'u');

/** `{ name, rest }` when the source line starts with a speaker prefix. */
export function speakerPrefix(line: string): { name: string; rest: string } | undefined {
  const m = SPEAKER.exec(line);
  if (!m) return undefined;
  const name = m[1];
  // Every word of a name starts upper-case (or uncased, as in CJK): "It is simple: …" is prose, not a speaker.
  if (name.split(/[ \t]+/).some((w) => /^\p{Ll}/u.test(w))) return undefined;
  if (/^\d+$/.test(name)) return undefined; // "3: …" is a list, not a speaker
  return { name, rest: line.slice(m[0].length) };
}

// ---------------------------------------------------------------------------------------------------------------
// Sentences
// ---------------------------------------------------------------------------------------------------------------

const CJK_TERMS = new Set(['。', '！', '？', '；', '｡', '．']);
const ELLIPSIS = new Set(['…', '‥']);
const ASCII_TERMS = new Set(['.', '!', '?']);
const CLOSERS = new Set([...`"'”’»›)]}）］｝」』】〕〉》〗〙〛＂＇`]);
const isTerm = (c: string) => CJK_TERMS.has(c) || ELLIPSIS.has(c) || ASCII_TERMS.has(c);

/** Never end a sentence. */
const ABBREV_NEVER = new Set([
  'mr',
  'mrs',
  'ms',
  'mx',
  'dr',
  'prof',
  'st',
  'sr',
  'jr',
  'rev',
  'hon',
  'gen',
  'col',
  'capt',
  'lt',
  'sgt',
  'mt',
  'vs',
  'v',
  'e.g',
  'i.e',
  'cf',
  'approx',
  'incl',
  'ca',
  'viz',
  'dept',
  'est',
  'fr',
  'messrs',
  'mme',
  'mlle',
]);
/** Not a sentence end before a number ("No. 5", "p. 12"). */
const ABBREV_NUMERIC = new Set([
  'no',
  'nos',
  'vol',
  'vols',
  'p',
  'pp',
  'fig',
  'figs',
  'ch',
  'art',
  'sec',
  'para',
  'eq',
]);
/** End a sentence only before a typical sentence start ("… in the U.S. The next day"). */
const ABBREV_CONDITIONAL = new Set(['etc', 'inc', 'ltd', 'co', 'corp', 'al', 'bros', 'jan', 'feb', 'aug', 'sept']);
const SENTENCE_STARTERS = new Set(
  'the a an this that these those it its he she we they i you there here but and so then however in on at for if when while after before as our my his her their what why how who where yes no now today'.split(
    ' ',
  ),
);

type Range = [number, number];

// Linear time on any input (a 5 MB line included): an address is only tried where a run of its characters starts
// (the look-behind), so a long run without "@" is scanned once, not once per position; a tag is at most
// MAX_TAG_LENGTH characters and holds no "[", so a line full of "[" is not rescanned from each one.
const MAX_TAG_LENGTH = 200;
const PROTECTED = new RegExp(
  String.raw`\b(?:https?|ftp):\/\/[^\s<>"]+|\bwww\.[^\s<>"]+|(?<![\p{L}\p{N}._%+-])[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+|\[[^[\]\n]{0,${MAX_TAG_LENGTH}}\]`,
  'gu',
);

/** Spans that must not be split: URLs, e-mail addresses, inline tags. */
function protectedRanges(s: string): Range[] {
  const out: Range[] = [];
  for (const m of s.matchAll(PROTECTED)) {
    let text = m[0];
    if (!text.startsWith('[')) text = text.replace(/[.,;:!?)\]'"”’]+$/, '');
    if (text.length) out.push([m.index, m.index + text.length]);
  }
  return out;
}

/** s[from..to) is empty or white space (stops at the first other character). */
function onlySpaceBetween(s: string, from: number, to: number): boolean {
  for (let k = to - 1; k >= from; k--) if (!/\s/.test(s[k])) return false;
  return true;
}

function wordBefore(s: string, i: number): string {
  let w = i;
  while (w > 0 && /[\p{L}\p{N}.']/u.test(s[w - 1])) w--;
  return s.slice(w, i);
}

function nextWord(s: string, k: number): string {
  const m = /^[\p{L}\p{N}']+/u.exec(s.slice(k, k + 40));
  return m ? m[0] : '';
}

/**
 * Is the run of terminators s[i..termEnd) followed by closers up to j a sentence boundary? `sentenceStart` is where
 * the current sentence began (to recognise "1." list markers).
 */
function isBoundary(s: string, i: number, termEnd: number, j: number, sentenceStart: number): boolean {
  if (j >= s.length) return true;
  const terms = s.slice(i, termEnd);
  const prev = s[i - 1];
  const next = s[j];
  const closedByCjkQuote = j > termEnd && /[」』]/.test(s[j - 1]);
  if ([...terms].some((c) => CJK_TERMS.has(c))) {
    if (terms === '．' && /[0-9０-９]/.test(prev ?? '') && /[0-9０-９]/.test(next)) return false; // ３．１４
    if (closedByCjkQuote && /\p{Script=Hiragana}/u.test(next)) return false; // 「すごい！」と言った
    return true;
  }
  // Latin terminators or ellipsis: in CJK running text no space follows.
  if (isNoSpace(prev) && isNoSpace(next)) return !(closedByCjkQuote && /\p{Script=Hiragana}/u.test(next));
  if (!/\s/.test(next)) return false; // 3.14, e.g.x, example.com, "Hi!she"
  let k = j;
  while (k < s.length && /\s/.test(s[k])) k++;
  if (k >= s.length) return true;
  const after = s[k];
  if (/\p{Ll}/u.test(after)) return false; // "approx. three", "“Hi!” she said"
  if (terms !== '.') return true;
  const word = wordBefore(s, i);
  const lc = word.toLowerCase();
  if (ABBREV_NEVER.has(lc)) return false;
  if (ABBREV_NUMERIC.has(lc) && /\p{N}/u.test(after)) return false;
  if (/^\d+$/.test(word) && onlySpaceBetween(s, sentenceStart, i - word.length)) return false; // "1. First"
  if (/^\p{Lu}$/u.test(word) && word !== 'I') return false; // initials: J. R. R. Tolkien
  if (ABBREV_CONDITIONAL.has(lc) || /^(?:\p{L}\.)+\p{L}$/u.test(word)) {
    return SENTENCE_STARTERS.has(nextWord(s, k).toLowerCase());
  }
  return true;
}

/** Split running text (one paragraph) into sentences. Sentences are trimmed; empty ones are dropped. */
export function splitSentences(s: string): string[] {
  return [...sentencesOf(s)];
}

/** The sentences of `s`, one at a time (so a caller can pause between them). */
function* sentencesOf(s: string): Generator<string> {
  const ranges = protectedRanges(s);
  let start = 0;
  let r = 0;
  for (let i = 0; i < s.length; i++) {
    while (r < ranges.length && ranges[r][1] <= i) r++;
    if (r < ranges.length && ranges[r][0] <= i) {
      i = ranges[r][1] - 1;
      continue;
    }
    if (!isTerm(s[i])) continue;
    let termEnd = i + 1;
    while (termEnd < s.length && isTerm(s[termEnd])) termEnd++;
    let j = termEnd;
    while (j < s.length && CLOSERS.has(s[j])) j++;
    if (isBoundary(s, i, termEnd, j, start)) {
      const sentence = s.slice(start, j).trim();
      if (sentence) yield sentence;
      start = j;
    }
    i = j - 1;
  }
  const rest = s.slice(start).trim();
  if (rest) yield rest;
}

// ---------------------------------------------------------------------------------------------------------------
// Long sentences
// ---------------------------------------------------------------------------------------------------------------

/**
 * Where a long sentence may be cut, best class first: after ; then after , : — then at spaces, then between CJK.
 * `lo` is where the current piece starts (nothing before it counts).
 */
function cutClass(s: string, pos: number, lo = 0): number {
  const before = pos - 1 >= lo ? s[pos - 1] : undefined;
  const after = s[pos];
  if (before === undefined || after === undefined) return 0;
  if (/[;；]/.test(before)) return 4;
  if (/[,，、:：—–]/.test(before)) {
    if (before === ',' && pos - 2 >= lo && /\d/.test(s[pos - 2]) && /\d/.test(after)) return 0; // 1,000
    return 3;
  }
  if (/\s/.test(after) && !/\s/.test(before)) return 2;
  if (isNoSpace(before) && isNoSpace(after) && !CLOSERS.has(after)) return 1;
  return 0;
}

const isSpace = (c: string | undefined) => c !== undefined && /\s/.test(c);
/** Code units that continue the character before them: never cut in front of one. */
const CONTINUES =
  /^(?:\p{M}|[\u200c\u200d]|\ufe0e|\ufe0f|[\udc00-\udfff]|[\u{1f3fb}-\u{1f3ff}]|[\u{e0020}-\u{e007f}])/u;

/**
 * Split a sentence longer than `max` into pieces of at most `max` (unless a single URL or tag is longer). Linear in
 * the sentence's length: the protected spans are found once and each piece only looks at its own `max` characters.
 */
export function splitLongSentence(sentence: string, max: number): string[] {
  return [...longSentencePieces(sentence, max)];
}

function* longSentencePieces(sentence: string, max: number): Generator<string> {
  const s = sentence;
  const ranges = protectedRanges(s);
  let r = 0; // first protected range that ends after `start`
  let start = 0;
  let end = s.length;
  while (start < end && isSpace(s[start])) start++;
  while (end > start && isSpace(s[end - 1])) end--;
  const blocked = new Uint8Array(max + 1);
  while (end - start > max) {
    while (r < ranges.length && ranges[r][1] <= start) r++;
    // Positions strictly inside a protected span may not be cut (window-relative).
    blocked.fill(0);
    let hit: Range | undefined;
    for (let k = r; k < ranges.length && ranges[k][0] < start + max; k++) {
      const [a, b] = ranges[k];
      for (let p = Math.max(a + 1, start + 1); p < Math.min(b, start + max + 1); p++) blocked[p - start] = 1;
      if (start + max > a && start + max < b) hit = ranges[k];
    }
    const min = Math.floor(max * 0.4);
    let best = -1;
    let bestClass = 0;
    for (let p = max; p >= 1; p--) {
      const c = cutClass(s, start + p, start);
      if (c === 0 || blocked[p]) continue;
      // A better class wins if it still leaves a reasonable first piece; else the latest cut of the best class.
      if (c > bestClass && (p >= min || best < 0)) {
        best = p;
        bestClass = c;
      }
    }
    let cut: number;
    if (best >= 0) cut = start + best;
    else {
      cut = hit ? (hit[0] > start ? hit[0] : hit[1]) : start + max;
      // Never cut a surrogate pair, a combining mark, a variation selector or a ZWJ sequence.
      if (!hit) {
        let c = cut;
        while (c > start + 1 && (CONTINUES.test(s.slice(c, c + 2)) || s[c - 1] === '\u200d')) c--;
        if (c > start + 1) cut = c;
      }
    }
    const piece = s.slice(start, cut).trim();
    if (piece) yield piece;
    start = cut;
    while (start < end && isSpace(s[start])) start++;
  }
  const rest = s.slice(start, end);
  if (rest) yield rest;
}

// ---------------------------------------------------------------------------------------------------------------
// The splitter
// ---------------------------------------------------------------------------------------------------------------

export function splitScript(input: string, options: SplitOptions = {}): SplitScript {
  const steps = splitScriptSteps(input, options);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/**
 * The splitter as a generator: it yields the number of lines made so far after every line (and every source line),
 * so a caller on a busy thread can pause between steps and stop early once there are too many lines. The work per
 * step is bounded by the longest sentence piece, and the whole run is linear in the input's length.
 */
export function* splitScriptSteps(input: string, options: SplitOptions = {}): Generator<number, SplitScript> {
  const max = Math.max(20, options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH);
  const detectSpeakers = options.detectSpeakers ?? true;
  const detectHeadings = options.detectHeadings ?? true;
  const bySentence = options.split === 'sentence';
  const lines: ScriptLine[] = [];
  const chapters: ChapterMarker[] = [];
  const speakers: string[] = [];
  const speakerKeys = new Map<string, string>();
  let paragraph = 0;
  let buffer = '';
  let speaker: string | undefined;

  function* flush(): Generator<number> {
    if (buffer.trim() === '') {
      buffer = '';
      return;
    }
    const push = (text: string) =>
      lines.push(speaker === undefined ? { text, paragraph } : { text, speaker, paragraph });
    // Sentences packed into the line being built (turn mode); never longer than `max`, so each step stays bounded.
    let packed = '';
    for (const sentence of sentencesOf(buffer)) {
      if (sentence.length > max) {
        if (packed) yield push(packed);
        packed = '';
        for (const text of longSentencePieces(sentence, max)) yield push(text);
        continue;
      }
      if (bySentence) {
        yield push(sentence);
        continue;
      }
      const joined = packed ? joinText(packed, sentence) : sentence;
      if (joined.length <= max) packed = joined;
      else {
        yield push(packed);
        packed = sentence;
      }
    }
    if (packed) yield push(packed);
    buffer = '';
    paragraph++;
  }

  const source = input.replace(/^\ufeff/, '').split(/\r\n|\r|\n|\u2028|\u2029/);
  for (const raw of source) {
    if (raw.trim() === '') {
      yield* flush();
      continue;
    }
    const title = detectHeadings ? headingTitle(raw) : undefined;
    if (title !== undefined) {
      yield* flush();
      speaker = undefined;
      chapters.push({ title, lineIndex: lines.length });
      if (options.speakHeadings) {
        buffer = title;
        const before = lines.length;
        yield* flush();
        // A heading is one line even if it contains a full stop ("Chapter 3. The Storm").
        if (lines.length - before > 1)
          lines.splice(before, lines.length - before, { text: title, paragraph: paragraph - 1 });
      }
      continue;
    }
    let text = raw.trim();
    const prefix = detectSpeakers ? speakerPrefix(raw) : undefined;
    if (prefix) {
      yield* flush();
      const key = prefix.name.toLocaleLowerCase();
      let name = speakerKeys.get(key);
      if (name === undefined) {
        name = prefix.name;
        speakerKeys.set(key, name);
        speakers.push(name);
      }
      speaker = name;
      text = prefix.rest.trim();
    }
    buffer = joinText(buffer, text);
    yield lines.length;
  }
  yield* flush();
  return { lines, chapters, speakers };
}
