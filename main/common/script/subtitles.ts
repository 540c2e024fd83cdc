/**
 * SRT and WebVTT: writers for exported episodes and parsers for imported scripts. Process-neutral.
 *
 * Writers wrap text at `maxLineWidth` columns (default 42; East Asian wide characters count 2) with at most
 * `maxLines` lines per cue (default 2); a longer text becomes several consecutive cues whose times are split in
 * proportion to their text length. A cue whose text already has line breaks that fit is written as it is, so
 * parse(write(cues)) gives the cues back (times at millisecond precision).
 */
import { displayWidth, isNoSpace } from './text.js';

export interface Cue {
  /** Seconds. */
  start: number;
  end: number;
  /** Cue text; line breaks inside a cue are `\n`. */
  text: string;
  /** WebVTT voice (`<v Name>`); not written to SRT. */
  speaker?: string;
}

export interface SubtitleOptions {
  maxLineWidth?: number;
  maxLines?: number;
  /** Default '\n'. */
  lineEnding?: '\n' | '\r\n';
}

// ---------------------------------------------------------------------------------------------------------------
// Times
// ---------------------------------------------------------------------------------------------------------------

/** `HH:MM:SS,mmm` (SRT, sep ',') or `HH:MM:SS.mmm` (WebVTT, sep '.'); hours grow past 99 if needed. */
export function formatTimestamp(seconds: number, sep: ',' | '.'): string {
  if (!Number.isFinite(seconds) || seconds < 0) throw new RangeError(`Invalid subtitle time: ${seconds}`);
  const total = Math.round(seconds * 1000);
  const ms = total % 1000;
  const s = Math.floor(total / 1000) % 60;
  const m = Math.floor(total / 60_000) % 60;
  const h = Math.floor(total / 3_600_000);
  const p = (n: number, w: number) => String(n).padStart(w, '0');
  return `${p(h, 2)}:${p(m, 2)}:${p(s, 2)}${sep}${p(ms, 3)}`;
}

const TIME = /^(?:(\d+):)?([0-5]?\d):([0-5]\d)[,.](\d{1,3})$/;

/** Seconds from `HH:MM:SS,mmm`, `HH:MM:SS.mmm` or `MM:SS.mmm`; undefined if malformed. */
export function parseTimestamp(s: string): number | undefined {
  const m = TIME.exec(s.trim());
  if (!m) return undefined;
  const ms = Number(m[4].padEnd(3, '0'));
  return (Number(m[1] ?? 0) * 3_600_000 + Number(m[2]) * 60_000 + Number(m[3]) * 1000 + ms) / 1000;
}

// ---------------------------------------------------------------------------------------------------------------
// Layout
// ---------------------------------------------------------------------------------------------------------------

interface Token {
  text: string;
  /** A space goes before it when it follows another token on the same line. */
  space: boolean;
}

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  for (const word of text.split(/\s+/).filter(Boolean)) {
    // CJK runs can break between any two characters; keep punctuation with the character before it.
    let first = true;
    let cur = '';
    for (const ch of word) {
      if (cur && (isNoSpace(ch) || isNoSpace(cur[cur.length - 1])) && !/^[\p{P}]$/u.test(ch)) {
        out.push({ text: cur, space: first });
        first = false;
        cur = '';
      }
      cur += ch;
    }
    if (cur) out.push({ text: cur, space: first });
  }
  return out;
}

/** Greedy wrap into lines of at most `width` columns; a token wider than a line is cut. */
export function wrapText(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const tok of tokenize(text)) {
    let t = tok.text;
    const sep = line && tok.space ? ' ' : '';
    if (line && displayWidth(line + sep + t) <= width) {
      line += sep + t;
      continue;
    }
    if (line) lines.push(line);
    line = '';
    while (displayWidth(t) > width) {
      let cut = '';
      for (const ch of t) {
        if (displayWidth(cut + ch) > width) break;
        cut += ch;
      }
      lines.push(cut);
      t = t.slice(cut.length);
    }
    line = t;
  }
  if (line) lines.push(line);
  return lines;
}

