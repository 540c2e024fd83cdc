/**
 * Minimal WAV (RIFF/WAVE) reader and writer: pure functions on Buffers, no I/O.
 *
 * inspectWav walks the RIFF (or RF64) chunk list of a file or buffer without loading it (it never assumes a 44-byte
 * header), validates every header field against the limits below before anything is allocated or computed from it,
 * and reports how much audio the header declares and how much the file really holds. decodeWav decodes integer PCM
 * (8/16/24/32-bit) and IEEE float (32/64-bit), plain or WAVE_FORMAT_EXTENSIBLE, from the bytes actually present, and
 * mixes any channel count down to mono float32 by averaging the channels (no gain: the mix never peaks above the
 * loudest channel). Anything else is rejected with a WavFormatError that says what was found.
 */

/** A WAV buffer that is malformed or uses an encoding we do not read. */
export class WavFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WavFormatError';
  }
}

export interface DecodedWav {
  sampleRate: number;
  /** Channel count in the file (the samples are always mixed down to mono). */
  channels: number;
  /** Mono samples in [-1, 1]. */
  samples: Float32Array;
}

export type WavBitDepth = 16 | 32;

const FORMAT_PCM = 1;
const FORMAT_FLOAT = 3;
const FORMAT_EXTENSIBLE = 0xfffe;

/**
 * Encode mono float samples as a WAV file: 16-bit integer PCM (default) or 32-bit IEEE float.
 * Samples outside [-1, 1] are clipped; NaN becomes silence.
 */
export function encodeWav(samples: Float32Array, sampleRate: number, bitDepth: WavBitDepth = 16): Buffer {
  const head = wavHeader(samples.length, sampleRate, bitDepth);
  const buf = Buffer.alloc(44 + samples.length * (bitDepth / 8));
  head.copy(buf);
  encodePcm(samples, bitDepth, buf, 44);
  return buf;
}

/** The 44-byte header of a mono WAV holding `frames` samples (encodeWav's; for writing one in pieces). */
export function wavHeader(frames: number, sampleRate: number, bitDepth: WavBitDepth = 16): Buffer {
  if (!Number.isInteger(sampleRate) || sampleRate <= 0 || sampleRate > 1_000_000) {
    throw new RangeError(`Invalid sample rate: ${sampleRate}`);
  }
  if (bitDepth !== 16 && bitDepth !== 32) throw new RangeError(`Unsupported bit depth: ${String(bitDepth)}`);
  const bytesPerSample = bitDepth / 8;
  const dataBytes = frames * bytesPerSample;
  if (dataBytes > 0xffffffff - 36) throw new RangeError('Audio too long for a WAV file (over 4 GiB)');
  const buf = Buffer.alloc(44);
  buf.write('RIFF', 0, 'ascii');
  buf.writeUInt32LE(36 + dataBytes, 4);
  buf.write('WAVE', 8, 'ascii');
  buf.write('fmt ', 12, 'ascii');
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(bitDepth === 16 ? FORMAT_PCM : FORMAT_FLOAT, 20);
  buf.writeUInt16LE(1, 22); // mono
  buf.writeUInt32LE(sampleRate, 24);
  buf.writeUInt32LE(sampleRate * bytesPerSample, 28); // byte rate
  buf.writeUInt16LE(bytesPerSample, 32); // block align
  buf.writeUInt16LE(bitDepth, 34);
  buf.write('data', 36, 'ascii');
  buf.writeUInt32LE(dataBytes, 40);
  return buf;
}

/** WAV sample data for mono float samples (clipped to [-1, 1]; NaN becomes silence), into `out` at `at` or a new buffer. */
export function encodePcm(
  samples: Float32Array,
  bitDepth: WavBitDepth = 16,
  out: Buffer = Buffer.alloc(samples.length * (bitDepth / 8)),
  at = 0,
): Buffer {
  let off = at;
  for (let i = 0; i < samples.length; i++) {
    let s = samples[i];
    if (Number.isNaN(s)) s = 0;
    s = s > 1 ? 1 : s < -1 ? -1 : s;
    if (bitDepth === 16) {
      // Same scale as decoding (x / 32768), so a round trip is off by at most half a step (one step at +1.0).
      out.writeInt16LE(Math.min(32767, Math.round(s * 32768)), off);
      off += 2;
    } else {
      out.writeFloatLE(s, off);
      off += 4;
    }
  }
  return out;
}

/** Header limits (docs/security.md, "Audio input"): outside them a file is refused before anything is allocated. */
export const WAV_LIMITS = {
  /** Below this a "recording" holds no usable speech band (telephone audio is 8 kHz). */
  minSampleRate: 1000,
  /** The highest rate studio converters record at (DXD); 4,294,967,295 Hz headers are lies. */
  maxSampleRate: 384_000,
  /** ffmpeg's own ceiling (its pan filter and resampler take at most 64 channels). */
  maxChannels: 64,
  /** Chunks walked before the data chunk is found (a file of millions of tiny chunks is not a recording). */
  maxChunks: 1000,
} as const;

