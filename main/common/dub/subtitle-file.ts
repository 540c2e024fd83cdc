/**
 * Subtitle files for dubbing: bytes → text (encoding detected) → cues (SRT, WebVTT, ASS/SSA) → dub cues (tags
 * removed, speakers found, overlaps resolved, limits checked). Process-neutral: the Dub view previews with the same
 * code. Rules (docs/dubbing.md):
 *
 * - Encoding: a BOM decides (UTF-8, UTF-16 LE/BE); else valid UTF-8; else UTF-16 without BOM when every other byte
 *   of the first KB is zero; else windows-1252 (which is latin1 plus typographic quotes, dashes and € in 0x80–0x9F).
 * - Speakers: ASS `Name` field, WebVTT `<v Name>`, or a `NAME: ` prefix at the start of the cue (up to 3 words and
 *   40 characters, starting with a letter; `speakerPrefix: false` turns this off).
 * - Overlaps: cues are sorted by start (stable). When a cue starts before the previous one ends, the previous one is
 *   cut to end where the next starts; if that leaves it shorter than 0.3 s (or it starts at the same time), the two
 *   are merged into one cue (texts joined, the later end kept, the first speaker kept). Each change is a warning.
 * - Hostile input is bounded before work: bytes (DUB_LIMITS.subtitleBytesMax), cues (cuesMax), characters per cue
 *   (cueTextMax), times (no NaN, no end before start, nothing past 24 h).
 */
import { DUB_LIMITS } from '../../../preload/contract/dub.js';
import { parseSrt, parseTimestamp, parseVtt, SubtitleParseError, type Cue } from '../script/subtitles.js';

export { SubtitleParseError };

export type SubtitleFormat = 'srt' | 'vtt' | 'ass';

export interface DubCue {
  /** 0-based position after sorting and overlap resolution. */
  index: number;
  start: number;
  end: number;
  /** Display text (line breaks kept, tags removed, speaker prefix removed). */
  text: string;
  speaker: string | null;
}

export interface ParsedSubtitles {
  format: SubtitleFormat;
  encoding: 'utf-8' | 'utf-8-bom' | 'utf-16le' | 'utf-16be' | 'windows-1252';
  cues: DubCue[];
  warnings: string[];
}

export class SubtitleLimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SubtitleLimitError';
  }
}

const MAX_SECONDS = 24 * 3600;
/** A cue cut shorter than this by an overlap is merged with the next instead. */
const MIN_CUE_SECONDS = 0.3;

// ---------------------------------------------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------------------------------------------

/** windows-1252's 0x80–0x9F (the rest is latin1); 0 = undefined in 1252 (kept as the C1 control, like browsers). */
const CP1252 = [
  0x20ac, 0, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017d, 0, 0,
  0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0, 0x017e, 0x0178,
];

function decodeWindows1252(b: Uint8Array): string {
  let out = '';
  const CHUNK = 8192;
  for (let i = 0; i < b.length; i += CHUNK) {
    const part = b.subarray(i, i + CHUNK);
    const codes = new Array<number>(part.length);
    for (let j = 0; j < part.length; j++) {
      const c = part[j];
      codes[j] = c >= 0x80 && c <= 0x9f && CP1252[c - 0x80] ? CP1252[c - 0x80] : c;
    }
    out += String.fromCharCode(...codes);
  }
  return out;
}

