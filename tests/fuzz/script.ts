/**
 * Fuzz targets for the script parsers (main/common/script/*) and the script reader (main/node/studio/script-source.ts):
 * SRT/WebVTT (random text, subtitle-shaped text, damaged real files, write → parse round trips), Markdown, inline tags,
 * the splitter, the pronunciation dictionary, and every accepted file type through readScriptSource (a damaged .docx
 * included).
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import {
  layoutCues,
  parseSrt,
  parseVtt,
  SubtitleParseError,
  writeSrt,
  writeVtt,
  type Cue,
} from '../../main/common/script/subtitles.js';
import { markdownToScript } from '../../main/common/script/markdown.js';
import { escapeTagText, parseInlineTags, TAG_LIMITS } from '../../main/common/script/tags.js';
import { splitScript } from '../../main/common/script/splitter.js';
import { compileDictionary, DictionaryError, type PronunciationEntry } from '../../main/common/script/pronunciation.js';
import { readScriptSource } from '../../main/node/studio/script-source.js';
import { ApiError } from '../../native-models/common/errors.js';
import {
  applyEdits,
  assertSpecificError,
  attempt,
  attemptAsync,
  byteEdits,
  hostileString,
  isWellFormed,
  makeDocx,
  withinTime,
  withinTimeAsync,
  type FuzzTarget,
} from './harness.js';

// ---------------------------------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------------------------------

const NL = fc.constantFrom('\n', '\r\n', '\r');

const timestamp = fc.oneof(
  fc
    .record({
      h: fc.integer({ min: 0, max: 120 }),
      m: fc.integer({ min: 0, max: 59 }),
      s: fc.integer({ min: 0, max: 59 }),
      ms: fc.integer({ min: 0, max: 999 }),
      sep: fc.constantFrom(',', '.'),
    })
    .map(
      ({ h, m, s, ms, sep }) =>
        `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}${sep}${String(ms).padStart(3, '0')}`,
    ),
  fc.stringMatching(/^[0-9:.,]{1,16}$/),
  fc.constantFrom('99999999999999999999:00:00,000', '00:00:00,000', '-1:00:00,000', '00:60:00,000', ''),
);

const cueTextLine = fc.oneof(
  fc.string({ maxLength: 40, unit: 'grapheme' }),
  fc.constantFrom(
    '<i>x</i>',
    '{\\an8}top',
    '<v Bob>hi',
    '<b>',
    '&amp;&lt;',
    '-->',
    '1',
    'NOTE x',
    'WEBVTT',
    '<c.x>t</c>',
  ),
);

const subtitleBlock = fc
  .tuple(
    fc.option(fc.oneof(fc.nat(100000).map(String), fc.string({ maxLength: 10 })), { nil: undefined }),
    timestamp,
    fc.constantFrom(' --> ', '-->', ' -> ', ' --> ', '\t-->\t'),
    timestamp,
    fc.constantFrom('', ' align:start position:0%', ' x'),
    fc.array(cueTextLine, { maxLength: 4 }),
  )
  .map(([id, a, arrow, b, settings, text]) => [
    ...(id === undefined ? [] : [id]),
    `${a}${arrow}${b}${settings}`,
    ...text,
  ]);

/** Text shaped like a subtitle file (numbers, times, arrows, markup, NOTE blocks), joined with mixed line ends. */
export const subtitleLike = fc
  .tuple(
    fc.constantFrom('', 'WEBVTT', '\ufeffWEBVTT', 'WEBVTT - title', 'WEBVTTX', 'NOTE'),
    fc.array(subtitleBlock, { maxLength: 12 }),
    NL,
    fc.constantFrom('\n', '\n\n', '\r\n\r\n', '\n \n'),
  )
  .map(([head, blocks, nl, gap]) => [head, ...blocks.map((b) => b.join(nl))].join(gap));

const word = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9'&.,!?;:"-]{1,12}$/),
  fc.constantFrom('你好', '世界。', 'こんにちは', '안녕', '👩‍👩‍👧', 'é', 'e\u0301', 'ｶﾀｶﾅ', '١٢٣', '\u200f', '→', '…'),
);
const cueLine = fc.array(word, { minLength: 1, maxLength: 10 }).map((ws) => ws.join(' '));

