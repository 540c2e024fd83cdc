/**
 * Minimal WAV (RIFF/WAVE) reader and writer: pure functions on Buffers, no I/O.
 *
 * decodeWav walks the RIFF chunk list (it never assumes a 44-byte header), accepts 16-bit integer PCM and 32-bit
 * IEEE float (plain or WAVE_FORMAT_EXTENSIBLE), and mixes any channel count down to mono float32 in [-1, 1].
 * Anything else is rejected with a WavFormatError that says what was found.
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
  if (!Number.isInteger(sampleRate) || sampleRate <= 0 || sampleRate > 1_000_000) {
    throw new RangeError(`Invalid sample rate: ${sampleRate}`);
  }
  if (bitDepth !== 16 && bitDepth !== 32) throw new RangeError(`Unsupported bit depth: ${String(bitDepth)}`);
  const bytesPerSample = bitDepth / 8;
  const dataBytes = samples.length * bytesPerSample;
  if (dataBytes > 0xffffffff - 36) throw new RangeError('Audio too long for a WAV file (over 4 GiB)');
  const buf = Buffer.alloc(44 + dataBytes);
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
  let off = 44;
  for (let i = 0; i < samples.length; i++) {
    let s = samples[i];
    if (Number.isNaN(s)) s = 0;
    s = s > 1 ? 1 : s < -1 ? -1 : s;
    if (bitDepth === 16) {
      // Same scale as decoding (x / 32768), so a round trip is off by at most half a step (one step at +1.0).
      buf.writeInt16LE(Math.min(32767, Math.round(s * 32768)), off);
      off += 2;
    } else {
      buf.writeFloatLE(s, off);
      off += 4;
    }
  }
  return buf;
}

interface FmtChunk {
  format: number;
  channels: number;
  sampleRate: number;
  blockAlign: number;
  bitsPerSample: number;
}

/** Decode a WAV file into mono float32 samples. Throws WavFormatError on malformed or unsupported input. */
export function decodeWav(input: Uint8Array): DecodedWav {
  const buf = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  if (buf.length < 12) throw new WavFormatError(`Not a WAV file: only ${buf.length} bytes`);
  if (buf.toString('ascii', 0, 4) !== 'RIFF') throw new WavFormatError('Not a WAV file: missing RIFF header');
  if (buf.toString('ascii', 8, 12) !== 'WAVE') throw new WavFormatError('Not a WAV file: RIFF type is not WAVE');

  // Writers that stream often leave the RIFF size at 0 or 0xFFFFFFFF: trust the buffer length over it.
  const riffSize = buf.readUInt32LE(4);
  const end = riffSize >= 4 && 8 + riffSize <= buf.length ? 8 + riffSize : buf.length;

  let fmt: FmtChunk | undefined;
  let data: Buffer | undefined;
  let off = 12;
  while (off + 8 <= end) {
    const id = buf.toString('ascii', off, off + 4);
    const declared = buf.readUInt32LE(off + 4);
    const bodyStart = off + 8;
    const available = end - bodyStart;
    if (id === 'fmt ') {
      if (declared < 16 || declared > available) throw new WavFormatError('Corrupt WAV: truncated fmt chunk');
      fmt = parseFmt(buf.subarray(bodyStart, bodyStart + declared));
    } else if (id === 'data') {
      // A data chunk that claims more than the file holds (a streamed or truncated file): use what is there.
      data = buf.subarray(bodyStart, bodyStart + Math.min(declared, available));
      if (fmt) break;
    } else if (declared > available) {
      break; // a trailing chunk cut short; whatever came before is still usable
    }
    off = bodyStart + declared + (declared & 1); // chunks are padded to an even size
  }
  if (!fmt) throw new WavFormatError('Corrupt WAV: no fmt chunk');
  if (!data) throw new WavFormatError('Corrupt WAV: no data chunk');

  const { channels, sampleRate, bitsPerSample } = fmt;
  const bytesPerSample = bitsPerSample / 8;
  const frameBytes = bytesPerSample * channels;
  const frames = Math.floor(data.length / frameBytes);
  const samples = new Float32Array(frames);
  const isFloat = fmt.format === FORMAT_FLOAT;
  for (let f = 0; f < frames; f++) {
    let acc = 0;
    let p = f * frameBytes;
    for (let c = 0; c < channels; c++, p += bytesPerSample) {
      acc += isFloat ? data.readFloatLE(p) : data.readInt16LE(p) / 32768;
    }
    samples[f] = channels === 1 ? acc : acc / channels;
  }
  return { sampleRate, channels, samples };
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
  if (sampleRate < 1) throw new WavFormatError('Corrupt WAV: zero sample rate');
  const supported =
    (format === FORMAT_PCM && bitsPerSample === 16) || (format === FORMAT_FLOAT && bitsPerSample === 32);
  if (!supported) {
    const what =
      format === FORMAT_PCM
        ? `${bitsPerSample}-bit integer PCM`
        : format === FORMAT_FLOAT
          ? `${bitsPerSample}-bit float`
          : `format code 0x${format.toString(16)} (compressed or unknown)`;
    throw new WavFormatError(`Unsupported WAV encoding: ${what}; only 16-bit PCM and 32-bit float are supported`);
  }
  if (blockAlign !== (bitsPerSample / 8) * channels) {
    throw new WavFormatError(
      `Corrupt WAV: block align ${blockAlign} does not match ${channels} x ${bitsPerSample} bits`,
    );
  }
  return { format, channels, sampleRate, blockAlign, bitsPerSample };
}
