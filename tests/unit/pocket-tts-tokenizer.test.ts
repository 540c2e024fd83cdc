/**
 * The SentencePiece unigram tokenizer on the real Pocket TTS tokenizer.model (../shared/models/pocket-tts). Expected
 * ids come from the model's piece table and an independent exhaustive search over all segmentations, not from the
 * Viterbi code under test.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PieceType, SentencePieceTokenizer } from '../../native-models/pocket-tts/tokenizer.js';
import { REAL_TOKENIZER } from '../fixtures/pocket-tts-fixture.js';

const have = existsSync(REAL_TOKENIZER);
if (!have) console.warn(`pocket-tts tokenizer tests skipped: ${REAL_TOKENIZER} not found`);

describe.skipIf(!have)('SentencePiece tokenizer on the real tokenizer.model', () => {
  const tok = new SentencePieceTokenizer(readFileSync(REAL_TOKENIZER));
  const table = new Map(tok.pieces.map((p, i) => [p.piece, i] as const));
  const id = (piece: string) => table.get(piece) ?? -1;
  const byte = (b: number) => id(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);

  /** Best segmentation by brute force: every split of the normalised string into NORMAL pieces. */
  function bruteForce(text: string): number[] {
    const chars = [...tok.normalize(text)];
    let best: { score: number; ids: number[] } | null = null;
    const walk = (i: number, score: number, ids: number[]) => {
      if (i === chars.length) {
        if (!best || score > best.score) best = { score, ids: [...ids] };
        return;
      }
      for (let j = i + 1; j <= chars.length; j++) {
        const k = id(chars.slice(i, j).join(''));
        if (k >= 0 && tok.pieces[k].type === PieceType.NORMAL) walk(j, score + tok.pieces[k].score, [...ids, k]);
      }
    };
    walk(0, 0, []);
    return best!.ids;
  }

  it('parses the model: 4000 pieces, unigram, byte fallback, identity normaliser with dummy prefix', () => {
    expect(tok.vocabSize).toBe(4000);
    expect(tok.info).toMatchObject({
      modelType: 1,
      byteFallback: true,
      normalizerName: 'identity',
      addDummyPrefix: true,
      removeExtraWhitespaces: false,
      unkId: 0,
    });
    expect(tok.pieces.slice(0, 4).map((p) => p.piece)).toEqual(['<unk>', '<s>', '</s>', '<pad>']);
    expect(tok.pieces[4].piece).toBe('<0x00>');
    expect(tok.pieces[259].piece).toBe('<0xFF>');
    expect(tok.pieces[260].piece).toBe('\u2581');
    expect(tok.pieces[265].piece).toBe('\u2581the');
  });

  it('a frequent word is one piece: "▁the" (−3.74) beats any split (each piece ≤ −2.88, two pieces ≤ −5.77)', () => {
    const maxScore = Math.max(...tok.pieces.filter((p) => p.type === PieceType.NORMAL).map((p) => p.score));
    expect(maxScore).toBeLessThan(-2.8);
    expect(tok.pieces[265].score).toBeGreaterThan(2 * maxScore);
    expect(tok.encode('the')).toEqual([265]);
    expect(tok.encode('')).toEqual([]);
  });

  it('punctuation and words: "the, the." = ▁the , ▁the .', () => {
    expect(tok.encode('the, the.')).toEqual([265, 262, 265, 263]);
    expect(tok.idsToPieces(tok.encode('the, the.'))).toEqual(['\u2581the', ',', '\u2581the', '.']);
  });

  it('matches an exhaustive search over all segmentations', () => {
    for (const s of ['Hello world.', 'I know what you like.', 'So, and we?', 'Mary had a little lamb!'])
      expect(tok.encode(s), s).toEqual(bruteForce(s));
  });

  it('characters no piece covers fall back to their UTF-8 bytes (€ = E2 82 AC)', () => {
    expect(id('€')).toBe(-1);
    expect(tok.encode('€')).toEqual([260, byte(0xe2), byte(0x82), byte(0xac)]);
    expect(tok.decode(tok.encode('a € b'))).toBe('a € b');
  });

  it('keeps repeated spaces (remove_extra_whitespaces is off) and decodes back to the text', () => {
    expect(tok.normalize('  a')).toBe('\u2581\u2581\u2581a');
    for (const s of ['Hello world.', 'The year twenty twenty-four!', "It's 'quoted' here..."])
      expect(tok.decode(tok.encode(s))).toBe(s);
  });
});
