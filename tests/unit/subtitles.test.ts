import { describe, expect, it } from 'vitest';
import {
  formatTimestamp,
  layoutCues,
  parseSrt,
  parseTimestamp,
  parseVtt,
  SubtitleParseError,
  writeSrt,
  writeVtt,
  type Cue,
} from '../../main/common/script/subtitles.js';
import { ffmetadata } from '../../main/node/export/export.js';
import { chaptersFrom } from '../../main/node/export/export-protocol.js';

const CUES: Cue[] = [
  { start: 0, end: 1.5, text: 'Welcome to the show.', speaker: 'Host' },
  { start: 1.9, end: 3.25, text: 'Thanks <for> having me & all.', speaker: 'Guest' },
  { start: 3.65, end: 5.001, text: '你好，世界。' },
  { start: 3700.5, end: 3702, text: 'Over an hour in.' },
];

describe('subtitles', () => {
  it('formats and parses timestamps', () => {
    expect(formatTimestamp(3723.0456, ',')).toBe('01:02:03,046');
    expect(formatTimestamp(0.5, '.')).toBe('00:00:00.500');
    expect(formatTimestamp(360_000, ',')).toBe('100:00:00,000');
    expect(parseTimestamp('01:02:03,046')).toBe(3723.046);
    expect(parseTimestamp('02:03.5')).toBe(123.5);
    expect(parseTimestamp('1:2:3')).toBeUndefined();
    expect(() => formatTimestamp(-1, ',')).toThrow(RangeError);
  });

  it('writes SRT that parses back to the same cues (times at ms precision)', () => {
    const srt = writeSrt(CUES);
    expect(srt.split('\n').slice(0, 4)).toEqual(['1', '00:00:00,000 --> 00:00:01,500', 'Welcome to the show.', '']);
    expect(parseSrt(srt)).toEqual(
      CUES.map(({ speaker: _s, ...c }) => ({ ...c, end: Math.round(c.end * 1000) / 1000 })),
    );
    expect(writeSrt(CUES, { lineEnding: '\r\n' })).toContain('\r\n00:00:01,900 --> 00:00:03,250\r\n');
  });

  it('writes WebVTT with voices and escaping that parses back', () => {
    const vtt = writeVtt(CUES);
    expect(vtt.startsWith('WEBVTT\n\n00:00:00.000 --> 00:00:01.500\n<v Host>Welcome to the show.\n')).toBe(true);
    expect(vtt).toContain('Thanks &lt;for&gt; having me &amp; all.');
    expect(parseVtt(vtt)).toEqual(CUES.map((c) => ({ ...c, end: Math.round(c.end * 1000) / 1000 })));
  });

  it('treats a lone carriage return in cue text as a line break, so SRT and WebVTT read back the same lines (fuzz #16)', () => {
    // Found by the fuzz harness: "a\rb" was written as one line that the parsers then read as two.
    const cues: Cue[] = [
      { start: 0, end: 1, text: ',\r你好' },
      { start: 1, end: 2, text: 'one\rtwo', speaker: 'A' },
    ];
    expect(layoutCues(cues).map((c) => c.text)).toEqual([',\n你好', 'one\ntwo']);
    expect(parseSrt(writeSrt(cues)).map((c) => c.text)).toEqual([',\n你好', 'one\ntwo']);
    expect(parseVtt(writeVtt(cues, { lineEnding: '\r\n' }))).toEqual([
      { start: 0, end: 1, text: ',\n你好' },
      { start: 1, end: 2, text: 'one\ntwo', speaker: 'A' },
    ]);
  });

  it('wraps long cues (CJK counted double width) into consecutive cues that cover the same time', () => {
    const long = { start: 10, end: 20, text: 'word '.repeat(40).trim() };
    const out = layoutCues([long]);
    expect(out.length).toBeGreaterThan(1);
    expect(out[0].start).toBe(10);
    expect(out[out.length - 1].end).toBe(20);
    for (let i = 1; i < out.length; i++) expect(out[i].start).toBe(out[i - 1].end);
    for (const c of out) for (const l of c.text.split('\n')) expect(l.length).toBeLessThanOrEqual(42);
    const cjk = layoutCues([
      { start: 0, end: 4, text: '这是一个非常长的中文句子，用来测试字幕的自动换行功能是否正确地按照显示宽度计算。' },
    ]);
    for (const c of cjk) for (const l of c.text.split('\n')) expect([...l].length).toBeLessThanOrEqual(21);
  });

  it('reports malformed files with the line number', () => {
    expect(() => parseSrt('1\n00:00:01,000 --> 00:00:00,500\nBackwards\n')).toThrow(/ends before it starts/);
    expect(() => parseVtt('Not a header\n\n00:00.000 --> 00:01.000\nx')).toThrow(SubtitleParseError);
    let err: unknown;
    try {
      parseSrt('1\n00:00:01,000 --> 00:00:02,000\nok\n\n2\nxx --> yy\nbad\n');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SubtitleParseError);
    expect((err as SubtitleParseError).line).toBe(6);
  });
});

describe('chapters', () => {
  it('derives chapters from the lines that start them: each ends where the next starts', () => {
    expect(
      chaptersFrom(
        [
          { title: 'One', start: 0 },
          { title: 'Two', start: 12.5 },
          { title: 'Three', start: 30 },
        ],
        42,
      ),
    ).toEqual([
      { title: 'One', start: 0, end: 12.5 },
      { title: 'Two', start: 12.5, end: 30 },
      { title: 'Three', start: 30, end: 42 },
    ]);
    // Two headings at the same place become one chapter; an empty one at the very end is dropped.
    expect(
      chaptersFrom(
        [
          { title: 'Part I', start: 0 },
          { title: 'Chapter 1', start: 0 },
          { title: 'End', start: 42 },
        ],
        42,
      ),
    ).toEqual([{ title: 'Part I / Chapter 1', start: 0, end: 42 }]);
  });

  it('writes FFMETADATA1 with escaped titles and millisecond times', () => {
    const text = ffmetadata({ title: 'My = Show; #1' }, [
      { title: 'Intro', start: 0, end: 12.3456 },
      { title: 'Q&A; more=fun', start: 12.3456, end: 60 },
    ]);
    expect(text).toBe(
      [
        ';FFMETADATA1',
        'title=My \\= Show\\; \\#1',
        '[CHAPTER]',
        'TIMEBASE=1/1000',
        'START=0',
        'END=12346',
        'title=Intro',
        '[CHAPTER]',
        'TIMEBASE=1/1000',
        'START=12346',
        'END=60000',
        'title=Q&A\\; more\\=fun',
        '',
      ].join('\n'),
    );
    expect(() => ffmetadata({}, [{ title: 'Bad', start: 5, end: 5 }])).toThrow(/Invalid chapter "Bad"/);
  });
});
