/**
 * Kokoro-82M's preset voices and the two files they come in:
 *
 * - `voices-v1.0.bin` (thewh1teagle/kokoro-onnx release `model-files-v1.0`): a NumPy `.npz` archive (`np.savez`, an
 *   uncompressed zip whose local headers carry zip64 fields) with one `<voice>.npy` per voice, float32 [510, 1, 256];
 * - `voices/<voice>.bin` (onnx-community/Kokoro-82M-v1.0-ONNX): the same array as raw little-endian float32.
 *
 * Row r of a voice is the style vector for an input of r phoneme tokens. Both readers check every size before they
 * allocate, read only the voice asked for, and name the problem in the error.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';

export const STYLE_DIM = 256;
/** Rows a voice may have (the v1.0 voices have 510; one per possible token count). */
export const MAX_STYLE_ROWS = 1024;
/** Largest voices archive opened (v1.0 is 28 MB; the v1.1-zh one 54 MB). */
export const MAX_VOICE_ARCHIVE_BYTES = 256 * 1024 * 1024;
/** Most entries a voices archive may list. */
export const MAX_VOICE_ARCHIVE_ENTRIES = 4096;
/** Largest `.npy` member: MAX_STYLE_ROWS × 256 float32 plus a header. */
const MAX_NPY_BYTES = MAX_STYLE_ROWS * STYLE_DIM * 4 + 64 * 1024;

export type KokoroLanguage = 'en-US' | 'en-GB' | 'es' | 'fr-FR' | 'hi' | 'it' | 'ja' | 'pt-BR' | 'zh';

export interface KokoroLanguageInfo {
  language: KokoroLanguage;
  /** The eSpeak NG voice kokoro-onnx maps this language to; null where eSpeak is not the model's G2P. */
  espeak: string | null;
  /** Why this language cannot be spoken here (null: it can). */
  unsupported: string | null;
}

/** The first letter of a Kokoro voice id is its language (hexgrad/Kokoro-82M VOICES.md; kokoro-onnx examples). */
export const LANGUAGE_BY_PREFIX: Readonly<Record<string, KokoroLanguageInfo>> = {
  a: { language: 'en-US', espeak: 'en-us', unsupported: null },
  b: { language: 'en-GB', espeak: 'en-gb', unsupported: null },
  e: { language: 'es', espeak: 'es', unsupported: null },
  f: { language: 'fr-FR', espeak: 'fr-fr', unsupported: null },
  h: { language: 'hi', espeak: 'hi', unsupported: null },
  i: { language: 'it', espeak: 'it', unsupported: null },
  p: { language: 'pt-BR', espeak: 'pt-br', unsupported: null },
  j: {
    language: 'ja',
    espeak: null,
    unsupported:
      'Kokoro speaks Japanese from the phonemes of its own Japanese G2P (misaki with pyopenjtalk), which Timbre does ' +
      'not include; eSpeak NG phonemes are not what the model learnt, so Japanese voices are not offered',
  },
  z: {
    language: 'zh',
    espeak: null,
    unsupported:
      'Kokoro speaks Mandarin from the phonemes of its own Chinese G2P (misaki zh, pinyin with tone arrows), which ' +
      'Timbre does not include; eSpeak NG phonemes are not what the model learnt, so Mandarin voices are not offered',
  },
};

export interface KokoroVoiceInfo {
  id: string;
  name: string;
  language: KokoroLanguage;
  gender: 'female' | 'male';
}

/** The 54 voices of Kokoro v1.0 (hexgrad/Kokoro-82M VOICES.md): `<language><f|m>_<name>`. */
export const KOKORO_VOICE_IDS = [
  'af_alloy',
  'af_aoede',
  'af_bella',
  'af_heart',
  'af_jessica',
  'af_kore',
  'af_nicole',
  'af_nova',
  'af_river',
  'af_sarah',
  'af_sky',
  'am_adam',
  'am_echo',
  'am_eric',
  'am_fenrir',
  'am_liam',
  'am_michael',
  'am_onyx',
  'am_puck',
  'am_santa',
  'bf_alice',
  'bf_emma',
  'bf_isabella',
  'bf_lily',
  'bm_daniel',
  'bm_fable',
  'bm_george',
  'bm_lewis',
  'ef_dora',
  'em_alex',
  'em_santa',
  'ff_siwis',
  'hf_alpha',
  'hf_beta',
  'hm_omega',
  'hm_psi',
  'if_sara',
  'im_nicola',
  'jf_alpha',
  'jf_gongitsune',
  'jf_nezumi',
  'jf_tebukuro',
  'jm_kumo',
  'pf_dora',
  'pm_alex',
  'pm_santa',
  'zf_xiaobei',
  'zf_xiaoni',
  'zf_xiaoxiao',
  'zf_xiaoyi',
  'zm_yunjian',
  'zm_yunxi',
  'zm_yunxia',
  'zm_yunyang',
] as const;

