/**
 * Word-timed subtitles: readable cues built from word timings (take QC's alignment of each take), and word-level
 * WebVTT. Process-neutral and pure.
 *
 * Cue rules (the usual broadcast/streaming guidance, e.g. BBC and Netflix timed-text style guides):
 * - at most MAX_LINE_CHARS characters a line and MAX_CUE_LINES lines a cue;
 * - MIN_CUE_SECONDS to MAX_CUE_SECONDS on screen, at most MAX_CPS characters a second (a cue stays up longer
 *   when the next one leaves room, never overlapping it);
 * - a cue does not end mid-phrase when it can be avoided: breaks after sentence punctuation are free, after a
 *   comma, colon, semicolon or dash cheap, elsewhere costly, and a sentence ending inside a cue costs too; among
 *   the layouts that keep the limits, the cheapest is chosen (dynamic programming over each script line's words);
 * - a cue never spans two script lines (two speakers never share a cue).
 */
import { formatTimestamp, wrapText, type Cue } from './subtitles.js';

export const MAX_LINE_CHARS = 42;
export const MAX_CUE_LINES = 2;
export const MIN_CUE_SECONDS = 1;
export const MAX_CUE_SECONDS = 7;
export const MAX_CPS = 17;

/** A word as displayed (with its punctuation), with its time in seconds. */
export interface TimedWord {
  text: string;
  start: number;
  end: number;
}

/** A cue with the words it shows (for word-level WebVTT). */
export interface WordCue extends Cue {
  words: TimedWord[];
}

/** An aligned word as take QC stores it: the written word (punctuation trimmed) and its times, null when not heard. */
export interface AlignedTime {
  word: string;
  start: number | null;
  end: number | null;
}

const hasWordChars = (t: string) => /[\p{L}\p{N}]/u.test(t) || t === '&';

/**
 * The display words of `text` with times: from the aligned words (times relative to the take, shifted by
 * `offset`) when they match the text word for word, else spread over [start, end] in proportion to their length.
 * Words the aligner did not hear get times between their neighbours'.
 */
export function timeWords(
  text: string,
  aligned: readonly AlignedTime[] | null,
  span: { start: number; end: number; offset: number },
): TimedWord[] {
  // Punctuation standing alone ("—", "…") stays with the word before it.
  const tokens: string[] = [];
  for (const t of text.split(/\s+/).filter(Boolean)) {
    if (!hasWordChars(t) && tokens.length) tokens[tokens.length - 1] += ` ${t}`;
    else tokens.push(t);
  }
  if (!tokens.length) return [];
  if (aligned && aligned.length === tokens.length && aligned.some((a) => a.start !== null)) {
    const starts = fill(
      aligned.map((a) => (a.start === null ? null : a.start + span.offset)),
      span.start,
    );
    const ends = fill(
      aligned.map((a) => (a.end === null ? null : a.end + span.offset)),
      span.start,
    );
    return tokens.map((text, i) => ({
      text,
      start: Math.max(span.start, Math.min(starts[i], span.end)),
      end: Math.max(span.start, Math.min(Math.max(ends[i], starts[i]), span.end)),
    }));
  }
  const weights = tokens.map((t) => [...t].length + 1);
  const total = weights.reduce((a, b) => a + b, 0);
  const dur = Math.max(0, span.end - span.start);
  let acc = 0;
  return tokens.map((text, i) => {
    const start = span.start + (dur * acc) / total;
    acc += weights[i];
    return { text, start, end: span.start + (dur * acc) / total };
  });
}

/** Fill nulls by linear interpolation between known neighbours (or the nearest one at either end). */
function fill(xs: (number | null)[], fallback: number): number[] {
  const out = xs.slice();
  const known = out.flatMap((x, i) => (x === null ? [] : [i]));
  if (!known.length) return out.map(() => fallback);
  for (let i = 0; i < out.length; i++) {
    if (out[i] !== null) continue;
    const before = known.filter((k) => k < i).pop();
    const after = known.find((k) => k > i);
    if (before === undefined) out[i] = out[after!]!;
    else if (after === undefined) out[i] = out[before]!;
    else out[i] = out[before]! + ((out[after]! - out[before]!) * (i - before)) / (after - before);
  }
  return out as number[];
}

