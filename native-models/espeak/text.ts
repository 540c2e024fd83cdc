/**
 * Text preparation for eSpeak NG: clean the input, refuse text it cannot speak, and split it into sentences so
 * that audio streams (and cancellation is checked) sentence by sentence.
 */
import { EngineError } from '../engine.js';

/** Sentences longer than this are cut at a clause boundary or space so that no single run takes too long. */
export const MAX_SENTENCE_CHARS = 400;

const WESTERN_TERMINATORS = new Set(['.', '!', '?', '…', '‼', '⁇', '⁈', '⁉']);
/** CJK sentence ends: a sentence ends here even with no space after (CJK text has none). */
const CJK_TERMINATORS = new Set(['。', '！', '？', '．', '｡']);
/** Closing quotes and brackets that belong to the sentence they follow. */
const CLOSERS = new Set(['"', "'", '”', '’', '»', '›', ')', ']', '}', '」', '』', '）', '］', '】', '〉', '》', '〕']);
/** Words whose trailing period does not end a sentence. */
const ABBREVIATIONS = new Set(['mr', 'mrs', 'ms', 'dr', 'prof', 'st', 'jr', 'sr', 'vs', 'e.g', 'i.e', 'cf']);

const HAS_WORD = /[\p{L}\p{N}]/u;

/** Normalise line breaks and whitespace controls, then drop every other control character and lone surrogate. */
export function cleanText(text: string): string {
  return text
    .replace(/\r\n?|[\u0085\u2028\u2029]/g, '\n')
    .replace(/[\t\v\f]/g, ' ')
    .replace(/[^\P{Cc}\n]|\p{Cs}/gu, '');
}

/**
 * Clean `text` and split it into the sentences to speak. Throws EngineError('UNSUPPORTED_TEXT') for empty text
 * and for text without a single letter or digit (emoji, symbols or punctuation only).
 */
export function prepareText(text: string): string[] {
  const cleaned = cleanText(text);
  if (cleaned.replace(/[\s\p{Cf}]/gu, '') === '') {
    throw new EngineError('UNSUPPORTED_TEXT', 'This line is empty: type something to speak.');
  }
  if (!HAS_WORD.test(cleaned)) {
    throw new EngineError(
      'UNSUPPORTED_TEXT',
      'eSpeak NG cannot speak this line: it has only emoji, symbols or punctuation, and no words or numbers.',
    );
  }
  return splitSentences(cleaned)
    .filter((s) => HAS_WORD.test(s))
    .flatMap(splitLong);
}

/**
 * Split at sentence ends: `. ! ? …` followed by whitespace or the end (so `3.14` and `U.S.A` stay whole; common
 * abbreviations such as `Mr.`, single initials and a `.` before a lower-case word do not split), CJK `。！？`
 * anywhere, and line breaks.
 * A run of terminators (`?!`, `...`) and closing quotes or brackets stay with their sentence.
 */
export function splitSentences(text: string): string[] {
  const out: string[] = [];
  const push = (s: string) => {
    const t = s.trim();
    if (t) out.push(t);
  };
  let start = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i];
    if (c === '\n') {
      push(text.slice(start, i));
      start = i = i + 1;
      continue;
    }
    if (!WESTERN_TERMINATORS.has(c) && !CJK_TERMINATORS.has(c)) {
      i++;
      continue;
    }
    let j = i;
    let cjk = false;
    while (j < n && (WESTERN_TERMINATORS.has(text[j]) || CJK_TERMINATORS.has(text[j]))) {
      if (CJK_TERMINATORS.has(text[j])) cjk = true;
      j++;
    }
    while (j < n && CLOSERS.has(text[j])) j++;
    const atBoundary = cjk || j >= n || /\s/.test(text[j]);
    const notAnEnd = c === '.' && j === i + 1 && (isAbbreviation(text.slice(start, i)) || lowercaseFollows(text, j));
    if (atBoundary && !notAnEnd) {
      push(text.slice(start, j));
      start = j;
    }
    i = j;
  }
  push(text.slice(start));
  return out;
}

/** A lone `.` followed by a lower-case word ends an abbreviation (`U.K. for`, `approx. five`), not a sentence. */
function lowercaseFollows(text: string, from: number): boolean {
  return /^\s*\p{Ll}/u.test(text.slice(from, from + 8));
}

function isAbbreviation(before: string): boolean {
  const word = /(\S+)$/.exec(before)?.[1] ?? '';
  if (/^\p{Lu}$/u.test(word)) return true; // an initial: "J. R. R. Tolkien"
  return ABBREVIATIONS.has(word.toLowerCase());
}

/** Cut an over-long sentence at the last clause mark, else the last space, else anywhere, before the limit. */
export function splitLong(sentence: string): string[] {
  const parts: string[] = [];
  let rest = sentence;
  while (rest.length > MAX_SENTENCE_CHARS) {
    const window = rest.slice(0, MAX_SENTENCE_CHARS);
    const min = MAX_SENTENCE_CHARS / 2;
    let cut = lastIndexOfAny(window, /[,;:，、；：—–]/g, min);
    if (cut < 0) cut = lastIndexOfAny(window, /\s/g, min);
    if (cut < 0) {
      cut = MAX_SENTENCE_CHARS;
      if (/[\uDC00-\uDFFF]/.test(rest[cut])) cut--; // never split a surrogate pair
    }
    const head = rest.slice(0, cut).trim();
    if (head) parts.push(head);
    rest = rest.slice(cut).trim();
  }
  if (rest) parts.push(rest);
  return parts;
}

/** Index just after the last match of `re` in `s` that lies at or after `min`, or -1. */
function lastIndexOfAny(s: string, re: RegExp, min: number): number {
  let found = -1;
  for (const m of s.matchAll(re)) if (m.index >= min) found = m.index + m[0].length;
  return found;
}
