import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  decodeSubtitleBytes,
  parseSubtitleFile,
  SubtitleLimitError,
  SubtitleParseError,
} from '../../main/common/dub/subtitle-file.js';
import { borrowLimit, decideFit, fasterRate, SpeakingRateModel } from '../../main/common/dub/fit.js';
import { DUB_LIMITS } from '../../preload/contract/dub.js';

const dir = mkdtempSync(path.join(tmpdir(), 'timbre-dub-subs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Write a real file and parse what is read back from disk. */
function roundTrip(name: string, bytes: Uint8Array | string, opts = {}) {
  const file = path.join(dir, name);
  writeFileSync(file, bytes);
  return parseSubtitleFile(readFileSync(file), name, opts);
}

const SRT = `1
00:00:01,000 --> 00:00:03,500
<i>Hello</i> there, <b>friend</b>.

2
00:00:04,000 --> 00:00:06,000
ANNA: {\\an8}Où est la gare ?
Tout droit.

3
00:00:07,250 --> 00:00:09,000
BOB SMITH: Thank you – “really”.
`;

describe('subtitle files for dubbing', () => {
  it('reads SRT: tags stripped, speaker prefixes, times', () => {
    const r = roundTrip('a.srt', SRT);
    expect(r.format).toBe('srt');
    expect(r.encoding).toBe('utf-8');
    expect(r.cues).toEqual([
      { index: 0, start: 1, end: 3.5, text: 'Hello there, friend.', speaker: null },
      { index: 1, start: 4, end: 6, text: 'Où est la gare ?\nTout droit.', speaker: 'ANNA' },
      { index: 2, start: 7.25, end: 9, text: 'Thank you – “really”.', speaker: 'BOB SMITH' },
    ]);
    expect(roundTrip('b.srt', SRT, { speakerPrefix: false }).cues[1].text).toBe('ANNA: Où est la gare ?\nTout droit.');
  });

  it('detects UTF-8 with BOM, UTF-16 LE/BE with BOM, UTF-16 without BOM and windows-1252', () => {
    const utf16le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(SRT, 'utf16le')]);
    const be = Buffer.from(SRT, 'utf16le');
    for (let i = 0; i < be.length; i += 2) [be[i], be[i + 1]] = [be[i + 1], be[i]];
    const utf16be = Buffer.concat([Buffer.from([0xfe, 0xff]), be]);
    const cases: [string, Uint8Array, string][] = [
      ['bom.srt', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(SRT)]), 'utf-8-bom'],
      ['le.srt', utf16le, 'utf-16le'],
      ['be.srt', utf16be, 'utf-16be'],
      ['nobom-le.srt', Buffer.from(SRT, 'utf16le'), 'utf-16le'],
    ];
    const expected = roundTrip('ref.srt', SRT).cues;
    for (const [name, bytes, enc] of cases) {
      const r = roundTrip(name, bytes);
      expect(r.encoding, name).toBe(enc);
      expect(r.cues, name).toEqual(expected);
    }
    // windows-1252: é = 0xE9, “ ” = 0x93 0x94, – = 0x96, € = 0x80 (invalid as UTF-8).
    const cp = Buffer.from([
      ...Buffer.from('1\r\n00:00:01,000 --> 00:00:02,000\r\nCaf', 'latin1'),
      0xe9,
      0x20,
      0x93,
      ...Buffer.from('ok', 'latin1'),
      0x94,
      0x20,
      0x96,
      0x20,
      0x35,
      0x80,
      0x0d,
      0x0a,
    ]);
    const r = roundTrip('cp.srt', cp);
    expect(r.encoding).toBe('windows-1252');
    expect(r.cues[0].text).toBe('Café “ok” – 5€');
    expect(decodeSubtitleBytes(new Uint8Array([0x41, 0xc3, 0xa9])).text).toBe('Aé');
  });

  it('reads WebVTT with <v> speakers and ASS/SSA with the Name field, override tags and \\N', () => {
    const vtt = roundTrip(
      'a.vtt',
      'WEBVTT\n\nNOTE hi\n\n00:01.000 --> 00:02.500 align:start\n<v Mia>Hi <c.loud>you</c>\n\n00:03.000 --> 00:04.000\nJOE: Yo\n',
    );
    expect(vtt.format).toBe('vtt');
    expect(vtt.cues.map((c) => [c.start, c.end, c.speaker, c.text])).toEqual([
      [1, 2.5, 'Mia', 'Hi you'],
      [3, 4, 'JOE', 'Yo'],
    ]);
    const ass = `[Script Info]
Title: x
ScriptType: v4.00+

[V4+ Styles]
Format: Name, Fontname
Style: Default,Arial

[Events]
Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text
Comment: 0,0:00:00.00,0:00:01.00,Default,,0,0,0,,not spoken
Dialogue: 0,0:00:01.50,0:00:03.20,Default,Narrator,0,0,0,,{\\i1}Once, upon{\\i0} a time\\Nthere was
Dialogue: 0,0:00:04.00,0:00:05.00,Default,,0,0,0,,KIM: Hello\\hthere
`;
    const a = roundTrip('a.ass', ass);
    expect(a.format).toBe('ass');
    expect(a.cues.map((c) => [c.start, c.end, c.speaker, c.text])).toEqual([
      [1.5, 3.2, 'Narrator', 'Once, upon a time\nthere was'],
      [4, 5, 'KIM', 'Hello there'],
    ]);
    // The format comes from the content when the name says nothing.
    expect(roundTrip('noext', ass).format).toBe('ass');
  });

  it('resolves overlapping cues by the documented rule, with a warning for each', () => {
    const r = roundTrip(
      'overlap.srt',
      `1\n00:00:05,000 --> 00:00:08,000\nLater one\n\n2\n00:00:01,000 --> 00:00:04,000\nFirst\n\n3\n00:00:03,000 --> 00:00:04,500\nCuts the first\n\n4\n00:00:05,100 --> 00:00:09,000\nMerged into later\n`,
    );
    expect(r.cues.map((c) => [c.start, c.end, c.text])).toEqual([
      [1, 3, 'First'],
      [3, 4.5, 'Cuts the first'],
      [5, 9, 'Later one\nMerged into later'],
    ]);
    expect(r.warnings).toHaveLength(2);
    expect(r.warnings[0]).toMatch(/Cue 2 overlaps cue 3: it now ends at 0:03.000/);
    expect(r.warnings[1]).toMatch(/merged/);
    for (let i = 1; i < r.cues.length; i++) expect(r.cues[i].start).toBeGreaterThanOrEqual(r.cues[i - 1].end);
  });

  it('refuses hostile input with a clear error before doing the work', () => {
    expect(() => roundTrip('empty.srt', '')).toThrow(SubtitleParseError);
    expect(() => roundTrip('junk.txt', 'just some words')).toThrow(/not a subtitle file/);
    expect(() => roundTrip('bad.srt', '1\n00:00:0x,000 --> 00:00:01,000\nx\n')).toThrow(/malformed cue time/);
    expect(() => roundTrip('back.ass', '[Events]\nDialogue: 0,0:00:05.00,0:00:01.00,D,,0,0,0,,x\n')).toThrow(
      /ends before it starts/,
    );
    const many = Array.from(
      { length: DUB_LIMITS.cuesMax + 1 },
      (_, i) => `${i + 1}\n00:00:01,000 --> 00:00:02,000\nx\n`,
    ).join('\n');
    expect(() => roundTrip('many.srt', many)).toThrow(SubtitleLimitError);
    expect(() => roundTrip('many.srt', many)).toThrow(/more than 20,000 cues/);
    const long = `1\n00:00:01,000 --> 00:00:02,000\n${'word '.repeat(1000)}\n`;
    expect(() => roundTrip('long.srt', long)).toThrow(/at most 2,000/);
    expect(() => roundTrip('day.srt', '1\n25:00:00,000 --> 25:00:01,000\nx\n')).toThrow(/after 24 hours/);
    expect(() => decodeSubtitleBytes(new Uint8Array(DUB_LIMITS.subtitleBytesMax + 1))).toThrow(/at most|most Timbre/);
    expect(() => roundTrip('tags.srt', '1\n00:00:01,000 --> 00:00:02,000\n<i></i>\n')).toThrow(/no cue with text/);
  });
});