const VOICE_ID = /^([a-z])([fm])_([a-z][a-z0-9]*)$/;

/** Language, gender and display name of a voice id, or null when the id is not in Kokoro's naming scheme. */
export function voiceInfo(id: string): (KokoroVoiceInfo & { lang: KokoroLanguageInfo }) | null {
  const m = VOICE_ID.exec(id);
  if (!m) return null;
  const lang = LANGUAGE_BY_PREFIX[m[1]];
  if (!lang) return null;
  const name = m[3].charAt(0).toUpperCase() + m[3].slice(1);
  return { id, name, language: lang.language, gender: m[2] === 'f' ? 'female' : 'male', lang };
}

export class VoiceFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VoiceFileError';
  }
}

/** A voice's style table: `rows` vectors of 256 floats. */
export interface StyleTable {
  rows: number;
  data: Float32Array;
}

/** The style vector for an input of `tokens` phoneme tokens (clamped to the last row, like kokoro.js). */
export function styleRow(table: StyleTable, tokens: number): Float32Array {
  const r = Math.max(0, Math.min(tokens, table.rows - 1));
  return table.data.slice(r * STYLE_DIM, (r + 1) * STYLE_DIM);
}

function checkStyleTable(data: Float32Array, what: string): StyleTable {
  const rows = data.length / STYLE_DIM;
  if (!Number.isInteger(rows) || rows < 1 || rows > MAX_STYLE_ROWS)
    throw new VoiceFileError(
      `${what} holds ${data.length} values, not 1 to ${MAX_STYLE_ROWS} rows of ${STYLE_DIM} style values`,
    );
  for (let i = 0; i < data.length; i++)
    if (!Number.isFinite(data[i])) throw new VoiceFileError(`${what}: style value ${i} is not a finite number`);
  return { rows, data };
}

function readLEFloats(bytes: Uint8Array, offset: number, count: number): Float32Array {
  const out = new Float32Array(count);
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, count * 4);
  for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

/** A raw `voices/<id>.bin` (little-endian float32, rows × 256). */
export function parseRawVoice(bytes: Uint8Array, what: string): StyleTable {
  if (bytes.length === 0 || bytes.length % (STYLE_DIM * 4) !== 0)
    throw new VoiceFileError(`${what} is ${bytes.length} bytes, not whole rows of ${STYLE_DIM} float32 values`);
  if (bytes.length > MAX_STYLE_ROWS * STYLE_DIM * 4)
    throw new VoiceFileError(`${what} is ${bytes.length} bytes, more than ${MAX_STYLE_ROWS} style rows`);
  return checkStyleTable(readLEFloats(bytes, 0, bytes.length / 4), what);
}

/** A `.npy` holding little-endian float32 of shape [rows, 1, 256] or [rows, 256], C order. */
export function parseNpyStyle(bytes: Uint8Array, what: string): StyleTable {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (bytes.length < 12 || magic.some((b, i) => bytes[i] !== b))
    throw new VoiceFileError(`${what} is not a .npy array`);
  const major = bytes[6];
  if (major < 1 || major > 3) throw new VoiceFileError(`${what}: .npy format version ${major} is not supported`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const start = major === 1 ? 10 : 12;
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  if (start + headerLen > bytes.length) throw new VoiceFileError(`${what}: the .npy header is truncated`);
  const header = new TextDecoder().decode(bytes.subarray(start, start + headerLen));
  if (!/'descr':\s*'<f4'/.test(header))
    throw new VoiceFileError(`${what} is not little-endian float32 (header ${header.trim().slice(0, 120)})`);
  if (/'fortran_order':\s*True/.test(header)) throw new VoiceFileError(`${what} is in Fortran order`);
  const m = /'shape':\s*\(([^)]*)\)/.exec(header);
  if (!m) throw new VoiceFileError(`${what}: the .npy header has no shape`);
  const shape = m[1]
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  const okShape =
    (shape.length === 3 && shape[1] === 1 && shape[2] === STYLE_DIM) || (shape.length === 2 && shape[1] === STYLE_DIM);
  if (!okShape || !Number.isInteger(shape[0]) || shape[0] < 1 || shape[0] > MAX_STYLE_ROWS)
    throw new VoiceFileError(
      `${what} has shape (${shape.join(', ')}), not (rows ≤ ${MAX_STYLE_ROWS}, 1, ${STYLE_DIM})`,
    );
  const count = shape[0] * STYLE_DIM;
  const off = start + headerLen;
  if (bytes.length - off < count * 4) throw new VoiceFileError(`${what}: the array data is truncated`);
  return checkStyleTable(readLEFloats(bytes, off, count), what);
}

