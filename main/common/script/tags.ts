/**
 * Inline tags in a script line: `[pause 1.5s]`, `[pause 500ms]`, `[speed 1.2]`, `[gain -3dB]`.
 *
 * Pauses may stand anywhere and split the line into segments; speed and gain are per-line settings (one of each per
 * line). `\[`, `\]` and `\\` write a literal bracket or backslash. Errors are returned, not thrown, so an editor can
 * underline every one of them; offsets and lengths are in UTF-16 code units of the original line.
 * Process-neutral.
 */
import { joinText, SPEAKABLE } from './text.js';

export type Segment = { text: string } | { pause: number };

export interface LineSettings {
  /** Speaking rate, 0.5–2. */
  speed?: number;
  /** Gain in dB, −24..+12. */
  gainDb?: number;
}

export type TagErrorCode =
  'UNCLOSED_TAG' | 'EMPTY_TAG' | 'UNKNOWN_TAG' | 'MALFORMED_TAG' | 'OUT_OF_RANGE' | 'DUPLICATE_SETTING';

export interface TagError {
  code: TagErrorCode;
  message: string;
  /** Where the tag starts (its `[`) in the line. */
  offset: number;
  /** Length of the tag text, brackets included. */
  length: number;
}

export interface ParsedLine {
  /** Speakable text and pauses in order; text segments are trimmed and never empty; adjacent pauses are merged. */
  segments: Segment[];
  settings: LineSettings;
  /** The line without tags, escapes resolved: what the engine reads. */
  text: string;
  /** No speakable text: the line's audio is only its pauses (or nothing). */
  tagsOnly: boolean;
  /** Sum of the pauses, seconds. */
  totalPause: number;
  errors: TagError[];
}

export const TAG_LIMITS = {
  pauseMinS: 0.01,
  pauseMaxS: 60,
  speedMin: 0.5,
  speedMax: 2,
  gainMinDb: -24,
  gainMaxDb: 12,
  /** Tag errors reported per line (the first ones; a line of 300 "[" would otherwise carry 300). */
  errorsPerLineMax: 20,
} as const;

const KNOWN = '[pause 1.5s], [pause 500ms], [speed 1.2], [gain -3dB]';
const NUMBER = String.raw`[+\-−]?(?:\d+(?:\.\d+)?|\.\d+)`;
const PAUSE = new RegExp(String.raw`^(${NUMBER})\s*(ms|s)$`, 'i');
const SPEED = new RegExp(String.raw`^(${NUMBER})\s*[x×]?$`, 'i');
const GAIN = new RegExp(String.raw`^(${NUMBER})\s*db$`, 'i');
const num = (s: string) => Number(s.replace('−', '-'));

