/**
 * SentencePiece unigram tokenizer, read straight from a `tokenizer.model` (ModelProto) file: Viterbi segmentation
 * over the NORMAL / USER_DEFINED pieces with their log-prob scores, `<unk>` for characters no piece covers
 * (score = min score − 10, as SentencePiece does), and byte fallback (an unknown character becomes its UTF-8 byte
 * pieces `<0xXX>`). Normalisation follows the model's NormalizerSpec for the `identity` rule set Pocket TTS uses:
 * dummy `▁` prefix, spaces escaped as `▁`, optional extra-whitespace removal. Other normaliser rule sets (nmt_nfkc
 * with a precompiled charsmap) are approximated with Unicode NFKC.
 */
import { readFields } from './protobuf.js';

const SPACE = '\u2581';
const UNK_PENALTY = 10;

export enum PieceType {
  NORMAL = 1,
  UNKNOWN = 2,
  CONTROL = 3,
  USER_DEFINED = 4,
  UNUSED = 5,
  BYTE = 6,
}

export interface Piece {
  piece: string;
  score: number;
  type: PieceType;
}

export interface TokenizerInfo {
  modelType: number;
  byteFallback: boolean;
  normalizerName: string;
  addDummyPrefix: boolean;
  removeExtraWhitespaces: boolean;
  escapeWhitespaces: boolean;
  unkId: number;
}

export class SentencePieceTokenizer {
  readonly pieces: Piece[];
  readonly info: TokenizerInfo;
  private readonly lookup = new Map<string, number>();
  private readonly byteIds = new Int32Array(256).fill(-1);
  private readonly maxPieceChars: number;
  private readonly unkScore: number;

  constructor(modelBytes: Uint8Array) {
    const pieces: Piece[] = [];
    const info: TokenizerInfo = {
      modelType: 1,
      byteFallback: false,
      normalizerName: 'nmt_nfkc',
      addDummyPrefix: true,
      removeExtraWhitespaces: true,
      escapeWhitespaces: true,
      unkId: 0,
    };
    for (const f of readFields(modelBytes)) {
      if (f.field === 1 && f.wire === 2) {
        const p: Piece = { piece: '', score: 0, type: PieceType.NORMAL };
        for (const g of readFields(f.bytes)) {
          if (g.field === 1 && g.wire === 2) p.piece = new TextDecoder().decode(g.bytes);
          else if (g.field === 2 && g.wire === 5) p.score = g.num;
          else if (g.field === 3 && g.wire === 0) p.type = Number(g.varint) as PieceType;
        }
        pieces.push(p);
      } else if (f.field === 2 && f.wire === 2) {
        for (const g of readFields(f.bytes)) {
          if (g.wire !== 0) continue;
          if (g.field === 3) info.modelType = Number(g.varint);
          else if (g.field === 35) info.byteFallback = g.varint !== 0n;
          else if (g.field === 40) info.unkId = Number(g.varint);
        }
      } else if (f.field === 3 && f.wire === 2) {
        for (const g of readFields(f.bytes)) {
          if (g.field === 1 && g.wire === 2) info.normalizerName = new TextDecoder().decode(g.bytes);
          else if (g.field === 3 && g.wire === 0) info.addDummyPrefix = g.varint !== 0n;
          else if (g.field === 4 && g.wire === 0) info.removeExtraWhitespaces = g.varint !== 0n;
          else if (g.field === 5 && g.wire === 0) info.escapeWhitespaces = g.varint !== 0n;
        }
      }
    }
    if (!pieces.length) throw new Error('tokenizer.model has no pieces (not a SentencePiece model?)');
    if (info.modelType !== 1) throw new Error(`tokenizer.model is not a unigram model (model_type ${info.modelType})`);
    this.pieces = pieces;
    this.info = info;
    let maxChars = 1;
    let minScore = Infinity;
    pieces.forEach((p, id) => {
      if (p.type === PieceType.NORMAL || p.type === PieceType.USER_DEFINED) {
        if (!this.lookup.has(p.piece)) this.lookup.set(p.piece, id);
        maxChars = Math.max(maxChars, [...p.piece].length);
        if (p.type === PieceType.NORMAL) minScore = Math.min(minScore, p.score);
      } else if (p.type === PieceType.BYTE) {
        const m = /^<0x([0-9A-Fa-f]{2})>$/.exec(p.piece);
        if (m) this.byteIds[parseInt(m[1], 16)] = id;
      }
    });
    this.maxPieceChars = maxChars;
    this.unkScore = (Number.isFinite(minScore) ? minScore : 0) - UNK_PENALTY;
  }