interface ArchiveEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

function readAt(fd: number, position: number, length: number): Uint8Array {
  const buf = new Uint8Array(length);
  let got = 0;
  while (got < length) {
    const n = readSync(fd, buf, got, length - got, position + got);
    if (n === 0) throw new VoiceFileError('the voices archive ended early');
    got += n;
  }
  return buf;
}

/**
 * The voices of a NumPy `.npz` archive, read straight from its zip central directory (zip64 included). Entries are
 * listed at open; a voice's array is read (and inflated, for `np.savez_compressed`) only when asked for.
 */
export class NpzVoiceArchive {
  private constructor(
    readonly path: string,
    private readonly fileSize: number,
    private readonly entries: ReadonlyMap<string, ArchiveEntry>,
  ) {}

  /** Voice names (entry names without `.npy`), sorted. */
  names(): string[] {
    return [...this.entries.keys()].sort();
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  static open(path: string): NpzVoiceArchive {
    const fd = openSync(path, 'r');
    try {
      const st = fstatSync(fd);
      if (!st.isFile()) throw new VoiceFileError(`${path} is not a regular file`);
      if (st.size > MAX_VOICE_ARCHIVE_BYTES)
        throw new VoiceFileError(`${path} is ${st.size} bytes, more than the ${MAX_VOICE_ARCHIVE_BYTES} allowed`);
      if (st.size < 22) throw new VoiceFileError(`${path} is too small to be a voices archive`);
      return new NpzVoiceArchive(path, st.size, NpzVoiceArchive.readDirectory(fd, st.size, path));
    } finally {
      closeSync(fd);
    }
  }

  private static readDirectory(fd: number, size: number, path: string): Map<string, ArchiveEntry> {
    // End of central directory: within the last 22 + 65535 bytes.
    const tailLen = Math.min(size, 22 + 0xffff);
    const tail = readAt(fd, size - tailLen, tailLen);
    const tv = new DataView(tail.buffer);
    let eocd = -1;
    for (let i = tailLen - 22; i >= 0; i--)
      if (tv.getUint32(i, true) === 0x06054b50) {
        eocd = i;
        break;
      }
    if (eocd < 0) throw new VoiceFileError(`${path} is not a zip/.npz archive (no end of central directory)`);
    let count = tv.getUint16(eocd + 10, true);
    let cdSize = tv.getUint32(eocd + 12, true);
    let cdOffset = tv.getUint32(eocd + 16, true);
    if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
      // zip64: the locator sits right before the EOCD record.
      const loc = eocd - 20;
      if (loc < 0 || tv.getUint32(loc, true) !== 0x07064b50)
        throw new VoiceFileError(`${path}: zip64 archive without its locator`);
      const z64Offset = Number(tv.getBigUint64(loc + 8, true));
      if (z64Offset + 56 > size) throw new VoiceFileError(`${path}: zip64 directory record out of range`);
      const z = readAt(fd, z64Offset, 56);
      const zv = new DataView(z.buffer);
      if (zv.getUint32(0, true) !== 0x06064b50) throw new VoiceFileError(`${path}: bad zip64 directory record`);
      count = Number(zv.getBigUint64(32, true));
      cdSize = Number(zv.getBigUint64(40, true));
      cdOffset = Number(zv.getBigUint64(48, true));
    }
    if (count > MAX_VOICE_ARCHIVE_ENTRIES)
      throw new VoiceFileError(`${path} lists ${count} entries, more than ${MAX_VOICE_ARCHIVE_ENTRIES}`);
    if (cdOffset + cdSize > size || cdSize > 64 * 1024 * 1024)
      throw new VoiceFileError(`${path}: the central directory lies outside the file`);
    const cd = readAt(fd, cdOffset, cdSize);
    const cv = new DataView(cd.buffer);
    const entries = new Map<string, ArchiveEntry>();
    let p = 0;
    for (let i = 0; i < count; i++) {
      if (p + 46 > cdSize || cv.getUint32(p, true) !== 0x02014b50)
        throw new VoiceFileError(`${path}: central directory entry ${i} is damaged`);
      const flags = cv.getUint16(p + 8, true);
      const method = cv.getUint16(p + 10, true);
      let compressedSize = cv.getUint32(p + 20, true);
      let sizeU = cv.getUint32(p + 24, true);
      const nameLen = cv.getUint16(p + 28, true);
      const extraLen = cv.getUint16(p + 30, true);
      const commentLen = cv.getUint16(p + 32, true);
      let localHeaderOffset = cv.getUint32(p + 42, true);
      if (p + 46 + nameLen + extraLen + commentLen > cdSize)
        throw new VoiceFileError(`${path}: central directory entry ${i} runs past the directory`);
      const name = new TextDecoder().decode(cd.subarray(p + 46, p + 46 + nameLen));
      // zip64 extended information: the 0xffffffff fields, in order.
      let e = p + 46 + nameLen;
      const extraEnd = e + extraLen;
      while (e + 4 <= extraEnd) {
        const id = cv.getUint16(e, true);
        const len = cv.getUint16(e + 2, true);
        if (id === 0x0001) {
          let q = e + 4;
          const next = () => {
            if (q + 8 > e + 4 + len) throw new VoiceFileError(`${path}: short zip64 field for ${name}`);
            const v = Number(cv.getBigUint64(q, true));
            q += 8;
            return v;
          };
          if (sizeU === 0xffffffff) sizeU = next();
          if (compressedSize === 0xffffffff) compressedSize = next();
          if (localHeaderOffset === 0xffffffff) localHeaderOffset = next();
        }
        e += 4 + len;
      }
      p = extraEnd + commentLen;
      if (name.endsWith('/')) continue;
      if (flags & 0x1) throw new VoiceFileError(`${path}: ${name} is encrypted`);
      if (method !== 0 && method !== 8)
        throw new VoiceFileError(`${path}: ${name} uses zip method ${method} (only stored and deflated are read)`);
      const m = /^(?:.*\/)?([^/]+)\.npy$/.exec(name);
      if (!m) continue;
      if (sizeU > MAX_NPY_BYTES || compressedSize > MAX_NPY_BYTES)
        throw new VoiceFileError(`${path}: ${name} is ${sizeU} bytes, more than a voice can be`);
      if (localHeaderOffset + 30 + compressedSize > size)
        throw new VoiceFileError(`${path}: ${name} lies outside the file`);
      entries.set(m[1], { name, method, compressedSize, size: sizeU, localHeaderOffset });
    }
    return entries;
  }

