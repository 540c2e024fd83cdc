import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cardinal, ordinal, year } from '../../native-models/common/english-numbers.js';
import { normalizeEnglish } from '../../native-models/pocket-tts/normalize.js';
import { prepareTextPrompt, splitIntoChunks } from '../../native-models/pocket-tts/text.js';
import { SentencePieceTokenizer } from '../../native-models/pocket-tts/tokenizer.js';
import { SeededRandom } from '../../native-models/pocket-tts/rng.js';
import { loudestWindowStart, prepareReference } from '../../native-models/pocket-tts/audio.js';
import {
  deserializeConditioning,
  serializeConditioning,
  type VoiceConditioning,
} from '../../native-models/pocket-tts/conditioning.js';
import { REAL_TOKENIZER } from '../fixtures/pocket-tts-fixture.js';

describe('English normalisation', () => {
  it('cardinals, ordinals and years', () => {
    expect(cardinal(0)).toBe('zero');
    expect(cardinal(15)).toBe('fifteen');
    expect(cardinal(42)).toBe('forty-two');
    expect(cardinal(100)).toBe('one hundred');
    expect(cardinal(1234567)).toBe('one million two hundred thirty-four thousand five hundred sixty-seven');
    expect(cardinal(-7)).toBe('minus seven');
    expect(ordinal(1)).toBe('first');
    expect(ordinal(2)).toBe('second');
    expect(ordinal(3)).toBe('third');
    expect(ordinal(12)).toBe('twelfth');
    expect(ordinal(20)).toBe('twentieth');
    expect(ordinal(21)).toBe('twenty-first');
    expect(ordinal(100)).toBe('one hundredth');
    expect(year(1999)).toBe('nineteen ninety-nine');
    expect(year(2005)).toBe('two thousand five');
    expect(year(2024)).toBe('twenty twenty-four');
    expect(year(1900)).toBe('nineteen hundred');
    expect(year(1905)).toBe('nineteen oh five');
  });

  it.each([
    ['I have 3 apples and 1,234 pears.', 'I have three apples and one thousand two hundred thirty-four pears.'],
    ['Pi is 3.14.', 'Pi is three point one four.'],
    ['It costs $5.50.', 'It costs five dollars and fifty cents.'],
    ['Only $1 or $0.99!', 'Only one dollar or ninety-nine cents!'],
    ['A £20 note and €2.5 million.', 'A twenty pounds note and two point five million euros.'],
    ['Up 50% or down 3.5%.', 'Up fifty percent or down three point five percent.'],
    ['She came 1st, he 22nd, they 103rd.', 'She came first, he twenty-second, they one hundred third.'],
    ['On 2024-03-15 we met.', 'On March fifteenth, twenty twenty-four we met.'],
    ['Born March 5, 1990.', 'Born March fifth, nineteen ninety.'],
    ['Due 15 March 2024.', 'Due the fifteenth of March, twenty twenty-four.'],
    ['Due 12/25/2023.', 'Due December twenty-fifth, twenty twenty-three.'],
    ['At 3:30 pm or 10:05.', 'At three thirty P M or ten oh five.'],
    ['Meet at 7 a.m. Then go.', 'Meet at seven A M. Then go.'],
    ['Tom & Jerry', 'Tom and Jerry'],
    [
      'Dr. Smith met Mr. Jones on Main St. near St. Paul.',
      'Doctor Smith met Mister Jones on Main Street near Saint Paul.',
    ],
    ['Fruit, e.g. apples, etc.', 'Fruit, for example apples, et cetera.'],
    ['In the 1990s and the 80s.', 'In the nineteen nineties and the eighties.'],
    ['Read pages 5-10.', 'Read pages five to ten.'],
    ['It was -5 degrees, 20°C.', 'It was minus five degrees, twenty degrees Celsius.'],
    ['About 1/2 of it.', 'About one half of it.'],
    ['x + y = z', 'x plus y equals z'],
    ['Ran 5 km in 30 min.', 'Ran five kilometers in thirty minutes.'],
    ['Room No. 5', 'Room number five'],
    ['It\u2019s \u201cfine\u201d\u2026', 'It\'s "fine"...'],
  ])('%s', (input, expected) => {
    expect(normalizeEnglish(input)).toBe(expected);
  });
});

