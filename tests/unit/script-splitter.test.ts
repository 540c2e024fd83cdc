import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  headingTitle,
  speakerPrefix,
  splitLongSentence,
  splitScript,
  splitSentences,
} from '../../main/common/script/splitter.js';
import { markdownToScript } from '../../main/common/script/markdown.js';
import { joinText } from '../../main/common/script/text.js';

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
    // Default: a speaker's turn (a paragraph, soft wraps joined) stays one line.
    expect(s.lines.map((l) => [l.speaker, l.text])).toEqual([
      ['HOST', 'Hi there. Welcome. Still the host.'],
      ['Guest', 'Thanks.'],
      ['HOST', 'Back to me.'],
      [undefined, 'Nobody speaks.'],
    ]);
    expect(s.speakers).toEqual(['HOST', 'Guest']);
    const bySentence = splitScript(
      'HOST: Hi there. Welcome.\nStill the host.\n\nGuest: Thanks.\nHost: Back to me.\n\n# Next\n\nNobody speaks.',
      { split: 'sentence' },
    );
    expect(bySentence.lines.map((l) => [l.speaker, l.text])).toEqual([
      ['HOST', 'Hi there.'],
      ['HOST', 'Welcome.'],
      ['HOST', 'Still the host.'],
      ['Guest', 'Thanks.'],
      ['HOST', 'Back to me.'],
      [undefined, 'Nobody speaks.'],
    ]);
    expect(splitScript('HOST: Hi.', { detectSpeakers: false }).lines[0].text).toBe('HOST: Hi.');
  });

  it('keeps inline tags inside their sentence and reads Markdown as a script', () => {
    expect(splitScript('Wait [pause 1.5s] for it. Done.', { split: 'sentence' }).lines.map((l) => l.text)).toEqual([
      'Wait [pause 1.5s] for it.',
      'Done.',
    ]);
    expect(splitScript('Wait [pause 1.5s] for it. Done.').lines.map((l) => l.text)).toEqual([
      'Wait [pause 1.5s] for it. Done.',
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

  it('keeps a speaker turn as one line unless it exceeds the line budget, then cuts at sentence boundaries', () => {
    const turns = Array.from(
      { length: 9 },
      (_, i) => `${['ANA', 'BEN', 'CHLOE'][i % 3]}: Turn ${i + 1} starts here. It has a second sentence! And a third?`,
    ).join('\n');
    const s = splitScript(turns);
    expect(s.lines).toHaveLength(9);
    expect(s.lines[4]).toEqual({
      text: 'Turn 5 starts here. It has a second sentence! And a third?',
      speaker: 'BEN',
      paragraph: 4,
    });
    expect(splitScript(turns, { split: 'sentence' }).lines).toHaveLength(27);

    // A 10-sentence paragraph of 42 characters each (about 430) with a 120-character budget: packed two per line
    // (85 characters with the space; three would be 128), cut only between sentences.
    const sentence = (i: number) => `Sentence number ${String(i).padStart(2, '0')} is exactly fifty chars.`;
    expect(sentence(1)).toHaveLength(42);
    const para = Array.from({ length: 10 }, (_, i) => sentence(i)).join(' ');
    const packed = splitScript(`NARRATOR: ${para}`, { maxLineLength: 120 });
    expect(packed.lines.map((l) => l.text)).toEqual([0, 2, 4, 6, 8].map((i) => `${sentence(i)} ${sentence(i + 1)}`));
    expect(packed.lines.every((l) => l.speaker === 'NARRATOR' && l.paragraph === 0)).toBe(true);

    // A single sentence over the budget is still cut at clause boundaries; CJK sentences pack without a space.
    const long = `Many ${'word '.repeat(60).trim()}, ${'more '.repeat(60).trim()}.`;
    const cut = splitScript(`Short one. ${long} Tail.`, { maxLineLength: 200 }).lines.map((l) => l.text);
    expect(cut[0]).toBe('Short one.');
    expect(cut.every((t) => t.length <= 200)).toBe(true);
    expect(cut.at(-1)).toMatch(/Tail\.$/);
    expect(splitScript('你好。今天很好！再见。').lines.map((l) => l.text)).toEqual(['你好。今天很好！再见。']);
  });

  it('turn mode regroups exactly the sentence-mode lines of each paragraph, within the budget (property)', () => {
    const word = fc.constantFrom('alpha', 'Beta', 'gamma', 'e.g.', 'Dr.', '3.14', '你好', '再见。', 'x@y.z');
    const sentenceArb = fc
      .tuple(fc.array(word, { minLength: 1, maxLength: 12 }), fc.constantFrom('.', '!', '?', '…', '。'))
      .map(([ws, end]) => ws.join(' ') + end);
    const paraArb = fc
      .tuple(
        fc.option(fc.constantFrom('ANA', 'BEN'), { nil: undefined }),
        fc.array(sentenceArb, { minLength: 1, maxLength: 8 }),
      )
      .map(([who, ss]) => (who ? `${who}: ` : '') + ss.join(' '));
    fc.assert(
      fc.property(
        fc.array(paraArb, { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 20, max: 160 }),
        (paras, max) => {
          const text = paras.join('\n\n');
          const turn = splitScript(text, { maxLineLength: max });
          const sent = splitScript(text, { maxLineLength: max, split: 'sentence' });
          expect(turn.lines.length).toBeLessThanOrEqual(sent.lines.length);
          const byPara = (lines: { text: string; paragraph: number; speaker?: string }[]) => {
            const t = new Map<number, string>();
            for (const l of lines) t.set(l.paragraph, joinText(t.get(l.paragraph) ?? '', l.text));
            return { text: [...t.entries()], speakers: [...new Set(lines.map((l) => `${l.paragraph}:${l.speaker}`))] };
          };
          expect(byPara(turn.lines)).toEqual(byPara(sent.lines));
          for (const l of turn.lines) expect(l.text.length).toBeLessThanOrEqual(max);
        },
      ),
      { numRuns: 200 },
    );
  });
});
