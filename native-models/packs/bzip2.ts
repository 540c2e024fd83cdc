/**
 * A streaming bzip2 decompressor (the format `bzip2` 1.0 writes; concatenated streams as pbzip2 writes them), for
 * model packs published as `.tar.bz2` (sherpa-onnx's releases). Written here rather than taken from npm: the few
 * bzip2 packages there are either unmaintained or decode a whole buffer at once, and a pack archive is 100 MB.
 *
 * Memory is bounded by the format: one block at a time (at most 900 000 bytes before the final run-length step, so
 * one Uint32Array of that size), plus the compressed block being read (input is buffered up to MAX_BLOCK_INPUT bytes
 * ahead). Output comes out in chunks of at most OUT_CHUNK bytes as the block is decoded, so a block whose runs
 * expand a lot is never held whole. Every table index, run length and pointer read from the input is checked;
 * each block's CRC and the stream CRC are verified. Errors are `Bzip2Error` with a plain message.
 */

export class Bzip2Error extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Bzip2Error';
  }
}

/** Input buffered before a block is decoded: a 900 k block's Huffman codes take at most 20 bits a symbol. */
const MAX_BLOCK_INPUT = 2_400_000;
const OUT_CHUNK = 64 * 1024;
const BLOCK_MAGIC_HI = 0x314159;
const BLOCK_MAGIC_LO = 0x265359;
const EOS_MAGIC_HI = 0x177245;
const EOS_MAGIC_LO = 0x385090;
const MAX_GROUPS = 6;
const MAX_ALPHA = 258;
const MAX_CODE_LEN = 20;
const GROUP_SIZE = 50;

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 24;
    for (let k = 0; k < 8; k++) c = c & 0x80000000 ? (c << 1) ^ 0x04c11db7 : c << 1;
    t[i] = c >>> 0;
  }
  return t;
})();

/** Reads bits MSB first from a growing byte buffer. */
class BitReader {
  private buf = new Uint8Array(1 << 16);
  /** Valid bytes are buf[pos, end). */
  private end = 0;
  private pos = 0;
  private bitBuf = 0;
  private bitCount = 0;
  /** Bytes consumed before `buf` (for messages). */
  private base = 0;

  available(): number {
    return this.end - this.pos;
  }

  push(chunk: Uint8Array): void {
    if (this.end + chunk.length > this.buf.length) {
      // Compact (and grow when needed): amortised, the buffered input stays near one block's worth.
      const live = this.end - this.pos;
      const cap = Math.max(this.buf.length, (live + chunk.length) * 2);
      const next = cap === this.buf.length ? this.buf : new Uint8Array(cap);
      next.set(this.buf.subarray(this.pos, this.end), 0);
      this.base += this.pos;
      this.buf = next;
      this.pos = 0;
      this.end = live;
    }
    this.buf.set(chunk, this.end);
    this.end += chunk.length;
  }

  bits(n: number): number {
    while (this.bitCount < n) {
      if (this.pos >= this.end)
        throw new Bzip2Error(`the archive ends early (truncated at byte ${this.base + this.pos})`);
      this.bitBuf = ((this.bitBuf << 8) | this.buf[this.pos++]) >>> 0;
      this.bitCount += 8;
    }
    this.bitCount -= n;
    return (this.bitBuf >>> this.bitCount) & ((1 << n) - 1);
  }

  bit(): number {
    return this.bits(1);
  }

  /** Drop the bits left in the current byte (between concatenated streams). */
  alignToByte(): void {
    this.bitCount -= this.bitCount % 8;
  }

  /** True when nothing is left at all (no whole bytes buffered, no bits). */
  atEnd(): boolean {
    return this.bitCount < 8 && this.pos >= this.end;
  }
}

interface HuffTable {
  minLen: number;
  limit: Int32Array;
  base: Int32Array;
  perm: Int32Array;
}

function makeTable(lengths: Uint8Array, alphaSize: number): HuffTable {
  let minLen = 32;
  let maxLen = 0;
  for (let i = 0; i < alphaSize; i++) {
    minLen = Math.min(minLen, lengths[i]);
    maxLen = Math.max(maxLen, lengths[i]);
  }
  const perm = new Int32Array(MAX_ALPHA);
  let pp = 0;
  for (let len = minLen; len <= maxLen; len++)
    for (let s = 0; s < alphaSize; s++) if (lengths[s] === len) perm[pp++] = s;
  const count = new Int32Array(MAX_CODE_LEN + 2);
  for (let i = 0; i < alphaSize; i++) count[lengths[i]]++;
  const limit = new Int32Array(MAX_CODE_LEN + 2).fill(-1);
  const base = new Int32Array(MAX_CODE_LEN + 2);
  let code = 0;
  let index = 0;
  for (let len = minLen; len <= maxLen; len++) {
    // Codes of this length are code .. code+count-1; their symbols are perm[index ..].
    base[len] = index - code;
    code += count[len];
    index += count[len];
    limit[len] = code - 1;
    code <<= 1;
  }
  return { minLen, limit, base, perm };
}

