/**
 * Text normalisation for alignment: the words a person says when reading `text` aloud, each tied to the written
 * word it comes from (so results are shown against what the user typed).
 *
 * - case folded, punctuation dropped, curly apostrophes straightened, hyphens and slashes split words;
 * - English numbers become words: cardinals ("42" → forty two), ordinals ("21st" → twenty first), decimals
 *   ("3.5" → three point five), four-digit years read in pairs ("1961" → nineteen sixty one), ISO dates
 *   ("2026-12-05" → december fifth twenty twenty six), a day after a month name as an ordinal ("December 5" →
 *   december fifth), "%" → percent, "&" → and;
 * - anything else (other scripts, symbols) is kept as a lower-case token for the letter-to-sound step.
 */

import {
  cardinal as cardinalText,
  MONTH_NAMES,
  ONES,
  ordinal as ordinalText,
  splitWords,
  year as yearText,
} from '../common/english-numbers.js';

export interface SpokenToken {
  /** The spoken word, lower case (what the dictionary is looked up with). */
  spoken: string;
  /** Index of the written word in `NormalisedText.written` it was read from. */
  from: number;
}

export interface NormalisedText {
  /** The written words as typed (punctuation trimmed), for display. */
  written: string[];
  tokens: SpokenToken[];
}

/** Bounds: longer input is refused before any work (each token costs decoder states and memory). */
export const MAX_ALIGN_TEXT_CHARS = 5000;
export const MAX_ALIGN_WORDS = 400;

const MONTHS: string[] = MONTH_NAMES.map((m) => m.toLowerCase());

function inRange(n: number): number {
  if (!Number.isInteger(n) || n < 0 || n >= 1e12) throw new RangeError(`cardinal: ${n}`);
  return n;
}

/** A non-negative integer below 10^12 as English words, one token per word. */
export function cardinal(n: number): string[] {
  return splitWords(cardinalText(inRange(n)));
}

export function ordinal(n: number): string[] {
  return splitWords(ordinalText(inRange(n)));
}

/**
 * A year as people read it: 1961 → nineteen sixty one, 2005 → two thousand five, 2026 → twenty twenty six. The
 * aligner reads only 1100–2999 in pairs; other four-digit numbers as cardinals (Pocket TTS's normaliser reads
 * most of 1000–9999 in pairs: "ten sixty-six").
 */
export function year(n: number): string[] {
  return n < 1100 || n > 2999 ? cardinal(n) : splitWords(yearText(n));
}

function numberWords(raw: string): string[] | null {
  const iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(raw);
  if (iso) {
    const m = Number(iso[2]);
    const d = Number(iso[3]);
    if (m >= 1 && m <= 12 && d >= 1 && d <= 31) return [MONTHS[m - 1], ...ordinal(d), ...year(Number(iso[1]))];
  }
  const ord = /^(\d{1,9})(st|nd|rd|th)$/.exec(raw);
  if (ord) return ordinal(Number(ord[1]));
  const pct = /^(\d[\d,.]*)%$/.exec(raw);
  if (pct) {
    const w = numberWords(pct[1]);
    return w ? [...w, 'percent'] : null;
  }
  if (/^\d{1,3}(,\d{3})+$/.test(raw)) return cardinal(Number(raw.replace(/,/g, '')));
  const dec = /^(\d{1,12})\.(\d{1,6})$/.exec(raw);
  if (dec) return [...cardinal(Number(dec[1])), 'point', ...[...dec[2]].map((c) => ONES[Number(c)])];
  if (/^\d{4}$/.test(raw)) return year(Number(raw));
  if (/^\d{1,11}$/.test(raw)) return cardinal(Number(raw));
  if (/^\d{12,}$/.test(raw)) return [...raw].map((c) => ONES[Number(c)]);
  return null;
}

/**
 * Split `text` into written words and the spoken tokens read from them. Throws RangeError past the bounds above
 * (callers turn it into a plain message).
 */
export function normaliseForAlignment(text: string, lang: string): NormalisedText {
  if (text.length > MAX_ALIGN_TEXT_CHARS)
    throw new RangeError(`The text is too long to align (${text.length} characters; at most ${MAX_ALIGN_TEXT_CHARS}).`);
  const english = lang.startsWith('en');
  const written: string[] = [];
  const tokens: SpokenToken[] = [];
  const cleaned = text.normalize('NFKC').replace(/[’‘ʼ]/g, "'");
  for (const m of cleaned.matchAll(/\S+/gu)) {
    const word = m[0].replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}%]+$/gu, '');
    if (!word) {
      if (m[0] === '&') {
        written.push('&');
        tokens.push({ spoken: english ? 'and' : 'et', from: written.length - 1 });
      }
      continue;
    }
    written.push(word);
    const from = written.length - 1;
    const lower = word.toLowerCase();
    // "December 5" is read "december fifth".
    const afterMonth = english && from > 0 && MONTHS.includes(written[from - 1].toLowerCase());
    const day = afterMonth && /^\d{1,2}$/.test(lower) && Number(lower) >= 1 && Number(lower) <= 31;
    const num = english ? (day ? ordinal(Number(lower)) : numberWords(lower)) : null;
    if (num) {
      for (const w of num) tokens.push({ spoken: w, from });
      continue;
    }
    // Hyphens, slashes and other joiners split a written word into spoken ones; apostrophes stay ("there's").
    for (const part of lower.split(/[^\p{L}\p{N}'\p{M}]+/u)) {
      const p = part.replace(/^'+|'+$/g, '');
      if (!p) continue;
      const sub = english && /^\d+$/.test(p) ? numberWords(p) : null;
      if (sub) for (const w of sub) tokens.push({ spoken: w, from });
      else tokens.push({ spoken: p, from });
    }
  }
  if (tokens.length > MAX_ALIGN_WORDS)
    throw new RangeError(
      `The text is too long to align (${tokens.length} spoken words; at most ${MAX_ALIGN_WORDS}). Split it into shorter parts.`,
    );
  return { written, tokens };
}

/** The words a reader says for `text`, joined by spaces ("5 cats" → "five cats"): what a transcript is compared with. */
export function spokenText(text: string, lang: string): string {
  return normaliseForAlignment(text, lang)
    .tokens.map((t) => t.spoken)
    .join(' ');
}