/** Cues a user could export: times in whole milliseconds, text of words (one or more lines). */
const cues = (withMarkup: boolean) =>
  fc
    .array(
      fc.record({
        start: fc.integer({ min: 0, max: 400_000_000 }),
        dur: fc.integer({ min: 0, max: 600_000 }),
        lines: fc.array(
          withMarkup
            ? fc.oneof(
                cueLine,
                cueLine.map((l) => `${l} <${l}> & &amp; &lt;`),
              )
            : cueLine,
          { minLength: 1, maxLength: 4 },
        ),
        speaker: fc.option(fc.stringMatching(/^[A-Za-z][A-Za-z .'<>&-]{0,15}[A-Za-z]$/), { nil: undefined }),
        nl: fc.constantFrom('\n', '\r\n', '\r'),
      }),
      { maxLength: 8 },
    )
    .map((cs) =>
      cs.map((c): Cue => {
        const cue: Cue = { start: c.start / 1000, end: (c.start + c.dur) / 1000, text: c.lines.join(c.nl) };
        if (c.speaker !== undefined) cue.speaker = c.speaker;
        return cue;
      }),
    );

const markdownLike = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        '# ',
        '## ',
        '###### ',
        '> ',
        '- ',
        '* ',
        '1. ',
        '- [ ] ',
        '```',
        '~~~',
        '    ',
        '---',
        '***',
        '===',
        '|',
        ' | ',
        '|---|---|',
        '**',
        '__',
        '*',
        '_',
        '~~',
        '`',
        '``',
        '[',
        ']',
        '(',
        ')',
        '![',
        '](',
        '][',
        '<',
        '>',
        '<!--',
        '-->',
        '<b>',
        '</b>',
        '\\',
        '\\[',
        '[pause 1s]',
        '[^1]:',
        '[a]: http://x',
        'http://e.com/a_b',
        'a@b.co',
        '\n',
        '\n\n',
        '\r\n',
        ' ',
        '\t',
        'word',
        'Über',
        '你好',
        '😀',
      ),
      fc.string({ maxLength: 8 }),
    ),
    { maxLength: 300 },
  )
  .map((parts) => parts.join(''));

const scriptLike = fc
  .array(
    fc.oneof(
      word,
      fc.constantFrom(
        '. ',
        '! ',
        '? ',
        '… ',
        '。',
        '！',
        '；',
        '"',
        '”',
        '」',
        ')',
        'Mr. ',
        'e.g. ',
        'U.S. ',
        '3.14',
        '1. ',
        'No. 5',
        'ALICE: ',
        'Bob Smith: ',
        '名前：',
        '# Title\n',
        'Chapter 3: x\n',
        '第三章 x\n',
        '\n',
        '\n\n',
        '\r',
        '\u2028',
        '[pause 1s]',
        'http://x.y/z. ',
        'a@b.cd',
        ',',
        ';',
        ' ',
        '\ud83d',
        '\ude00',
        '\t',
      ),
    ),
    { maxLength: 400 },
  )
  .map((parts) => parts.join(''));

// ---------------------------------------------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------------------------------------------

function checkCues(out: Cue[], input: string): void {
  const lines = input.split(/\r\n|\r|\n/).length;
  expect(Array.isArray(out)).toBe(true);
  expect(out.length).toBeLessThanOrEqual(lines);
  for (const c of out) {
    expect(
      Number.isFinite(c.start) && Number.isFinite(c.end) && c.start >= 0 && c.end >= c.start,
      `${c.start}–${c.end}`,
    ).toBe(true);
    expect(typeof c.text).toBe('string');
    if (c.speaker !== undefined) expect(typeof c.speaker).toBe('string');
  }
}

function checkSubtitleError(err: unknown, input: string): void {
  assertSpecificError(err, SubtitleParseError);
  const e = err as SubtitleParseError;
  expect(Number.isInteger(e.line) && e.line >= 1 && e.line <= input.split(/\r\n|\r|\n/).length, `line ${e.line}`).toBe(
    true,
  );
}