export function parseInlineTags(line: string): ParsedLine {
  const segments: Segment[] = [];
  const settings: LineSettings = {};
  const errors: TagError[] = [];
  let text = '';
  let nextClose = -2;

  const pushText = () => {
    // Removed tags leave runs of spaces behind: collapse them.
    const t = text.trim().replace(/[ \t]{2,}/g, ' ');
    if (t) segments.push({ text: t });
    text = '';
  };
  const pushPause = (seconds: number) => {
    pushText();
    const last = segments[segments.length - 1];
    if (last && 'pause' in last) last.pause = round(last.pause + seconds);
    else segments.push({ pause: seconds });
  };

  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '\\' && (line[i + 1] === '[' || line[i + 1] === ']' || line[i + 1] === '\\')) {
      text += line[++i];
      continue;
    }
    if (c !== '[') {
      text += c;
      continue;
    }
    // The next "]" is searched once and reused until passed: a line full of "[" stays linear, not quadratic.
    if (nextClose !== -1 && nextClose <= i) nextClose = line.indexOf(']', i + 1);
    const close = nextClose;
    const nextOpen = line.indexOf('[', i + 1);
    if (close < 0 || (nextOpen >= 0 && nextOpen < close)) {
      const end = nextOpen >= 0 ? nextOpen : line.length;
      if (errors.length < TAG_LIMITS.errorsPerLineMax)
        errors.push({
          code: 'UNCLOSED_TAG',
          message: `Tag at ${i} has no closing "]": close it, or write \\[ for a literal bracket.`,
          offset: i,
          length: end - i,
        });
      text += line.slice(i, end);
      i = end - 1;
      continue;
    }
    const raw = line.slice(i, close + 1);
    const at = i;
    const err = (code: TagErrorCode, message: string) =>
      errors.length < TAG_LIMITS.errorsPerLineMax &&
      errors.push({ code, message: `${raw} at ${at}: ${message}`, offset: at, length: raw.length });
    const body = line.slice(i + 1, close).trim();
    i = close;
    const m = /^(\S+)(?:\s+([\s\S]*))?$/.exec(body);
    if (!m) {
      err('EMPTY_TAG', `an empty tag; known tags are ${KNOWN}, and \\[ writes a literal bracket.`);
      continue;
    }
    const name = m[1].toLowerCase();
    const arg = (m[2] ?? '').trim();
    if (name === 'pause') {
      const p = PAUSE.exec(arg);
      if (!p) {
        err('MALFORMED_TAG', `a pause needs a number and a unit, like [pause 1.5s] or [pause 500ms].`);
        continue;
      }
      const seconds = round(num(p[1]) / (p[2].toLowerCase() === 'ms' ? 1000 : 1));
      if (!(seconds >= TAG_LIMITS.pauseMinS && seconds <= TAG_LIMITS.pauseMaxS)) {
        err('OUT_OF_RANGE', `a pause must be between 10ms and ${TAG_LIMITS.pauseMaxS}s.`);
        continue;
      }
      pushPause(seconds);
    } else if (name === 'speed') {
      const p = SPEED.exec(arg);
      if (!p) {
        err('MALFORMED_TAG', `speed takes a number, like [speed 1.2].`);
        continue;
      }
      const v = num(p[1]);
      if (!(v >= TAG_LIMITS.speedMin && v <= TAG_LIMITS.speedMax)) {
        err('OUT_OF_RANGE', `speed must be between ${TAG_LIMITS.speedMin} and ${TAG_LIMITS.speedMax}.`);
        continue;
      }
      if (settings.speed !== undefined) {
        err('DUPLICATE_SETTING', `speed is already set to ${settings.speed} on this line; keep one [speed …] tag.`);
        continue;
      }
      settings.speed = v;
    } else if (name === 'gain') {
      const p = GAIN.exec(arg);
      if (!p) {
        err('MALFORMED_TAG', `gain takes decibels, like [gain -3dB].`);
        continue;
      }
      const v = num(p[1]);
      if (!(v >= TAG_LIMITS.gainMinDb && v <= TAG_LIMITS.gainMaxDb)) {
        err('OUT_OF_RANGE', `gain must be between ${TAG_LIMITS.gainMinDb}dB and +${TAG_LIMITS.gainMaxDb}dB.`);
        continue;
      }
      if (settings.gainDb !== undefined) {
        err('DUPLICATE_SETTING', `gain is already set to ${settings.gainDb}dB on this line; keep one [gain …] tag.`);
        continue;
      }
      settings.gainDb = v;
    } else {
      err('UNKNOWN_TAG', `unknown tag "${m[1]}"; known tags are ${KNOWN}, and \\[ writes a literal bracket.`);
    }
  }
  pushText();

  let spoken = '';
  let totalPause = 0;
  for (const s of segments) {
    if ('text' in s) spoken = joinText(spoken, s.text);
    else totalPause = round(totalPause + s.pause);
  }
  return {
    segments,
    settings,
    text: spoken,
    tagsOnly: !SPEAKABLE.test(spoken),
    totalPause,
    errors,
  };
}

/** Round to the microsecond so 0.1 + 0.2 style sums stay readable. */
const round = (x: number) => Math.round(x * 1e6) / 1e6;

/** Escape text so that none of it is read as a tag. */
export const escapeTagText = (s: string) => s.replace(/[\\[\]]/g, (c) => `\\${c}`);