/** Cues ready to write: text wrapped, long ones split into consecutive cues with times proportional to length. */
export function layoutCues(cues: readonly Cue[], options: SubtitleOptions = {}): Cue[] {
  const width = options.maxLineWidth ?? 42;
  const maxLines = options.maxLines ?? 2;
  const out: Cue[] = [];
  for (const cue of cues) {
    if (!(Number.isFinite(cue.start) && Number.isFinite(cue.end) && cue.start >= 0 && cue.end >= cue.start))
      throw new RangeError(`Invalid cue times ${cue.start}–${cue.end} for "${cue.text.slice(0, 40)}"`);
    // Every line break a parser recognises (a lone \r too), so what is written reads back as the same lines.
    const existing = cue.text
      .split(/\r\n|\r|\n/)
      .map((l) => l.trim())
      .filter(Boolean);
    if (existing.length === 0) continue;
    if (existing.length <= maxLines && existing.every((l) => displayWidth(l) <= width)) {
      out.push({ ...cue, text: existing.join('\n') });
      continue;
    }
    const lines = wrapText(existing.join(' '), width);
    const groups: string[][] = [];
    for (let i = 0; i < lines.length; i += maxLines) groups.push(lines.slice(i, i + maxLines));
    const weights = groups.map((g) => g.reduce((n, l) => n + displayWidth(l), 0));
    const total = weights.reduce((a, b) => a + b, 0);
    const startMs = Math.round(cue.start * 1000);
    const spanMs = Math.round(cue.end * 1000) - startMs;
    let acc = 0;
    let prev = startMs;
    groups.forEach((g, i) => {
      acc += weights[i];
      const end = i === groups.length - 1 ? startMs + spanMs : startMs + Math.round((spanMs * acc) / total);
      out.push({ ...cue, start: prev / 1000, end: end / 1000, text: g.join('\n') });
      prev = end;
    });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Writers
// ---------------------------------------------------------------------------------------------------------------

export function writeSrt(cues: readonly Cue[], options: SubtitleOptions = {}): string {
  const nl = options.lineEnding ?? '\n';
  return layoutCues(cues, options)
    .map(
      (c, i) =>
        `${i + 1}${nl}${formatTimestamp(c.start, ',')} --> ${formatTimestamp(c.end, ',')}${nl}${c.text.split('\n').join(nl)}${nl}`,
    )
    .join(nl);
}

const escapeVtt = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function writeVtt(cues: readonly Cue[], options: SubtitleOptions = {}): string {
  const nl = options.lineEnding ?? '\n';
  const body = layoutCues(cues, options).map((c) => {
    const voice = c.speaker ? `<v ${escapeVtt(c.speaker)}>` : '';
    const text = c.text.split('\n').map(escapeVtt).join(nl);
    return `${formatTimestamp(c.start, '.')} --> ${formatTimestamp(c.end, '.')}${nl}${voice}${text}${nl}`;
  });
  return `WEBVTT${nl}${nl}${body.join(nl)}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Parsers
// ---------------------------------------------------------------------------------------------------------------

export class SubtitleParseError extends Error {
  constructor(
    message: string,
    /** 1-based line number in the file. */
    readonly line: number,
  ) {
    super(message);
    this.name = 'SubtitleParseError';
  }
}

const ARROW = /^\s*(\S+)\s+-->\s+(\S+)(?:\s.*)?$/;
const unescapeVtt = (s: string) =>
  s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&nbsp;/g, '\u00a0')
    .replace(/&lrm;|&rlm;/g, '')
    .replace(/&amp;/g, '&');

function blocks(text: string): { lines: string[]; firstLine: number }[] {
  const all = text.replace(/^\ufeff/, '').split(/\r\n|\r|\n/);
  const out: { lines: string[]; firstLine: number }[] = [];
  let cur: string[] = [];
  let first = 0;
  all.forEach((l, i) => {
    if (l.trim() === '') {
      if (cur.length) out.push({ lines: cur, firstLine: first + 1 });
      cur = [];
    } else {
      if (!cur.length) first = i;
      cur.push(l);
    }
  });
  if (cur.length) out.push({ lines: cur, firstLine: first + 1 });
  return out;
}

function timing(line: string, lineNo: number): { start: number; end: number } {
  const m = ARROW.exec(line)!;
  const start = parseTimestamp(m[1]);
  const end = parseTimestamp(m[2]);
  if (start === undefined || end === undefined)
    throw new SubtitleParseError(`Line ${lineNo}: malformed cue time "${line.trim()}"`, lineNo);
  if (end < start) throw new SubtitleParseError(`Line ${lineNo}: the cue ends before it starts`, lineNo);
  return { start, end };
}

/** Cues of an SRT file. Formatting tags (<i>, <b>, <u>, <font>) and {\an8}-style overrides are removed. */
export function parseSrt(text: string): Cue[] {
  const cues: Cue[] = [];
  for (const b of blocks(text)) {
    const at = b.lines.findIndex((l) => ARROW.test(l));
    if (at < 0 || at > 1)
      throw new SubtitleParseError(
        `Line ${b.firstLine}: expected a cue number and a "start --> end" line`,
        b.firstLine,
      );
    const { start, end } = timing(b.lines[at], b.firstLine + at);
    const body = b.lines
      .slice(at + 1)
      .map((l) => l.replace(/<\/?(?:i|b|u|font)(?:\s[^>]*)?>/gi, '').replace(/\{\\[^}]*\}/g, ''))
      .join('\n');
    cues.push({ start, end, text: body });
  }
  return cues;
}

/** Cues of a WebVTT file. NOTE/STYLE/REGION blocks are skipped; `<v Name>` becomes `speaker`; markup is removed. */
export function parseVtt(text: string): Cue[] {
  const bs = blocks(text);
  if (!bs.length || !/^WEBVTT(?:[ \t].*)?$/.test(bs[0].lines[0].replace(/^\ufeff/, '')))
    throw new SubtitleParseError('Line 1: a WebVTT file starts with "WEBVTT"', 1);
  const cues: Cue[] = [];
  for (const b of bs.slice(1)) {
    if (/^(?:NOTE|STYLE|REGION)(?:\s|$)/.test(b.lines[0])) continue;
    const at = b.lines.findIndex((l) => l.includes('-->'));
    if (at < 0 || at > 1)
      throw new SubtitleParseError(`Line ${b.firstLine}: expected a "start --> end" line`, b.firstLine);
    if (!ARROW.test(b.lines[at]))
      throw new SubtitleParseError(
        `Line ${b.firstLine + at}: malformed cue time "${b.lines[at].trim()}"`,
        b.firstLine + at,
      );
    const { start, end } = timing(b.lines[at], b.firstLine + at);
    let speaker: string | undefined;
    const lines = b.lines.slice(at + 1).map((l) => {
      const v = /<v(?:\.[^\s>]*)?\s+([^>]+)>/.exec(l);
      if (v && speaker === undefined) speaker = unescapeVtt(v[1].trim());
      return unescapeVtt(l.replace(/<[^>]*>/g, ''));
    });
    const cue: Cue = { start, end, text: lines.join('\n') };
    if (speaker !== undefined) cue.speaker = speaker;
    cues.push(cue);
  }
  return cues;
}