function parseSubtitlesProperty(arb: fc.Arbitrary<string>) {
  return () =>
    fc.property(arb, fc.boolean(), (text, vtt) => {
      const r = withinTime(2000, () => attempt(() => (vtt ? parseVtt(text) : parseSrt(text))));
      if (r.ok) checkCues(r.value, text);
      else checkSubtitleError(r.error, text);
    });
}

/** The cue as the writer lays it out and a parser can give it back: times in ms, no empty cues. */
const expected = (cs: Cue[], vtt: boolean) =>
  layoutCues(cs).map((c) => ({
    start: Math.round(c.start * 1000) / 1000,
    end: Math.round(c.end * 1000) / 1000,
    text: c.text,
    ...(vtt && c.speaker?.trim() ? { speaker: c.speaker.trim() } : {}),
  }));

function checkParsedTags(line: string): void {
  const p = parseInlineTags(line);
  for (const e of p.errors) {
    expect(e.offset >= 0 && e.length >= 1 && e.offset + e.length <= line.length, JSON.stringify(e)).toBe(true);
    expect(line[e.offset]).toBe('[');
    expect(e.message.length).toBeGreaterThan(0);
  }
  let sum = 0;
  p.segments.forEach((s, i) => {
    if ('text' in s) {
      expect(s.text.length).toBeGreaterThan(0);
      expect(s.text).toBe(s.text.trim());
    } else {
      expect(s.pause >= TAG_LIMITS.pauseMinS && Number.isFinite(s.pause), `pause ${s.pause}`).toBe(true);
      const next = p.segments[i + 1];
      expect(next === undefined || 'text' in next, 'adjacent pauses are merged').toBe(true);
      sum += s.pause;
    }
  });
  expect(Math.abs(p.totalPause - sum)).toBeLessThan(1e-5);
  if (p.settings.speed !== undefined)
    expect(p.settings.speed >= TAG_LIMITS.speedMin && p.settings.speed <= TAG_LIMITS.speedMax).toBe(true);
  if (p.settings.gainDb !== undefined)
    expect(p.settings.gainDb >= TAG_LIMITS.gainMinDb && p.settings.gainDb <= TAG_LIMITS.gainMaxDb).toBe(true);
}