/** Decode subtitle bytes, detecting the encoding (see the file comment). */
export function decodeSubtitleBytes(bytes: Uint8Array): { text: string; encoding: ParsedSubtitles['encoding'] } {
  if (bytes.length > DUB_LIMITS.subtitleBytesMax)
    throw new SubtitleLimitError(
      `The subtitle file is ${(bytes.length / 1048576).toFixed(1)} MiB; the most Timbre reads is ${DUB_LIMITS.subtitleBytesMax / 1048576} MiB. Is it really a subtitle file?`,
    );
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf)
    return { text: new TextDecoder('utf-8').decode(bytes.subarray(3)), encoding: 'utf-8-bom' };
  if (bytes[0] === 0xff && bytes[1] === 0xfe)
    return { text: new TextDecoder('utf-16le').decode(bytes.subarray(2)), encoding: 'utf-16le' };
  if (bytes[0] === 0xfe && bytes[1] === 0xff)
    return { text: new TextDecoder('utf-16be').decode(bytes.subarray(2)), encoding: 'utf-16be' };
  // UTF-16 without a BOM: ASCII-heavy text has a zero in every other byte.
  const head = bytes.subarray(0, Math.min(bytes.length, 1024) & ~1);
  if (head.length >= 4) {
    let evenZero = 0;
    let oddZero = 0;
    for (let i = 0; i < head.length; i += 2) {
      if (head[i] === 0) evenZero++;
      if (head[i + 1] === 0) oddZero++;
    }
    const half = head.length / 2;
    if (oddZero > 0.9 * half && evenZero === 0)
      return { text: new TextDecoder('utf-16le').decode(bytes), encoding: 'utf-16le' };
    if (evenZero > 0.9 * half && oddZero === 0)
      return { text: new TextDecoder('utf-16be').decode(bytes), encoding: 'utf-16be' };
  }
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), encoding: 'utf-8' };
  } catch {
    return { text: decodeWindows1252(bytes), encoding: 'windows-1252' };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Formats
// ---------------------------------------------------------------------------------------------------------------

/** The format from the file name, else from the content. */
export function detectSubtitleFormat(text: string, fileName = ''): SubtitleFormat {
  const ext = /\.([a-z0-9]+)$/i.exec(fileName)?.[1]?.toLowerCase();
  if (ext === 'srt') return 'srt';
  if (ext === 'vtt') return 'vtt';
  if (ext === 'ass' || ext === 'ssa') return 'ass';
  const start = text.replace(/^\ufeff/, '').trimStart();
  if (start.startsWith('WEBVTT')) return 'vtt';
  if (/^\[Script Info\]/i.test(start) || /^\[Events\]/im.test(start.slice(0, 65536))) return 'ass';
  if (/-->/.test(start.slice(0, 4096))) return 'srt';
  throw new SubtitleParseError(
    'This is not a subtitle file Timbre reads: use SRT (.srt), WebVTT (.vtt) or ASS/SSA (.ass, .ssa).',
    1,
  );
}

const ASS_TIME = /^(\d{1,2}):([0-5]\d):([0-5]\d)[.:](\d{1,3})$/;

function assTime(s: string, line: number): number {
  const m = ASS_TIME.exec(s.trim());
  if (!m) throw new SubtitleParseError(`Line ${line}: malformed time "${s.trim()}" (expected H:MM:SS.cc)`, line);
  const frac = m[4].length === 3 ? Number(m[4]) / 1000 : Number(m[4].padEnd(2, '0')) / 100;
  return Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) + frac;
}

