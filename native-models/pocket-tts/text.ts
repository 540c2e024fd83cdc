/**
 * Text preparation and chunking, following upstream pocket-tts (`prepare_text_prompt`, `split_into_best_sentences`;
 * see docs/pocket-tts-contract.md): whitespace clean-up, a leading capital, closing punctuation, and token-level
 * sentence splitting into chunks within the model's token budget.
 */
import type { SentencePieceTokenizer } from './tokenizer.js';

export interface PromptOptions {
  padWithSpacesForShortInputs?: boolean;
  removeSemicolons?: boolean;
}

export interface PreparedPrompt {
  text: string;
  /** Upstream's guess of tail frames after EOS before the +2: 3 for ≤ 4 words, else 1. */
  framesAfterEosGuess: number;
}

const isUpper = (c: string) => c !== c.toLowerCase() && c === c.toUpperCase();
const isAlnum = (c: string) => /[\p{L}\p{N}]/u.test(c);

export function prepareTextPrompt(input: string, opts: PromptOptions = {}): PreparedPrompt {
  let text = input
    .trim()
    .replace(/[\r\n]/g, ' ')
    .replace(/\s+/g, ' ');
  if (!text) throw new Error('Text prompt cannot be empty');
  if (opts.removeSemicolons) text = text.replace(/;/g, ',');
  const words = text.split(' ').filter(Boolean).length;
  const framesAfterEosGuess = words <= 4 ? 3 : 1;
  const first = [...text][0];
  if (!isUpper(first)) text = first.toUpperCase() + text.slice(first.length);
  const chars = [...text];
  if (isAlnum(chars[chars.length - 1])) text += '.';
  if (opts.padWithSpacesForShortInputs && words < 5) text = ' '.repeat(8) + text;
  return { text, framesAfterEosGuess };
}

/** Token positions where a new segment starts: after every run of boundary tokens (plus both ends). */
function boundaryIndices(tokens: number[], boundary: Set<number>): number[] {
  const idx = [0];
  let prevBoundary = false;
  tokens.forEach((tok, i) => {
    if (boundary.has(tok)) prevBoundary = true;
    else {
      if (prevBoundary) idx.push(i);
      prevBoundary = false;
    }
  });
  idx.push(tokens.length);
  return idx;
}

interface Segment {
  tokens: number;
  text: string;
}

function segments(tok: SentencePieceTokenizer, tokens: number[], idx: number[]): Segment[] {
  const out: Segment[] = [];
  for (let i = 0; i + 1 < idx.length; i++) {
    if (idx[i + 1] > idx[i])
      out.push({ tokens: idx[i + 1] - idx[i], text: tok.decode(tokens.slice(idx[i], idx[i + 1])) });
  }
  return out;
}

/**
 * Splits text into chunks of at most `maxTokens` tokens at sentence ends (`.`, `!`, `...`, `?`); an over-long
 * sentence is cut at `,`, `;`, `:` when it has any. A single clause longer than the budget stays whole (upstream
 * warns and lets the model try). Returns the chunk texts (each still to be passed through `prepareTextPrompt`).
 */
export function splitIntoChunks(
  tok: SentencePieceTokenizer,
  input: string,
  maxTokens: number,
  opts: PromptOptions = {},
): string[] {
  const text = prepareTextPrompt(input, opts).text.trim();
  const tokens = tok.encode(text);
  // The first id of encode(".!...?") is the dummy-prefix piece, not a boundary.
  const enders = new Set(tok.encode('.!...?').slice(1));
  const fallback = new Set(tok.encode(',;:').slice(1));
  const refined: Segment[] = [];
  for (const seg of segments(tok, tokens, boundaryIndices(tokens, enders))) {
    if (seg.tokens <= maxTokens) {
      refined.push(seg);
      continue;
    }
    const sub = tok.encode(seg.text.trim());
    const parts = segments(tok, sub, boundaryIndices(sub, fallback));
    if (parts.length > 1) refined.push(...parts);
    else refined.push(seg);
  }
  const chunks: string[] = [];
  let current = '';
  let count = 0;
  for (const seg of refined) {
    if (!current) {
      current = seg.text;
      count = seg.tokens;
    } else if (count + seg.tokens > maxTokens) {
      chunks.push(current.trim());
      current = seg.text;
      count = seg.tokens;
    } else {
      current += ' ' + seg.text;
      count += seg.tokens;
    }
  }
  if (current.trim()) chunks.push(current.trim());
  return chunks;
}
