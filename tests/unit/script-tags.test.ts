import { describe, expect, it } from 'vitest';
import { escapeTagText, parseInlineTags } from '../../main/common/script/tags.js';

describe('inline tags', () => {
  it('splits a line into text and pause segments and reads speed and gain', () => {
    const p = parseInlineTags('Hello [pause 1.5s] world [speed 1.2] [gain -3dB] \\[literal\\]');
    expect(p.segments).toEqual([{ text: 'Hello' }, { pause: 1.5 }, { text: 'world [literal]' }]);
    expect(p.settings).toEqual({ speed: 1.2, gainDb: -3 });
    expect(p.text).toBe('Hello world [literal]');
    expect(p.totalPause).toBe(1.5);
    expect(p.tagsOnly).toBe(false);
    expect(p.errors).toEqual([]);
  });

  it('accepts ms, merges adjacent pauses, and flags lines with only tags', () => {
    const p = parseInlineTags('[pause 500ms][PAUSE 0.25s]');
    expect(p.segments).toEqual([{ pause: 0.75 }]);
    expect(p.tagsOnly).toBe(true);
    expect(parseInlineTags('🎙️ [pause 1s]').tagsOnly).toBe(true);
    expect(parseInlineTags('').tagsOnly).toBe(true);
    expect(parseInlineTags('你好[pause 1s]世界').text).toBe('你好世界');
  });

  it('reports every bad tag with its offset and a plain message, and keeps going', () => {
    const line = '[pause abc] [foo] [speed 3] [gain 1dB] [gain 2dB] [pause';
    const p = parseInlineTags(line);
    expect(p.errors.map((e) => [e.code, e.offset, e.length])).toEqual([
      ['MALFORMED_TAG', 0, 11],
      ['UNKNOWN_TAG', 12, 5],
      ['OUT_OF_RANGE', 18, 9],
      ['DUPLICATE_SETTING', 39, 10],
      ['UNCLOSED_TAG', 50, 6],
    ]);
    for (const e of p.errors) expect(line.slice(e.offset, e.offset + e.length).startsWith('[')).toBe(true);
    expect(p.errors[0].message).toMatch(/like \[pause 1\.5s\]/);
    expect(p.errors[2].message).toMatch(/between 0\.5 and 2/);
    expect(p.settings).toEqual({ gainDb: 1 });
    expect(parseInlineTags('[]').errors[0].code).toBe('EMPTY_TAG');
    expect(parseInlineTags('[pause 61s]').errors[0].code).toBe('OUT_OF_RANGE');
    expect(parseInlineTags('[gain -30dB]').errors[0].code).toBe('OUT_OF_RANGE');
  });

  it('escapes text so that nothing in it is a tag', () => {
    const text = 'Array [0] and \\ slash';
    expect(parseInlineTags(escapeTagText(text)).text).toBe(text);
    expect(parseInlineTags(escapeTagText(text)).errors).toEqual([]);
  });
});