const SENTENCE_END = /[.!?…。！？]["'’”»)\]]*$/u;
const CLAUSE_END = /[,;:—–\-،、，；：]["'’”»)\]]*$/u;

/** Cost of ending a cue after this word (the line's last word is always a free break). */
function breakCost(word: string, last: boolean): number {
  if (last || SENTENCE_END.test(word)) return 0;
  if (CLAUSE_END.test(word)) return 0.5;
  return 3;
}

/** Whether the words fit one cue's layout (≤ MAX_CUE_LINES lines of ≤ MAX_LINE_CHARS). */
function fits(words: readonly TimedWord[]): boolean {
  return wrapText(words.map((w) => w.text).join(' '), MAX_LINE_CHARS).length <= MAX_CUE_LINES;
}

/** Split one script line's words into cues (dynamic programming over break points). */
function splitLine(words: readonly TimedWord[]): TimedWord[][] {
  const n = words.length;
  const best = new Array<number>(n + 1).fill(Infinity);
  const from = new Array<number>(n + 1).fill(-1);
  best[0] = 0;
  for (let j = 1; j <= n; j++) {
    // Cues of words i..j-1; a cue that does not fit stops the search (longer ones fit even less).
    for (let i = j - 1; i >= 0; i--) {
      const cue = words.slice(i, j);
      if (j - i > 1 && !fits(cue)) break;
      const dur = cue[cue.length - 1].end - cue[0].start;
      if (j - i > 1 && dur > MAX_CUE_SECONDS) break;
      const chars = cue.reduce((s, w) => s + [...w.text].length, 0) + cue.length - 1;
      const fast = Math.max(0, chars / Math.max(dur, MIN_CUE_SECONDS) - MAX_CPS) / MAX_CPS;
      const short = dur < MIN_CUE_SECONDS ? (MIN_CUE_SECONDS - dur) * 2 : 0;
      // A sentence ending inside a cue (the next one starting on its second half) reads badly.
      let inner = 0;
      for (let k = 0; k < cue.length - 1; k++) if (SENTENCE_END.test(cue[k].text)) inner++;
      // 1 per cue keeps cues full; the break, reading-speed and too-short costs shape them.
      const cost = best[i] + 1 + breakCost(cue[cue.length - 1].text, j === n) + inner * 1.5 + fast * 4 + short;
      if (cost < best[j]) {
        best[j] = cost;
        from[j] = i;
      }
    }
  }
  const cues: TimedWord[][] = [];
  for (let j = n; j > 0; j = from[j]) cues.unshift(words.slice(from[j], j));
  return cues;
}

/**
 * Cues for a sequence of script lines (in time order). Each cue shows from its first word's start; it stays at
 * least MIN_CUE_SECONDS and long enough to read at MAX_CPS when the next cue leaves room, never past its start,
 * and at most MAX_CUE_SECONDS (or its own speech, if longer).
 */
export function wordCues(lines: readonly { words: readonly TimedWord[]; speaker?: string }[]): WordCue[] {
  const out: WordCue[] = [];
  for (const line of lines) {
    if (!line.words.length) continue;
    for (const ws of splitLine(line.words)) {
      const text = wrapText(ws.map((w) => w.text).join(' '), MAX_LINE_CHARS).join('\n');
      const cue: WordCue = { start: ws[0].start, end: ws[ws.length - 1].end, text, words: ws };
      if (line.speaker) cue.speaker = line.speaker;
      out.push(cue);
    }
  }
  for (let i = 0; i < out.length; i++) {
    const c = out[i];
    const next = i + 1 < out.length ? out[i + 1].start : Infinity;
    const chars = [...c.text.replace(/\n/g, ' ')].length;
    const want = Math.max(c.end, c.start + MIN_CUE_SECONDS, c.start + chars / MAX_CPS);
    const cap = Math.max(c.end, c.start + MAX_CUE_SECONDS);
    c.end = Math.max(c.start, Math.min(want, cap, next));
    if (i > 0 && out[i - 1].end > c.start) out[i - 1].end = c.start;
  }
  // Millisecond times (what SRT/VTT can say), never overlapping after rounding.
  for (const c of out) {
    c.start = Math.round(c.start * 1000) / 1000;
    c.end = Math.max(c.start, Math.round(c.end * 1000) / 1000);
  }
  return out;
}

const escapeVtt = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const vttTime = (seconds: number) => formatTimestamp(seconds, '.');

/**
 * Word-level WebVTT ("karaoke" timestamps): each cue as usual, with a `<hh:mm:ss.mmm>` timestamp tag before every
 * word after the first, so players that support it (and captioned-clip tools) highlight each word as it is said.
 */
export function writeWordVtt(cues: readonly WordCue[]): string {
  const body = cues.map((c) => {
    const voice = c.speaker ? `<v ${escapeVtt(c.speaker)}>` : '';
    // Tokens as written, each word's first token carrying its timestamp (not the cue's first word).
    const tokens: string[] = [];
    c.words.forEach((w, i) => {
      const stamp = i > 0 ? `<${vttTime(Math.min(Math.max(w.start, c.start), c.end))}>` : '';
      w.text
        .split(/\s+/)
        .filter(Boolean)
        .forEach((t, k) => tokens.push(`${k === 0 ? stamp : ''}${escapeVtt(t)}`));
    });
    // Keep the cue's line breaks where they fall between tokens (always, for space-separated scripts).
    const perLine = c.text.split('\n').map((l) => l.split(' ').filter(Boolean).length);
    let text = tokens.join(' ');
    if (perLine.reduce((a, b) => a + b, 0) === tokens.length) {
      let k = 0;
      text = perLine.map((n) => tokens.slice(k, (k += n)).join(' ')).join('\n');
    }
    return `${vttTime(c.start)} --> ${vttTime(c.end)}\n${voice}${text}\n`;
  });
  return `WEBVTT\n\n${body.join('\n')}`;
}
