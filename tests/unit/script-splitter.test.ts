import { describe, expect, it } from 'vitest';
import {
  headingTitle,
  speakerPrefix,
  splitLongSentence,
  splitScript,
  splitSentences,
} from '../../main/common/script/splitter.js';
import { markdownToScript } from '../../main/common/script/markdown.js';

describe('splitSentences', () => {
  it('splits Latin text at . ! ? … but not at abbreviations, initials, decimals, URLs or e-mail addresses', () => {
    expect(
      splitSentences('Mr. Smith met Dr. Jones at 3.14 p.m. in the U.S. today. He said hi! Really? Yes… e.g. this one.'),
    ).toEqual([
      'Mr. Smith met Dr. Jones at 3.14 p.m. in the U.S. today.',
      'He said hi!',
      'Really?',
      'Yes… e.g. this one.',
    ]);
    expect(splitSentences('Visit https://example.com/a.b today. Email me at a.b@c.org. Then go.')).toEqual([
      'Visit https://example.com/a.b today.',
      'Email me at a.b@c.org.',
      'Then go.',
    ]);
  });

  it('splits Chinese and Japanese at full-width punctuation without spaces, keeping closing quotes', () => {
    expect(splitSentences('今天天气很好。我们去公园吧！你觉得呢？')).toEqual([
      '今天天气很好。',
      '我们去公园吧！',
      '你觉得呢？',
    ]);
    expect(splitSentences('東京へ行きます。楽しみです！本当？')).toEqual([
      '東京へ行きます。',
      '楽しみです！',
      '本当？',
    ]);
    expect(splitSentences('「行こう。」と彼は言った。それから。')).toEqual([
      '「行こう。」と彼は言った。',
      'それから。',
    ]);
    expect(splitSentences('他说：“走吧。”我们就走了。')).toEqual(['他说：“走吧。”', '我们就走了。']);
  });

  it('splits an over-long sentence at clause boundaries, then spaces', () => {
    const parts = splitLongSentence(
      'A very long sentence, with clauses; and more clauses, and even more words here to pass the limit of things.',
      40,
    );
    expect(parts.every((p) => p.length <= 40)).toBe(true);
    expect(parts[0]).toBe('A very long sentence, with clauses;');
    expect(parts.join(' ')).toBe(
      'A very long sentence, with clauses; and more clauses, and even more words here to pass the limit of things.',
    );
  });
});

describe('splitScript', () => {
  it('joins soft-wrapped CJK lines without a space and Latin ones with one', () => {
    const s = splitScript('今天天气\n很好。\n\nThe quick\nbrown fox.');
    expect(s.lines.map((l) => l.text)).toEqual(['今天天气很好。', 'The quick brown fox.']);
    expect(s.lines.map((l) => l.paragraph)).toEqual([0, 1]);
  });

  it('turns headings into chapters (Markdown, "Chapter N", "Part II", 第三章) and drops them from the lines', () => {
    expect(headingTitle('## Hello ##')).toBe('Hello');
    expect(headingTitle('Part II')).toBe('Part II');
    expect(headingTitle('Chapter three: Rain')).toBe('Chapter three: Rain');
    expect(headingTitle('第三章 雨')).toBe('第三章 雨');
    expect(headingTitle('Chapters are fun to write.')).toBeUndefined();
    const s = splitScript('第一章 开始\n\n你好。\n\nChapter 2: The End\n\nBye now.\n\n# Trailing');
    expect(s.chapters).toEqual([
      { title: '第一章 开始', lineIndex: 0 },
      { title: 'Chapter 2: The End', lineIndex: 1 },
      { title: 'Trailing', lineIndex: 2 },
    ]);
    expect(s.lines.map((l) => l.text)).toEqual(['你好。', 'Bye now.']);
    expect(splitScript('# Title\n\nText.', { speakHeadings: true }).lines.map((l) => l.text)).toEqual([
      'Title',
      'Text.',
    ]);
  });

  it('assigns NAME: speakers that carry on until the next prefix or heading, matched case-insensitively', () => {
    expect(speakerPrefix('Dr. Who: hello')).toEqual({ name: 'Dr. Who', rest: 'hello' });
    expect(speakerPrefix('note: this is lower case')).toBeUndefined();
    expect(speakerPrefix('This is a long sentence with a colon: not a speaker')).toBeUndefined();
    const s = splitScript(
      'HOST: Hi there. Welcome.\nStill the host.\n\nGuest: Thanks.\nHost: Back to me.\n\n# Next\n\nNobody speaks.',
    );
    expect(s.lines.map((l) => [l.speaker, l.text])).toEqual([
      ['HOST', 'Hi there.'],
      ['HOST', 'Welcome.'],
      ['HOST', 'Still the host.'],
      ['Guest', 'Thanks.'],
      ['HOST', 'Back to me.'],
      [undefined, 'Nobody speaks.'],
    ]);
    expect(s.speakers).toEqual(['HOST', 'Guest']);
    expect(splitScript('HOST: Hi.', { detectSpeakers: false }).lines[0].text).toBe('HOST: Hi.');
  });

  it('keeps inline tags inside their sentence and reads Markdown as a script', () => {
    expect(splitScript('Wait [pause 1.5s] for it. Done.').lines.map((l) => l.text)).toEqual([
      'Wait [pause 1.5s] for it.',
      'Done.',
    ]);
    const md = markdownToScript('# Title\n\nSome **bold** and [a link](https://x.y) here.\n\n- item one\n- item two\n');
    const s = splitScript(md);
    expect(s.chapters[0].title).toBe('Title');
    expect(s.lines[0].text).toBe('Some bold and a link here.');
  });

  it('splits a 10,000-line script into 10,000 lines', () => {
    const text = Array.from(
      { length: 10_000 },
      (_, i) => `${i % 2 ? 'HOST' : 'GUEST'}: Line number ${i + 1} is here.`,
    ).join('\n');
    const s = splitScript(text);
    expect(s.lines).toHaveLength(10_000);
    expect(s.lines[9_999]).toEqual({ text: 'Line number 10000 is here.', speaker: 'HOST', paragraph: 9_999 });
  });
});