function checkSplit(input: string, maxLineLength: number | undefined): void {
  const out = splitScript(input, { maxLineLength });
  let para = 0;
  for (const l of out.lines) {
    expect(l.text.length).toBeGreaterThan(0);
    expect(l.text).toBe(l.text.trim());
    expect(l.paragraph).toBeGreaterThanOrEqual(para);
    para = l.paragraph;
    if (l.speaker !== undefined) expect(out.speakers).toContain(l.speaker);
    // Splitting never cuts a character in two (well-formed input stays well formed).
    if (isWellFormed(input))
      expect(isWellFormed(l.text), `a split cut a surrogate pair: ${JSON.stringify(l.text)}`).toBe(true);
  }
  expect(new Set(out.speakers.map((s) => s.toLocaleLowerCase())).size).toBe(out.speakers.length);
  let at = 0;
  for (const c of out.chapters) {
    expect(c.lineIndex).toBeGreaterThanOrEqual(at);
    expect(c.lineIndex).toBeLessThanOrEqual(out.lines.length);
    at = c.lineIndex;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Pronunciation dictionaries
// ---------------------------------------------------------------------------------------------------------------

const dictWord = fc.oneof(
  fc.constantFrom(
    'a',
    'b',
    'ab',
    'A',
    'B b',
    'c',
    'New York',
    'new  york',
    'iPhone',
    '東京',
    'é',
    'e\u0301',
    '.',
    'x.y',
    '(',
    '*',
    '\\',
  ),
  fc.stringMatching(/^[a-cA-C .()*+?\\]{1,6}$/),
);
const entries = fc.array(
  fc.record(
    { word: dictWord, respelling: fc.oneof(dictWord, fc.string({ maxLength: 6 })), caseSensitive: fc.boolean() },
    { requiredKeys: ['word', 'respelling'] },
  ),
  { maxLength: 12 },
);

/** w0 → w1 → … → wn: a long chain of entries, each respelled as the next one's word (valid: no loop). */
const chain = fc
  .integer({ min: 1, max: 5000 })
  .map((n): PronunciationEntry[] =>
    Array.from({ length: n }, (_, i) => ({ word: `w${i}x`, respelling: `w${i + 1}x` })),
  );

function checkDictionary(es: PronunciationEntry[], text: string): void {
  const r = attempt(() => compileDictionary(es));
  if (!r.ok) {
    assertSpecificError(r.error, DictionaryError);
    expect((r.error as DictionaryError).issues.length).toBeGreaterThan(0);
    return;
  }
  const out = r.value.apply(text);
  expect(typeof out.text).toBe('string');
  for (const f of out.fired) expect(f.count).toBeGreaterThan(0);
}

// ---------------------------------------------------------------------------------------------------------------
// Script files
// ---------------------------------------------------------------------------------------------------------------

const scriptFileName = fc.constantFrom(
  's.txt',
  's.md',
  's.srt',
  's.vtt',
  's.docx',
  's.epub',
  's.doc',
  's',
  's.TXT',
  's.exe',
);

async function checkScriptSource(fileName: string, bytes: Buffer): Promise<void> {
  const r = await withinTimeAsync(5000, () =>
    attemptAsync(() => readScriptSource({ fileName, base64: bytes.toString('base64') })),
  );
  if (r.ok) {
    // Plain script text, or a structured book (EPUB).
    const v = r.value as { text?: unknown; book?: unknown };
    expect(
      typeof v.text === 'string' || (typeof v.book === 'object' && v.book !== null),
      JSON.stringify(v).slice(0, 200),
    ).toBe(true);
  } else {
    assertSpecificError(r.error, ApiError);
    expect((r.error as ApiError).code).toBe('INVALID_INPUT');
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Targets
// ---------------------------------------------------------------------------------------------------------------

export const scriptTargets: FuzzTarget[] = [
  {
    name: 'subtitles: random text',
    ciRuns: 300,
    ciMs: 1500,
    weight: 0.5,
    property: parseSubtitlesProperty(hostileString(400)),
  },
  { name: 'subtitles: subtitle-shaped text', ciRuns: 300, ciMs: 2000, property: parseSubtitlesProperty(subtitleLike) },
  {
    name: 'subtitles: damaged real files',
    ciRuns: 200,
    ciMs: 2000,
    property: () =>
      fc.property(cues(false), fc.boolean(), byteEdits(6), (cs, vtt, edits) => {
        const text = applyEdits(Buffer.from(vtt ? writeVtt(cs) : writeSrt(cs)), edits).toString('utf8');
        const r = withinTime(2000, () => attempt(() => (vtt ? parseVtt(text) : parseSrt(text))));
        if (r.ok) checkCues(r.value, text);
        else checkSubtitleError(r.error, text);
      }),
  },
  {
    name: 'subtitles: writeSrt → parseSrt round trip',
    ciRuns: 200,
    ciMs: 2000,
    property: () =>
      fc.property(cues(false), NL, (cs, nl) => {
        const lineEnding = nl === '\r' ? '\n' : nl;
        expect(parseSrt(writeSrt(cs, { lineEnding }))).toEqual(expected(cs, false));
      }),
  },
  {
    name: 'subtitles: writeVtt → parseVtt round trip (markup escaped)',
    ciRuns: 200,
    ciMs: 2000,
    property: () =>
      fc.property(cues(true), fc.constantFrom('\n' as const, '\r\n' as const), (cs, lineEnding) => {
        expect(parseVtt(writeVtt(cs, { lineEnding }))).toEqual(expected(cs, true));
      }),
  },
  {
    name: 'markdown: markdown-shaped and random text',
    ciRuns: 200,
    ciMs: 2500,
    property: () =>
      fc.property(fc.oneof(markdownLike, hostileString(400)), (md) => {
        const out = withinTime(2000, () => markdownToScript(md));
        expect(typeof out).toBe('string');
        expect(out).toBe(out.trim());
        expect(out).not.toMatch(/\n{3,}|\r/);
      }),
  },
  {
    name: 'tags: inline tags in random and tag-shaped lines',
    ciRuns: 400,
    ciMs: 2000,
    property: () =>
      fc.property(
        fc.oneof(
          hostileString(200),
          fc
            .array(
              fc.oneof(
                fc.constantFrom(
                  '[',
                  ']',
                  '\\',
                  '\\[',
                  'pause',
                  'speed',
                  'gain',
                  ' ',
                  'ms',
                  's',
                  'dB',
                  'x',
                  '−',
                  '-',
                  '+',
                  '.',
                  '1',
                  '0.5',
                  '99999999999999999999',
                  '1e400',
                  'NaN',
                  '[pause 1s]',
                  '[speed 1.2]',
                  '[gain -3dB]',
                  '[]',
                  '[ ]',
                ),
                fc.string({ maxLength: 4 }),
              ),
              { maxLength: 60 },
            )
            .map((p) => p.join('')),
        ),
        (line) => withinTime(1000, () => checkParsedTags(line)),
      ),
  },
  {
    name: 'tags: escaped text is never read as a tag',
    ciRuns: 300,
    ciMs: 1500,
    weight: 0.5,
    property: () =>
      fc.property(hostileString(200), (s) => {
        const p = parseInlineTags(escapeTagText(s));
        expect(p.errors).toEqual([]);
        expect(p.segments.every((seg) => 'text' in seg)).toBe(true);
        expect(p.settings).toEqual({});
        const t = s.trim().replace(/[ \t]{2,}/g, ' ');
        expect(p.text).toBe(t);
      }),
  },
  {
    name: 'splitter: script-shaped and random text',
    ciRuns: 200,
    ciMs: 3000,
    property: () =>
      fc.property(
        fc.oneof(scriptLike, hostileString(600)),
        fc.option(fc.integer({ min: 1, max: 400 }), { nil: undefined }),
        (text, max) => withinTime(3000, () => checkSplit(text, max)),
      ),
  },
  {
    name: 'pronunciation: random dictionaries applied to random text',
    ciRuns: 300,
    ciMs: 2500,
    property: () =>
      fc.property(
        entries,
        fc.oneof(
          fc.array(dictWord, { maxLength: 20 }).map((w) => w.join(' ')),
          hostileString(100),
        ),
        (es, text) => withinTime(2000, () => checkDictionary(es, text)),
      ),
  },
  {
    name: 'pronunciation: long chains of entries (up to the 5,000-entry limit)',
    ciRuns: 4,
    ciMs: 8000,
    weight: 0.5,
    property: () => fc.property(chain, (es) => withinTime(10_000, () => checkDictionary(es, 'w0x and w1x'))),
  },
  {
    name: 'script files: every accepted type, random and damaged bytes',
    ciRuns: 150,
    ciMs: 2500,
    property: () =>
      fc.asyncProperty(
        scriptFileName,
        fc.oneof(
          fc.uint8Array({ maxLength: 512 }).map((b) => Buffer.from(b)),
          fc.oneof(subtitleLike, markdownLike, hostileString(300)).map((s) => Buffer.from(s, 'utf8')),
          hostileString(100).map((s) => Buffer.from(s, 'utf16le')),
        ),
        (name, bytes) => checkScriptSource(name, bytes),
      ),
  },
  {
    name: 'script files: damaged .docx',
    ciRuns: 60,
    ciMs: 4000,
    property: () =>
      fc.asyncProperty(fc.array(fc.string({ maxLength: 40 }), { maxLength: 6 }), byteEdits(4), async (paras, edits) => {
        const docx = await makeDocx(
          // Only characters XML allows (the zip damage comes after).
          paras.map((p) =>
            [...p].filter((c) => /^[\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]$/u.test(c)).join(''),
          ),
        );
        await checkScriptSource('s.docx', applyEdits(docx, edits));
      }),
  },
];