describe('fit rules', () => {
  it('fits, borrows, stretches within the cap, else too long (never cut)', () => {
    expect(decideFit(1.5, 2, 0.5, 1.15)).toMatchObject({ fit: 'fits', stretch: 1, borrowedSeconds: 0 });
    expect(decideFit(2.3, 2, 0.5, 1.15)).toMatchObject({ fit: 'borrowed', stretch: 1, borrowedSeconds: 0.3 });
    const s = decideFit(2.7, 2, 0.5, 1.15);
    expect(s.fit).toBe('stretched');
    expect(s.stretch).toBeCloseTo(2.7 / 2.5, 6);
    expect(s.placedSeconds).toBeCloseTo(2.5, 6);
    const t = decideFit(3.5, 2, 0.5, 1.15);
    expect(t.fit).toBe('too-long');
    expect(t.stretch).toBe(1.15);
    expect(t.tooLongBySeconds).toBeCloseTo(3.5 / 1.15 - 2.5, 3);
    expect(fasterRate(3.5, 2.5, 1.15, 1, 1.6)).toBeGreaterThan(1.2);
    expect(fasterRate(3.5, 2.5, 1.15, 1.6, 1.6)).toBeNull();
  });

  it('borrows up to the next cue minus a guard, capped', () => {
    const cues = [
      { start: 0, end: 1 },
      { start: 1.3, end: 2 },
      { start: 5, end: 6 },
    ];
    expect(borrowLimit(cues, 0, 10, 1)).toBeCloseTo(0.2, 6);
    expect(borrowLimit(cues, 1, 10, 1)).toBe(1);
    expect(borrowLimit(cues, 2, 6.05, 1)).toBe(0);
  });

  it('calibrates a speaking rate per voice from takes', () => {
    const m = new SpeakingRateModel(14, 4);
    expect(m.rate('v')).toBe(14);
    for (let i = 0; i < 20; i++) m.observe('v', 'abcdefghij'.repeat(2), 2); // 10 chars/s
    expect(m.rate('v')).toBeGreaterThan(10);
    expect(m.rate('v')).toBeLessThan(10.5);
    expect(m.rate('other')).toBe(14);
    expect(m.measured()).toEqual({ v: 10 });
  });
});