describe('prompt preparation (upstream prepare_text_prompt)', () => {
  it('capitalises, closes with a period, collapses whitespace and guesses the tail', () => {
    expect(prepareTextPrompt('  hello\nworld ')).toEqual({ text: 'Hello world.', framesAfterEosGuess: 3 });
    expect(prepareTextPrompt('one two three four five')).toEqual({
      text: 'One two three four five.',
      framesAfterEosGuess: 1,
    });
    expect(prepareTextPrompt('Done?').text).toBe('Done?');
    expect(prepareTextPrompt('a;b', { removeSemicolons: true }).text).toBe('A,b.');
    expect(prepareTextPrompt('hi', { padWithSpacesForShortInputs: true }).text).toBe('        Hi.');
    expect(() => prepareTextPrompt('   ')).toThrow();
  });
});

const have = existsSync(REAL_TOKENIZER);
describe.skipIf(!have)('sentence chunking within the token budget (real tokenizer)', () => {
  const tok = new SentencePieceTokenizer(readFileSync(REAL_TOKENIZER));

  it('keeps short text in one chunk', () => {
    expect(splitIntoChunks(tok, 'Hello there. How are you?', 50)).toEqual(['Hello there. How are you?']);
  });

  it('splits at sentence ends, packing sentences up to the budget', () => {
    const text =
      'The first sentence is here. The second one follows it! Is this the third? ' +
      'And the fourth sentence ends the paragraph.';
    const chunks = splitIntoChunks(tok, text, 12);
    expect(chunks.length).toBeGreaterThan(1);
    for (const c of chunks) {
      expect(tok.encode(c).length).toBeLessThanOrEqual(12);
      expect(c).toMatch(/[.!?]$/);
    }
    expect(chunks.join(' ')).toBe(text);
  });

  it('cuts an over-long sentence at commas', () => {
    const text = 'When the rain came, the river rose, the bridge fell, and everyone went home';
    const chunks = splitIntoChunks(tok, text, 8);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks[0]).toMatch(/,$/);
    expect(chunks.join(' ')).toBe(`${text}.`);
  });
});

describe('seeded noise', () => {
  it('equal seeds give equal sequences, different seeds differ, values look standard normal', () => {
    const a = new SeededRandom(42).fillGaussian(new Float32Array(20000), 1);
    const b = new SeededRandom(42).fillGaussian(new Float32Array(20000), 1);
    const c = new SeededRandom(43).fillGaussian(new Float32Array(20000), 1);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    const mean = a.reduce((s, v) => s + v, 0) / a.length;
    const variance = a.reduce((s, v) => s + (v - mean) ** 2, 0) / a.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
    expect(Math.max(...new SeededRandom(1).fillGaussian(new Float32Array(1000), 1, 0.5))).toBeLessThanOrEqual(0.5);
  });
});

describe('reference audio preparation', () => {
  it('picks the loudest window and pads to whole frames', () => {
    const pcm = new Float32Array(10000).fill(0.01);
    pcm.fill(0.8, 6000, 8000);
    const start = loudestWindowStart(pcm, 2000, 100);
    expect(start).toBe(6000);
    const ref = prepareReference(pcm, 24000, 24000, 2000 / 24000, 480);
    expect(ref.pcm.length).toBe(2400);
    expect(ref.pcm[0]).toBeCloseTo(0.8);
    expect(ref.pcm[2399]).toBe(0);
  });

  it('resamples to the model rate', () => {
    const ref = prepareReference(new Float32Array(16000).fill(0.1), 16000, 24000, 30, 1920);
    expect(ref.seconds).toBeCloseTo(1, 3);
    expect(ref.pcm.length).toBe(13 * 1920);
  });
});

describe('voice conditioning bytes', () => {
  it('round-trips and rejects damaged input', () => {
    const c: VoiceConditioning = {
      latents: Float32Array.from({ length: 3 * 4 }, (_, i) => i / 7),
      frames: 3,
      dim: 4,
      packId: 'english_2026-04:0123456789abcdef',
      seconds: 0.25,
    };
    const bytes = serializeConditioning(c);
    expect(deserializeConditioning(bytes)).toEqual(c);
    expect(() => deserializeConditioning(bytes.subarray(0, bytes.length - 4))).toThrow(/expected 48/);
    const bad = bytes.slice();
    bad[0] = 0;
    expect(() => deserializeConditioning(bad)).toThrow(/magic/);
  });
});