  /** The style table of one voice. */
  read(voice: string): StyleTable {
    const entry = this.entries.get(voice);
    if (!entry) throw new VoiceFileError(`${this.path} has no voice "${voice}"`);
    const fd = openSync(this.path, 'r');
    try {
      const lh = readAt(fd, entry.localHeaderOffset, 30);
      const lv = new DataView(lh.buffer);
      if (lv.getUint32(0, true) !== 0x04034b50)
        throw new VoiceFileError(`${this.path}: the local header of ${entry.name} is damaged`);
      const dataStart = entry.localHeaderOffset + 30 + lv.getUint16(26, true) + lv.getUint16(28, true);
      if (dataStart + entry.compressedSize > this.fileSize)
        throw new VoiceFileError(`${this.path}: ${entry.name} runs past the end of the file`);
      const raw = readAt(fd, dataStart, entry.compressedSize);
      let bytes: Uint8Array;
      if (entry.method === 0) bytes = raw;
      else {
        try {
          bytes = inflateRawSync(raw, { maxOutputLength: MAX_NPY_BYTES });
        } catch (e) {
          throw new VoiceFileError(`${this.path}: ${entry.name} does not inflate (${(e as Error).message})`);
        }
      }
      if (bytes.length !== entry.size)
        throw new VoiceFileError(
          `${this.path}: ${entry.name} is ${bytes.length} bytes, its directory says ${entry.size}`,
        );
      return parseNpyStyle(bytes, `${this.path} (${entry.name})`);
    } finally {
      closeSync(fd);
    }
  }
}