  get vocabSize(): number {
    return this.pieces.length;
  }

  /** The normalised form SentencePiece segments (with `▁` for spaces and the dummy prefix). */
  normalize(text: string): string {
    let t = this.info.normalizerName === 'identity' ? text : text.normalize('NFKC');
    if (this.info.removeExtraWhitespaces) t = t.replace(/ +/g, ' ').trim();
    if (!t) return '';
    if (this.info.addDummyPrefix) t = ' ' + t;
    return this.info.escapeWhitespaces ? t.replace(/ /g, SPACE) : t;
  }

  /** Token ids (no BOS/EOS), like `sp.encode(text)`. */
  encode(text: string): number[] {
    const chars = [...this.normalize(text)];
    const n = chars.length;
    if (!n) return [];
    // best[i]: best score of a segmentation of chars[0, i); from[i]: start of its last piece; pid[i]: piece id or -1 (unk).
    const best = new Float64Array(n + 1).fill(-Infinity);
    const from = new Int32Array(n + 1);
    const pid = new Int32Array(n + 1);
    best[0] = 0;
    for (let i = 0; i < n; i++) {
      if (best[i] === -Infinity) continue;
      let s = '';
      let singleFound = false;
      for (let len = 1; len <= this.maxPieceChars && i + len <= n; len++) {
        s += chars[i + len - 1];
        const id = this.lookup.get(s);
        if (id === undefined) continue;
        const p = this.pieces[id];
        if (len === 1) singleFound = true;
        // USER_DEFINED pieces always win in SentencePiece; give them a score that dominates.
        const score = best[i] + (p.type === PieceType.USER_DEFINED ? 0 : p.score);
        if (score > best[i + len]) {
          best[i + len] = score;
          from[i + len] = i;
          pid[i + len] = id;
        }
      }
      if (!singleFound) {
        const score = best[i] + this.unkScore;
        if (score > best[i + 1]) {
          best[i + 1] = score;
          from[i + 1] = i;
          pid[i + 1] = -1;
        }
      }
    }
    const out: number[] = [];
    for (let end = n; end > 0; end = from[end]) {
      if (pid[end] >= 0) {
        out.push(pid[end]);
        continue;
      }
      const ch = chars.slice(from[end], end).join('');
      const bytes = new TextEncoder().encode(ch);
      if (this.info.byteFallback && bytes.every((b) => this.byteIds[b] >= 0)) {
        for (let k = bytes.length - 1; k >= 0; k--) out.push(this.byteIds[bytes[k]]);
      } else {
        out.push(this.info.unkId);
      }
    }
    return out.reverse();
  }

  /** Piece strings of an id list. */
  idsToPieces(ids: number[]): string[] {
    return ids.map((id) => this.pieces[id]?.piece ?? '');
  }

  /** Text of an id list, like `sp.decode(ids)`: byte pieces re-joined as UTF-8, `▁` → space, dummy prefix dropped. */
  decode(ids: number[]): string {
    let out = '';
    let pending: number[] = [];
    const flush = () => {
      if (pending.length) out += new TextDecoder().decode(Uint8Array.from(pending));
      pending = [];
    };
    for (const id of ids) {
      const p = this.pieces[id];
      if (!p) continue;
      if (p.type === PieceType.BYTE) {
        pending.push(parseInt(p.piece.slice(3, 5), 16));
        continue;
      }
      flush();
      if (p.type === PieceType.CONTROL) continue;
      out += p.type === PieceType.UNKNOWN ? ' \u2047 ' : p.piece;
    }
    flush();
    out = out.replace(/\u2581/g, ' ');
    return this.info.addDummyPrefix && out.startsWith(' ') ? out.slice(1) : out;
  }
}