/** What a WAV header says, checked against WAV_LIMITS, and how much of the declared audio is really there. */
export interface WavInfo {
  container: 'RIFF' | 'RF64';
  /** Format code (the SubFormat's for WAVE_FORMAT_EXTENSIBLE): 1 integer PCM, 3 float, anything else compressed. */
  format: number;
  channels: number;
  sampleRate: number;
  bitsPerSample: number;
  blockAlign: number;
  /** decodeWav reads this encoding (else ffmpeg may). */
  decodable: boolean;
  /** Byte offset of the samples. */
  dataOffset: number;
  /** Size of the data chunk per the header; null when the writer left it unset (streamed: 0 or 0xFFFFFFFF). */
  declaredDataBytes: number | null;
  /** Data bytes the file really holds (never more than declared). */
  presentDataBytes: number;
}

/** Random access to the bytes of a file or buffer, so a header can be checked without reading the whole file. */
export interface ByteSource {
  readonly size: number;
  /** Up to `length` bytes from `offset` (fewer at the end). */
  read(offset: number, length: number): Buffer;
}

export function bufferSource(buf: Buffer): ByteSource {
  return { size: buf.length, read: (o, n) => buf.subarray(o, Math.min(buf.length, o + n)) };
}

const STREAMED = 0xffffffff;

/**
 * Walk the chunk list and validate the header. Throws WavFormatError naming the field that is wrong; reads only the
 * chunk headers (a few bytes each), never the samples.
 */
export function inspectWav(src: ByteSource): WavInfo {
  const size = src.size;
  const head = src.read(0, 12);
  if (size < 12 || head.length < 12) throw new WavFormatError(`Not a WAV file: only ${size} bytes`);
  const magic = head.toString('ascii', 0, 4);
  const container = magic === 'RIFF' ? 'RIFF' : magic === 'RF64' || magic === 'BW64' ? 'RF64' : null;
  if (!container) throw new WavFormatError('Not a WAV file: missing RIFF header');
  if (head.toString('ascii', 8, 12) !== 'WAVE') throw new WavFormatError('Not a WAV file: RIFF type is not WAVE');

  // Writers that stream often leave the RIFF size at 0 or 0xFFFFFFFF: trust the file's length over it.
  const riffSize = head.readUInt32LE(4);
  const end = container === 'RIFF' && riffSize >= 4 && 8 + riffSize <= size ? 8 + riffSize : size;

  let fmt: FmtChunk | undefined;
  let ds64DataBytes: number | null = null;
  let data: { offset: number; declared: number | null; present: number } | undefined;
  let off = 12;
  for (let n = 0; off + 8 <= end; n++) {
    if (n >= WAV_LIMITS.maxChunks)
      throw new WavFormatError(`Corrupt WAV: more than ${WAV_LIMITS.maxChunks} chunks before the audio`);
    const ch = src.read(off, 8);
    if (ch.length < 8) break;
    const id = ch.toString('ascii', 0, 4);
    const declared = ch.readUInt32LE(4);
    const bodyStart = off + 8;
    const available = end - bodyStart;
    let skip = declared;
    if (id === 'fmt ') {
      if (declared < 16 || declared > available) throw new WavFormatError('Corrupt WAV: truncated fmt chunk');
      fmt = parseFmt(src.read(bodyStart, Math.min(declared, 64)));
    } else if (id === 'ds64' && container === 'RF64') {
      if (declared < 24 || declared > available) throw new WavFormatError('Corrupt WAV: truncated ds64 chunk');
      const b = src.read(bodyStart, 24);
      // 64-bit sizes; anything beyond 2^53 bytes is simply "more than any file holds".
      ds64DataBytes = Number(b.readBigUInt64LE(8));
    } else if (id === 'data') {
      let size64: number | null = declared;
      if (container === 'RF64' && declared === STREAMED) size64 = ds64DataBytes;
      else if (declared === STREAMED || (declared === 0 && available > 0)) size64 = null;
      // A data chunk that claims more than the file holds (streamed or truncated): only what is there counts.
      const present = Math.max(0, Math.min(size64 ?? Infinity, available));
      data = { offset: bodyStart, declared: size64, present };
      if (fmt) break;
      skip = present;
    } else if (declared > available) {
      break; // a trailing chunk cut short; whatever came before is still usable
    }
    off = bodyStart + skip + (skip & 1); // chunks are padded to an even size
  }
  if (!fmt) throw new WavFormatError('Corrupt WAV: no fmt chunk');
  if (!data) throw new WavFormatError('Corrupt WAV: no data chunk');
  return {
    container,
    ...fmt,
    dataOffset: data.offset,
    declaredDataBytes: data.declared,
    presentDataBytes: data.present,
  };
}

/** Whole frames of audio present in the file (decodable encodings; 0 for compressed ones). */
export function wavFrames(info: WavInfo): number {
  return info.decodable ? Math.floor(info.presentDataBytes / info.blockAlign) : 0;
}