function decodeSymbol(br: BitReader, t: HuffTable): number {
  let len = t.minLen;
  let code = br.bits(len);
  while (len <= MAX_CODE_LEN) {
    if (code <= t.limit[len]) {
      const idx = t.base[len] + code;
      if (idx < 0 || idx >= MAX_ALPHA) break;
      return t.perm[idx];
    }
    code = (code << 1) | br.bit();
    len++;
  }
  throw new Bzip2Error('the archive is corrupted (an invalid Huffman code)');
}

/** Decodes one block (after its magic) and yields its bytes; checks its CRC. */
function* decodeBlock(br: BitReader, blockSizeMax: number, tt: Uint32Array): Generator<Uint8Array, number> {
  const storedCrc = br.bits(16) * 0x10000 + br.bits(16);
  if (br.bit())
    throw new Bzip2Error('the archive uses randomised blocks (bzip2 before 0.9.5), which are not supported');
  const origPtr = br.bits(24);

  // Symbol map.
  const used = br.bits(16);
  const seqToUnseq = new Uint8Array(256);
  let nInUse = 0;
  for (let i = 0; i < 16; i++)
    if (used & (0x8000 >>> i)) {
      const bits = br.bits(16);
      for (let j = 0; j < 16; j++) if (bits & (0x8000 >>> j)) seqToUnseq[nInUse++] = i * 16 + j;
    }
  if (nInUse === 0) throw new Bzip2Error('the archive is corrupted (a block uses no symbols)');
  const alphaSize = nInUse + 2;

  const nGroups = br.bits(3);
  if (nGroups < 2 || nGroups > MAX_GROUPS) throw new Bzip2Error('the archive is corrupted (bad table count)');
  const nSelectors = br.bits(15);
  if (nSelectors < 1) throw new Bzip2Error('the archive is corrupted (no selectors)');
  const groupMtf = Array.from({ length: nGroups }, (_, i) => i);
  const selectors = new Uint8Array(nSelectors);
  for (let i = 0; i < nSelectors; i++) {
    let j = 0;
    while (br.bit()) if (++j >= nGroups) throw new Bzip2Error('the archive is corrupted (bad selector)');
    const v = groupMtf[j];
    groupMtf.splice(j, 1);
    groupMtf.unshift(v);
    selectors[i] = v;
  }

  const tables: HuffTable[] = [];
  const lengths = new Uint8Array(MAX_ALPHA);
  for (let g = 0; g < nGroups; g++) {
    let len = br.bits(5);
    for (let s = 0; s < alphaSize; s++) {
      for (;;) {
        if (len < 1 || len > MAX_CODE_LEN) throw new Bzip2Error('the archive is corrupted (bad code length)');
        if (!br.bit()) break;
        len += br.bit() ? -1 : 1;
      }
      lengths[s] = len;
    }
    tables.push(makeTable(lengths, alphaSize));
  }

  // Huffman + run-length (RUNA/RUNB) + move-to-front decoding into tt (low byte), counting bytes.
  const counts = new Int32Array(256);
  const mtf = new Uint8Array(256);
  for (let i = 0; i < 256; i++) mtf[i] = i;
  const eob = alphaSize - 1;
  let n = 0;
  let groupLeft = 0;
  let selIdx = 0;
  let table = tables[0];
  let run = 0;
  let runBit = 1;
  for (;;) {
    if (groupLeft === 0) {
      if (selIdx >= nSelectors) throw new Bzip2Error('the archive is corrupted (selectors run out)');
      table = tables[selectors[selIdx++]];
      groupLeft = GROUP_SIZE;
    }
    groupLeft--;
    const sym = decodeSymbol(br, table);
    if (sym <= 1) {
      run += runBit << sym;
      runBit <<= 1;
      if (run > blockSizeMax) throw new Bzip2Error('the archive is corrupted (a run longer than the block)');
      continue;
    }
    if (run > 0) {
      if (n + run > blockSizeMax) throw new Bzip2Error('the archive is corrupted (a block larger than declared)');
      const b = seqToUnseq[mtf[0]];
      counts[b] += run;
      tt.fill(b, n, n + run);
      n += run;
      run = 0;
      runBit = 1;
    }
    if (sym === eob) break;
    if (sym > eob) throw new Bzip2Error('the archive is corrupted (a symbol out of range)');
    const idx = sym - 1;
    if (idx >= nInUse) throw new Bzip2Error('the archive is corrupted (a symbol out of range)');
    const v = mtf[idx];
    mtf.copyWithin(1, 0, idx);
    mtf[0] = v;
    if (n >= blockSizeMax) throw new Bzip2Error('the archive is corrupted (a block larger than declared)');
    const b = seqToUnseq[v];
    counts[b]++;
    tt[n++] = b;
  }
  if (origPtr >= n) throw new Bzip2Error('the archive is corrupted (bad block origin)');

  // Inverse Burrows–Wheeler transform: link each position to the next in the upper 24 bits.
  const cftab = new Int32Array(256);
  for (let i = 0, sum = 0; i < 256; i++) {
    cftab[i] = sum;
    sum += counts[i];
  }
  for (let i = 0; i < n; i++) {
    const b = tt[i] & 0xff;
    tt[cftab[b]++] |= i << 8;
  }

  // Walk the chain, undoing the initial run-length step (4 equal bytes, then a count 0..255), computing the CRC.
  let crc = 0xffffffff;
  const out = new Uint8Array(OUT_CHUNK);
  let o = 0;
  let pos = tt[origPtr] >>> 8;
  let last = -1;
  let same = 0;
  for (let k = 0; k < n; k++) {
    const entry = tt[pos];
    const b = entry & 0xff;
    pos = entry >>> 8;
    if (same === 4) {
      for (let r = 0; r < b; r++) {
        out[o++] = last;
        crc = ((crc << 8) ^ CRC_TABLE[((crc >>> 24) ^ last) & 0xff]) >>> 0;
        if (o === OUT_CHUNK) {
          yield out.slice();
          o = 0;
        }
      }
      same = 0;
      last = -1;
      continue;
    }
    if (b === last) same++;
    else {
      last = b;
      same = 1;
    }
    out[o++] = b;
    crc = ((crc << 8) ^ CRC_TABLE[((crc >>> 24) ^ b) & 0xff]) >>> 0;
    if (o === OUT_CHUNK) {
      yield out.slice();
      o = 0;
    }
  }
  if (o > 0) yield out.slice(0, o);
  crc = ~crc >>> 0;
  if (crc !== storedCrc) throw new Bzip2Error('the archive is corrupted (a block fails its CRC check)');
  return crc;
}

