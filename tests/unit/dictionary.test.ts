import { describe, expect, it } from 'vitest';
import {
  applyPronunciations,
  compileDictionary,
  DictionaryError,
  validateDictionary,
} from '../../main/common/script/pronunciation.js';

describe('pronunciation dictionary', () => {
  it('replaces whole words case-insensitively, longest key first, in one pass', () => {
    const d = compileDictionary([
      { word: 'GIF', respelling: 'jif' },
      { word: 'New York', respelling: 'Noo Yawk' },
      { word: 'New York City', respelling: 'the Big Apple' },
    ]);
    const r = d.apply('A gif of New  York City, not New York, and GIFs stay.');
    expect(r.text).toBe('A jif of the Big Apple, not Noo Yawk, and GIFs stay.');
    expect(r.fired).toEqual([
      { word: 'GIF', respelling: 'jif', count: 1 },
      { word: 'New York City', respelling: 'the Big Apple', count: 1 },
      { word: 'New York', respelling: 'Noo Yawk', count: 1 },
    ]);
  });

  it('honours case-sensitive entries', () => {
    const entries = [
      { word: 'US', respelling: 'you ess', caseSensitive: true },
      { word: 'Nice', respelling: 'Neess', caseSensitive: true },
      { word: 'nice', respelling: 'nyce' },
    ];
    expect(applyPronunciations('Tell us about the US trip to Nice; nice.', entries).text).toBe(
      'Tell us about the you ess trip to Neess; nyce.',
    );
  });

  it('matches CJK words as substrings, also Latin keys next to CJK text', () => {
    const r = applyPronunciations('我用iPhone拍了重庆的照片。重庆很美。', [
      { word: '重庆', respelling: '崇庆' },
      { word: 'iPhone', respelling: '爱疯' },
    ]);
    expect(r.text).toBe('我用爱疯拍了崇庆的照片。崇庆很美。');
    expect(r.fired.find((f) => f.word === '重庆')?.count).toBe(2);
    expect(applyPronunciations('東京タワー', [{ word: '東京', respelling: 'とうきょう' }]).text).toBe(
      'とうきょうタワー',
    );
  });

  it('refuses loops, self-references, duplicates and empty entries, naming them', () => {
    const cycle = validateDictionary([
      { word: 'tomato', respelling: 'tomahto' },
      { word: 'tomahto', respelling: 'tomato' },
    ]);
    expect(cycle).toEqual([expect.objectContaining({ kind: 'cycle', words: ['tomato', 'tomahto'] })]);
    expect(cycle[0].message).toMatch(/"tomato" → "tomahto" → "tomato"/);
    const three = validateDictionary([
      { word: 'a1', respelling: 'say b1' },
      { word: 'b1', respelling: 'say c1' },
      { word: 'c1', respelling: 'say a1' },
    ]);
    expect(three[0].words).toEqual(['a1', 'b1', 'c1']);
    expect(validateDictionary([{ word: 'soon', respelling: 'very soon' }])[0].kind).toBe('self-reference');
    expect(
      validateDictionary([
        { word: 'Data', respelling: 'dayta' },
        { word: 'data', respelling: 'dahta' },
      ])[0].kind,
    ).toBe('duplicate');
    expect(validateDictionary([{ word: ' ', respelling: 'x' }])[0].kind).toBe('empty');
    expect(() => compileDictionary([{ word: 'x', respelling: 'x x' }])).toThrow(DictionaryError);
    // Chains that settle are fine: A → B where B is not a key.
    expect(
      validateDictionary([
        { word: 'colour', respelling: 'color' },
        { word: 'grey', respelling: 'gray' },
      ]),
    ).toEqual([]);
  });
});