/** Dialogue events of an ASS/SSA file (`[Events]`, its `Format:` line, `Dialogue:` lines; comments skipped). */
export function parseAss(text: string): Cue[] {
  const lines = text.replace(/^\ufeff/, '').split(/\r\n|\r|\n/);
  let inEvents = false;
  let format: string[] | null = null;
  const cues: Cue[] = [];
  lines.forEach((raw, i) => {
    const lineNo = i + 1;
    const line = raw.trim();
    if (/^\[.*\]$/.test(line)) {
      inEvents = /^\[events\]$/i.test(line);
      return;
    }
    if (!inEvents) return;
    const colon = line.indexOf(':');
    if (colon < 0) return;
    const key = line.slice(0, colon).trim().toLowerCase();
    const rest = line.slice(colon + 1);
    if (key === 'format') {
      format = rest.split(',').map((f) => f.trim().toLowerCase());
      return;
    }
    if (key !== 'dialogue') return;
    const fmt = format ?? ['layer', 'start', 'end', 'style', 'name', 'marginl', 'marginr', 'marginv', 'effect', 'text'];
    const textAt = fmt.indexOf('text');
    const startAt = fmt.indexOf('start');
    const endAt = fmt.indexOf('end');
    if (textAt !== fmt.length - 1 || startAt < 0 || endAt < 0)
      throw new SubtitleParseError(
        `Line ${lineNo}: the [Events] Format line must list Start and End and end with Text`,
        lineNo,
      );
    // The Text field is the rest of the line (it may contain commas).
    const fields: string[] = [];
    let pos = 0;
    for (let f = 0; f < fmt.length - 1; f++) {
      const c = rest.indexOf(',', pos);
      if (c < 0) throw new SubtitleParseError(`Line ${lineNo}: a Dialogue line with too few fields`, lineNo);
      fields.push(rest.slice(pos, c).trim());
      pos = c + 1;
    }
    fields.push(rest.slice(pos));
    const start = assTime(fields[startAt], lineNo);
    const end = assTime(fields[endAt], lineNo);
    if (end < start) throw new SubtitleParseError(`Line ${lineNo}: the cue ends before it starts`, lineNo);
    const body = fields[textAt]
      .replace(/\{[^}]*\}/g, '')
      .replace(/\\[Nn]/g, '\n')
      .replace(/\\h/g, ' ');
    const nameAt = fmt.indexOf('name');
    const name = nameAt >= 0 ? fields[nameAt].trim() : '';
    const cue: Cue = { start, end, text: body };
    if (name) cue.speaker = name;
    cues.push(cue);
  });
  if (format === null && cues.length === 0)
    throw new SubtitleParseError('Line 1: no [Events] section with Dialogue lines in this ASS/SSA file', 1);
  return cues;
}

// ---------------------------------------------------------------------------------------------------------------
// Dub cues
// ---------------------------------------------------------------------------------------------------------------

const SPEAKER_PREFIX = /^\s*(\p{L}[\p{L}\p{N}_.'’-]*(?:[ ][\p{L}\p{N}_.'’-]+){0,2})\s*:\s+(?=\S)/u;

/** Remove markup a subtitle may carry: HTML-like tags, ASS override blocks, stray entities; collapse spaces. */
export function stripSubtitleTags(s: string): string {
  return s
    .replace(/<[^>\n]{0,200}>/g, '')
    .replace(/\{\\[^}]*\}/g, '')
    .replace(/&nbsp;/g, ' ')
    .split('\n')
    .map((l) => l.replace(/[ \t\u00a0]+/g, ' ').trim())
    .filter(Boolean)
    .join('\n');
}

/** The speaker named by a `NAME: text` prefix, and the text without it (null when there is none). */
export function splitSpeakerPrefix(text: string): { speaker: string; text: string } | null {
  const m = SPEAKER_PREFIX.exec(text);
  if (!m || m[1].length > 40) return null;
  return { speaker: m[1], text: text.slice(m[0].length) };
}

export interface CueOptions {
  /** Read `NAME: text` as the speaker (default true). */
  speakerPrefix?: boolean;
}

const fmtTime = (s: number) => {
  const m = Math.floor(s / 60);
  return `${m}:${(s - m * 60).toFixed(3).padStart(6, '0')}`;
};