/**
 * Decompresses a bzip2 byte stream. `source` gives compressed chunks in order (a file read stream); the result
 * yields decompressed chunks. Input is read ahead only as far as one block needs.
 */
export async function* bunzip2(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const it = source[Symbol.asyncIterator]();
  const br = new BitReader();
  let ended = false;
  const fill = async (want: number) => {
    while (!ended && br.available() < want) {
      const r = await it.next();
      if (r.done) ended = true;
      else br.push(r.value);
    }
  };
  let tt: Uint32Array | undefined;
  let streams = 0;
  try {
    for (;;) {
      await fill(4);
      if (streams > 0 && br.atEnd() && ended) return;
      if (br.bits(8) !== 0x42 || br.bits(8) !== 0x5a || br.bits(8) !== 0x68)
        throw new Bzip2Error(streams ? 'unexpected data after the end of the archive' : 'not a bzip2 archive');
      const level = br.bits(8) - 0x30;
      if (level < 1 || level > 9) throw new Bzip2Error('not a bzip2 archive (bad block size)');
      const blockSizeMax = level * 100_000;
      if (!tt || tt.length < blockSizeMax) tt = new Uint32Array(blockSizeMax);
      let combined = 0;
      for (;;) {
        await fill(MAX_BLOCK_INPUT);
        const hi = br.bits(24);
        const lo = br.bits(24);
        if (hi === BLOCK_MAGIC_HI && lo === BLOCK_MAGIC_LO) {
          tt.fill(0, 0, blockSizeMax);
          const gen = decodeBlock(br, blockSizeMax, tt);
          let r = gen.next();
          while (!r.done) {
            yield r.value;
            r = gen.next();
          }
          combined = (((combined << 1) | (combined >>> 31)) ^ r.value) >>> 0;
        } else if (hi === EOS_MAGIC_HI && lo === EOS_MAGIC_LO) {
          const stored = br.bits(16) * 0x10000 + br.bits(16);
          if (stored !== combined) throw new Bzip2Error('the archive is corrupted (the stream fails its CRC check)');
          br.alignToByte();
          break;
        } else throw new Bzip2Error('the archive is corrupted (a bad block header)');
      }
      streams++;
    }
  } finally {
    await it.return?.();
  }
}
