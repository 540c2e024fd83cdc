/**
 * Greedy CTC decoding for SentencePiece-token models (NeMo / sherpa-onnx conventions): the best token per output
 * frame; repeats collapse unless a blank separates them; blanks are dropped. A token starting with "▁" (U+2581)
 * starts a new word. Times come from output-frame indices: frame f covers [f, f+1) × frameSeconds
 * (subsampling × hop: 8 × 10 ms for Parakeet).
 */

export const WORD_START = '\u2581';

export interface Vocabulary {
  /** Token text by id. */
  tokens: string[];
  blank: number;
}

/**
 * Parse sherpa-onnx's tokens.txt ("<piece> <id>" per line). The blank is `<blk>` (or `<blank>`, `<eps>`); when none
 * is named, the last id (NeMo puts the blank after the vocabulary). Bounded: at most 100 000 lines.
 */
export function parseTokens(text: string): Vocabulary {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length === 0) throw new Error('tokens.txt is empty');
  if (lines.length > 100_000) throw new Error(`tokens.txt has ${lines.length} lines (at most 100000)`);
  const tokens: string[] = [];
  let blank = -1;
  for (const line of lines) {
    const sp = line.lastIndexOf(' ');
    const id = Number(line.slice(sp + 1));
    if (sp <= 0 || !Number.isInteger(id) || id < 0 || id >= lines.length)
      throw new Error(`tokens.txt: unreadable line "${line.slice(0, 40)}"`);
    const piece = line.slice(0, sp);
    if (tokens[id] !== undefined) throw new Error(`tokens.txt: id ${id} appears twice`);
    tokens[id] = piece;
    if (piece === '<blk>' || piece === '<blank>' || piece === '<eps>') blank = id;
  }
  for (let i = 0; i < tokens.length; i++)
    if (tokens[i] === undefined) throw new Error(`tokens.txt: id ${i} is missing`);
  return { tokens, blank: blank >= 0 ? blank : tokens.length - 1 };
}

export interface CtcToken {
  id: number;
  /** First and last output frame (inclusive) the token was emitted on (a collapsed repeat spans several). */
  first: number;
  last: number;
  /** Mean probability of the token over its frames (0..1). */
  prob: number;
}

/** Greedy decode of log-probabilities [frames × vocab] (row-major), over frames [0, frames). */
export function greedyCtc(logProbs: Float32Array, frames: number, vocab: number, blank: number): CtcToken[] {
  const out: CtcToken[] = [];
  let prev = -1;
  let probSum = 0;
  for (let t = 0; t < frames; t++) {
    const row = t * vocab;
    let best = 0;
    let bestV = -Infinity;
    for (let v = 0; v < vocab; v++) {
      const x = logProbs[row + v];
      if (x > bestV) {
        bestV = x;
        best = v;
      }
    }
    if (best === blank) {
      prev = -1;
      continue;
    }
    if (best === prev) {
      const tok = out[out.length - 1];
      tok.last = t;
      probSum += Math.exp(bestV);
      tok.prob = probSum / (tok.last - tok.first + 1);
      continue;
    }
    probSum = Math.exp(bestV);
    out.push({ id: best, first: t, last: t, prob: probSum });
    prev = best;
  }
  return out;
}

export interface TimedToken {
  piece: string;
  start: number;
  end: number;
  prob: number;
}

export interface TimedWord {
  word: string;
  start: number;
  end: number;
  /** 0..1: the lowest token probability in the word. */
  confidence: number;
}

/** Tokens with times → words: "▁" starts a word; a word ends where its last token's frames end. */
export function tokensToWords(tokens: TimedToken[]): TimedWord[] {
  const words: TimedWord[] = [];
  for (const t of tokens) {
    if (t.piece.startsWith('<') && t.piece.endsWith('>')) continue; // <unk> and other specials
    const starts = t.piece.startsWith(WORD_START);
    const text = t.piece.replaceAll(WORD_START, '');
    const cur = words[words.length - 1];
    if (starts || !cur) {
      if (text === '' && starts) {
        words.push({ word: '', start: t.start, end: t.end, confidence: t.prob });
        continue;
      }
      words.push({ word: text, start: t.start, end: t.end, confidence: t.prob });
    } else {
      cur.word += text;
      cur.end = Math.max(cur.end, t.end);
      cur.confidence = Math.min(cur.confidence, t.prob);
    }
  }
  return words.filter((w) => w.word !== '');
}
