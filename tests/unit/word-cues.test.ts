/**
 * Word-timed subtitle cues: display words get their aligned times, cues keep the layout and reading-speed limits,
 * break at phrase boundaries when they can, and word-level WebVTT carries a timestamp per word.
 */
import { describe, expect, it } from 'vitest';
import { parseSrt, parseVtt, writeSrt } from '../../main/common/script/subtitles.js';
import {
  MAX_CPS,
  MAX_CUE_SECONDS,
  MIN_CUE_SECONDS,
  timeWords,
  wordCues,
  writeWordVtt,
  type TimedWord,
} from '../../main/common/script/word-cues.js';

/** Words spoken at `wps` words a second from `t0`, each taking 80 % of its slot. */
function speak(text: string, t0: number, wps = 2.6): TimedWord[] {
  return text
    .split(/\s+/)
    .filter(Boolean)
    .map((w, i) => ({ text: w, start: t0 + i / wps, end: t0 + (i + 0.8) / wps }));
}

describe('timeWords', () => {
  it('gives display words (punctuation kept) the aligned times, shifted to the episode', () => {
    const words = timeWords(
      'Hello, world — again!',
      [
        { word: 'Hello', start: 0.1, end: 0.5 },
        { word: 'world', start: 0.6, end: 1.0 },
        { word: 'again', start: 1.2, end: 1.6 },
      ],
      { start: 10, end: 12, offset: 10 },
    );
    expect(words.map((w) => w.text)).toEqual(['Hello,', 'world —', 'again!']);
    expect(words[0].start).toBeCloseTo(10.1, 6);
    expect(words[2].end).toBeCloseTo(11.6, 6);
  });

  it('puts a word the aligner did not hear between its neighbours', () => {
    const words = timeWords(
      'one two three',
      [
        { word: 'one', start: 0, end: 0.4 },
        { word: 'two', start: null, end: null },
        { word: 'three', start: 1.0, end: 1.4 },
      ],
      { start: 0, end: 2, offset: 0 },
    );
    expect(words[1].start).toBeCloseTo(0.5, 6);
    expect(words[1].end).toBeCloseTo(0.9, 6);
  });

  it('spreads words by length over the line when there is no alignment or it does not match', () => {
    for (const aligned of [null, [{ word: 'other', start: 0, end: 1 }]]) {
      const words = timeWords('a bbbb', aligned, { start: 2, end: 4, offset: 2 });
      expect(words.map((w) => [w.start, w.end])).toEqual([
        [2, 2 + (2 * 2) / 7],
        [2 + (2 * 2) / 7, 4],
      ]);
    }
  });
});

describe('wordCues', () => {
  const paragraph =
    'When we first opened the workshop, nobody believed that a room full of broken radios could become a studio. ' +
    'We spent the first winter sorting valves, soldering joints and arguing about microphones. ' +
    'By spring, the neighbours were bringing us their old tape recorders, and the shelves were full.';

  it('keeps every cue within the layout and timing limits, and breaks at phrase ends', () => {
    // About 150 words a minute with these long words: 15 characters a second, under the 17 cps limit (faster speech
    // cannot be subtitled verbatim under it: cues then run as fast as the speech, never faster).
    const words = speak(paragraph, 5, 2.2);
    const cues = wordCues([{ words, speaker: 'HOST' }]);
    expect(cues.map((c) => c.text.replace(/\n/g, ' ')).join(' ')).toBe(paragraph);
    for (const [i, c] of cues.entries()) {
      const rows = c.text.split('\n');
      expect(rows.length).toBeLessThanOrEqual(2);
      for (const r of rows) expect(r.length).toBeLessThanOrEqual(42);
      const dur = c.end - c.start;
      expect(dur).toBeGreaterThanOrEqual(MIN_CUE_SECONDS - 1e-9);
      expect(dur).toBeLessThanOrEqual(MAX_CUE_SECONDS + 1e-9);
      // Readable at 17 cps, unless the next cue follows at once (then it runs as fast as the speech itself).
      const cps = c.text.replace(/\n/g, ' ').length / dur;
      if (cps > MAX_CPS) expect(c.end).toBe(cues[i + 1]?.start);
      expect(c.start).toBeCloseTo(c.words[0].start, 3);
      if (i > 0) expect(c.start).toBeGreaterThanOrEqual(cues[i - 1].end);
      expect(c.speaker).toBe('HOST');
      // Every cue ends at punctuation here: the text allows it.
      expect(c.text, c.text).toMatch(/[.,]$/);
    }
    // Sentences are never merged across a full stop when they could stand alone.
    expect(cues.some((c) => /\.\s/.test(c.text.replace(/\n/g, ' ')))).toBe(false);
  });

  it('holds a short line a second when the next line leaves room, never overlapping it', () => {
    const cues = wordCues([
      { words: [{ text: 'Yes.', start: 1, end: 1.3 }] },
      { words: [{ text: 'No.', start: 1.6, end: 1.9 }] },
      { words: [{ text: 'Maybe.', start: 5, end: 5.4 }] },
    ]);
    expect(cues.map((c) => [c.start, c.end])).toEqual([
      [1, 1.6],
      [1.6, 2.6],
      [5, 6],
    ]);
  });

  it('never puts two script lines in one cue', () => {
    const cues = wordCues([
      { words: speak('Hi there.', 0), speaker: 'A' },
      { words: speak('Hello.', 1), speaker: 'B' },
    ]);
    expect(cues.map((c) => [c.text, c.speaker])).toEqual([
      ['Hi there.', 'A'],
      ['Hello.', 'B'],
    ]);
  });

  it('round-trips through SRT, and writes word-level WebVTT with a timestamp per word', () => {
    const cues = wordCues([{ words: speak(paragraph, 0), speaker: 'HOST' }]);
    const srt = parseSrt(writeSrt(cues));
    expect(srt.map((c) => [c.start, c.end, c.text])).toEqual(cues.map((c) => [c.start, c.end, c.text]));
    const vtt = writeWordVtt(cues);
    const parsed = parseVtt(vtt);
    expect(parsed.map((c) => c.text)).toEqual(cues.map((c) => c.text));
    expect(parsed.every((c) => c.speaker === 'HOST')).toBe(true);
    const stamps = [...vtt.matchAll(/<(\d\d):(\d\d):(\d\d)\.(\d{3})>/g)].map(
      (m) => Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) + Number(m[4]) / 1000,
    );
    const words = cues.reduce((n, c) => n + c.words.length, 0);
    expect(stamps).toHaveLength(words - cues.length);
    for (let i = 1; i < stamps.length; i++) expect(stamps[i]).toBeGreaterThan(stamps[i - 1]);
  });
});