/** Decode a WAV file into mono float32 samples. Throws WavFormatError on malformed or unsupported input. */
export function decodeWav(input: Uint8Array): DecodedWav {
  const buf = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const info = inspectWav(bufferSource(buf));
  if (!info.decodable) throw new WavFormatError(unsupportedMessage(info));
  const frames = wavFrames(info);
  const samples = new Float32Array(frames);
  decodeWavFrames(info, buf.subarray(info.dataOffset, info.dataOffset + frames * info.blockAlign), samples, 0);
  return { sampleRate: info.sampleRate, channels: info.channels, samples };
}

/**
 * Decode whole frames of `bytes` (a slice of the data chunk starting on a frame boundary) into `out` from `at`, mixed
 * down to mono by averaging the channels. Returns the number of frames written. Lets a caller decode a large file in
 * slices with one output buffer.
 */
export function decodeWavFrames(info: WavInfo, bytes: Buffer, out: Float32Array, at: number): number {
  const { channels, blockAlign } = info;
  const frames = Math.min(Math.floor(bytes.length / blockAlign), out.length - at);
  const read = sampleReader(info);
  const step = info.bitsPerSample / 8;
  const scale = 1 / channels;
  for (let f = 0; f < frames; f++) {
    let p = f * blockAlign;
    if (channels === 1) {
      out[at + f] = read(bytes, p);
      continue;
    }
    let acc = 0;
    for (let c = 0; c < channels; c++, p += step) acc += read(bytes, p);
    out[at + f] = acc * scale;
  }
  return frames;
}

function sampleReader(info: WavInfo): (b: Buffer, p: number) => number {
  if (info.format === FORMAT_FLOAT)
    return info.bitsPerSample === 64 ? (b, p) => b.readDoubleLE(p) : (b, p) => b.readFloatLE(p);
  switch (info.bitsPerSample) {
    case 8:
      return (b, p) => (b[p] - 128) / 128;
    case 16:
      return (b, p) => b.readInt16LE(p) / 32768;
    case 24:
      return (b, p) => (((b[p] | (b[p + 1] << 8) | (b[p + 2] << 16)) << 8) >> 8) / 8388608;
    default:
      return (b, p) => b.readInt32LE(p) / 2147483648;
  }
}

interface FmtChunk {
  format: number;
  channels: number;
  sampleRate: number;
  blockAlign: number;
  bitsPerSample: number;
  decodable: boolean;
}

function unsupportedMessage(f: { format: number; bitsPerSample: number }): string {
  const what =
    f.format === FORMAT_PCM
      ? `${f.bitsPerSample}-bit integer PCM`
      : f.format === FORMAT_FLOAT
        ? `${f.bitsPerSample}-bit float`
        : `format code 0x${f.format.toString(16)} (compressed or unknown)`;
  return `Unsupported WAV encoding: ${what}; only 8/16/24/32-bit PCM and 32/64-bit float are supported`;
}

function parseFmt(b: Buffer): FmtChunk {
  let format = b.readUInt16LE(0);
  const channels = b.readUInt16LE(2);
  const sampleRate = b.readUInt32LE(4);
  const blockAlign = b.readUInt16LE(12);
  const bitsPerSample = b.readUInt16LE(14);
  if (format === FORMAT_EXTENSIBLE) {
    // WAVEFORMATEXTENSIBLE: the real format code is the first two bytes of the SubFormat GUID at offset 24.
    if (b.length < 40) throw new WavFormatError('Corrupt WAV: truncated WAVE_FORMAT_EXTENSIBLE fmt chunk');
    format = b.readUInt16LE(24);
  }
  if (channels < 1) throw new WavFormatError('Corrupt WAV: zero channels');
  if (channels > WAV_LIMITS.maxChannels)
    throw new WavFormatError(
      `Corrupt WAV: the header claims ${channels} channels; at most ${WAV_LIMITS.maxChannels} are supported`,
    );
  if (sampleRate < 1) throw new WavFormatError('Corrupt WAV: zero sample rate');
  if (sampleRate < WAV_LIMITS.minSampleRate || sampleRate > WAV_LIMITS.maxSampleRate)
    throw new WavFormatError(
      `Corrupt WAV: the header claims a sample rate of ${sampleRate.toLocaleString('en-US')} Hz; Timbre reads ${WAV_LIMITS.minSampleRate.toLocaleString('en-US')}–${WAV_LIMITS.maxSampleRate.toLocaleString('en-US')} Hz`,
    );
  if (blockAlign < 1) throw new WavFormatError('Corrupt WAV: block align 0');
  const decodable =
    (format === FORMAT_PCM && [8, 16, 24, 32].includes(bitsPerSample)) ||
    (format === FORMAT_FLOAT && (bitsPerSample === 32 || bitsPerSample === 64));
  if ((format === FORMAT_PCM || format === FORMAT_FLOAT) && !decodable)
    throw new WavFormatError(unsupportedMessage({ format, bitsPerSample }));
  if (decodable && blockAlign !== (bitsPerSample / 8) * channels) {
    throw new WavFormatError(
      `Corrupt WAV: block align ${blockAlign} does not match ${channels} x ${bitsPerSample} bits`,
    );
  }
  return { format, channels, sampleRate, blockAlign, bitsPerSample, decodable };
}