/** Cues as the dub uses them (see the file comment for the rules). */
export function toDubCues(raw: readonly Cue[], opts: CueOptions = {}): { cues: DubCue[]; warnings: string[] } {
  if (raw.length > DUB_LIMITS.cuesMax)
    throw new SubtitleLimitError(
      `The subtitles have ${raw.length.toLocaleString('en')} cues; Timbre dubs at most ${DUB_LIMITS.cuesMax.toLocaleString('en')} at once: split the file.`,
    );
  const warnings: string[] = [];
  const items: { start: number; end: number; text: string; speaker: string | null; n: number }[] = [];
  raw.forEach((c, n) => {
    if (!(Number.isFinite(c.start) && Number.isFinite(c.end) && c.start >= 0 && c.end >= c.start))
      throw new SubtitleParseError(`Cue ${n + 1}: invalid times`, 0);
    if (c.end > MAX_SECONDS)
      throw new SubtitleLimitError(`Cue ${n + 1} ends after 24 hours (${fmtTime(c.end)}): the times are wrong.`);
    let text = stripSubtitleTags(c.text);
    let speaker = c.speaker?.trim() || null;
    if (opts.speakerPrefix !== false && !speaker) {
      const p = splitSpeakerPrefix(text);
      if (p) {
        speaker = p.speaker;
        text = p.text;
      }
    }
    if (text.length > DUB_LIMITS.cueTextMax)
      throw new SubtitleLimitError(
        `Cue ${n + 1} has ${text.length.toLocaleString('en')} characters; a cue can have at most ${DUB_LIMITS.cueTextMax.toLocaleString('en')}.`,
      );
    if (!/[\p{L}\p{N}]/u.test(text)) {
      if (text) warnings.push(`Cue ${n + 1} (${fmtTime(c.start)}) has nothing to say and was skipped.`);
      return;
    }
    if (c.end - c.start < 0.05) {
      warnings.push(`Cue ${n + 1} (${fmtTime(c.start)}) lasts under 50 ms and was skipped.`);
      return;
    }
    items.push({ start: c.start, end: c.end, text, speaker, n: n + 1 });
  });
  items.sort((a, b) => a.start - b.start || a.n - b.n);
  const out: typeof items = [];
  for (const it of items) {
    const prev = out[out.length - 1];
    if (prev && it.start < prev.end) {
      if (it.start - prev.start >= MIN_CUE_SECONDS) {
        warnings.push(
          `Cue ${prev.n} overlaps cue ${it.n}: it now ends at ${fmtTime(it.start)} instead of ${fmtTime(prev.end)}.`,
        );
        prev.end = it.start;
      } else {
        warnings.push(`Cue ${it.n} starts within ${MIN_CUE_SECONDS} s of cue ${prev.n} and overlaps it: merged.`);
        prev.end = Math.max(prev.end, it.end);
        prev.text = `${prev.text}\n${it.text}`;
        if (prev.text.length > DUB_LIMITS.cueTextMax)
          throw new SubtitleLimitError(
            `Merged cues ${prev.n}–${it.n} have more than ${DUB_LIMITS.cueTextMax.toLocaleString('en')} characters.`,
          );
        continue;
      }
    }
    out.push({ ...it });
  }
  return {
    cues: out.map((c, index) => ({ index, start: c.start, end: c.end, text: c.text, speaker: c.speaker })),
    warnings,
  };
}

/** Bytes of a subtitle file → dub cues. Throws SubtitleParseError / SubtitleLimitError with a plain message. */
export function parseSubtitleFile(bytes: Uint8Array, fileName: string, opts: CueOptions = {}): ParsedSubtitles {
  const { text, encoding } = decodeSubtitleBytes(bytes);
  const format = detectSubtitleFormat(text, fileName);
  // Count cues before parsing them, so a hostile file is refused before it costs memory.
  const marker = format === 'ass' ? /^\s*dialogue\s*:/gim : /-->/g;
  let count = 0;
  while (marker.exec(text) && ++count <= DUB_LIMITS.cuesMax);
  if (count > DUB_LIMITS.cuesMax)
    throw new SubtitleLimitError(
      `The subtitles have more than ${DUB_LIMITS.cuesMax.toLocaleString('en')} cues; Timbre dubs at most that many at once: split the file.`,
    );
  const raw = format === 'srt' ? parseSrt(text) : format === 'vtt' ? parseVtt(text) : parseAss(text);
  const { cues, warnings } = toDubCues(raw, opts);
  if (!cues.length)
    throw new SubtitleParseError(`${fileName || 'The subtitle file'} has no cue with text to speak.`, 1);
  return { format, encoding, cues, warnings };
}

export { parseTimestamp };
