/**
 * Audio files that lie or break (issue #16), written by the tests: WAV headers with impossible fields, sizes that
 * promise more than the file holds, NaN samples, a 2-hour WAV written sparsely (a header and a hole: no disk, no
 * memory), multichannel 24-bit audio at a known level. Nothing large is kept in the repository.
 */
import { closeSync, ftruncateSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { decodeWav, encodeWav } from '../../native-models/audio/wav.js';

/** A 44-byte canonical WAV header. `dataBytes` may claim more (or less) than follows. */
export function wavHeader(opts: {
  rate: number;
  channels: number;
  bits: number;
  dataBytes: number;
  format?: number;
  blockAlign?: number;
}): Buffer {
  const b = Buffer.alloc(44);
  const align = opts.blockAlign ?? (opts.channels * opts.bits) / 8;
  b.write('RIFF', 0, 'ascii');
  b.writeUInt32LE(Math.min(0xffffffff, 36 + opts.dataBytes), 4);
  b.write('WAVE', 8, 'ascii');
  b.write('fmt ', 12, 'ascii');
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(opts.format ?? 1, 20);
  b.writeUInt16LE(opts.channels, 22);
  b.writeUInt32LE(opts.rate, 24);
  b.writeUInt32LE((opts.rate * align) % 0x100000000, 28);
  b.writeUInt16LE(align, 32);
  b.writeUInt16LE(opts.bits, 34);
  b.write('data', 36, 'ascii');
  b.writeUInt32LE(Math.min(0xffffffff, opts.dataBytes), 40);
  return b;
}

/** A speech-like test signal: a 3 s voiced tone with a vibrato and syllable envelope, peak `peak` (0..1). */
export function toneBurst(rate: number, seconds: number, peak: number): Float32Array {
  const n = Math.round(rate * seconds);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const t = i / rate;
    const env = 0.5 - 0.5 * Math.cos(2 * Math.PI * 3 * t); // 3 "syllables" a second
    const f0 = 140 + 15 * Math.sin(2 * Math.PI * 5 * t);
    const ph = 2 * Math.PI * f0 * t;
    out[i] = env * (0.6 * Math.sin(ph) + 0.3 * Math.sin(2 * ph) + 0.1 * Math.sin(3 * ph));
  }
  let max = 0;
  for (const v of out) max = Math.max(max, Math.abs(v));
  for (let i = 0; i < n; i++) out[i] = (out[i] / max) * peak;
  return out;
}

/** `mono` copied to every one of `channels` channels as 24-bit PCM. */
export function pcm24Wav(mono: Float32Array, rate: number, channels: number): Buffer {
  const data = Buffer.alloc(mono.length * channels * 3);
  let o = 0;
  for (const v of mono) {
    const q = Math.max(-8388608, Math.min(8388607, Math.round(v * 8388608)));
    for (let c = 0; c < channels; c++, o += 3) data.writeIntLE(q, o, 3);
  }
  return Buffer.concat([wavHeader({ rate, channels, bits: 24, dataBytes: data.length }), data]);
}

/** 32-bit float mono WAV of `samples` (NaN and Infinity written as they are). */
export function float32Wav(samples: Float32Array, rate: number): Buffer {
  const data = Buffer.alloc(samples.length * 4);
  samples.forEach((v, i) => data.writeFloatLE(v, i * 4));
  return Buffer.concat([wavHeader({ rate, channels: 1, bits: 32, format: 3, dataBytes: data.length }), data]);
}

/** A WAV of `seconds` of digital silence at 48 kHz 16-bit mono, written sparsely (ftruncate: a hole, not zeros). */
export function sparseSilentWav(file: string, seconds: number): void {
  const dataBytes = Math.round(seconds * 48_000) * 2;
  const fd = openSync(file, 'w');
  try {
    writeSync(fd, wavHeader({ rate: 48_000, channels: 1, bits: 16, dataBytes }));
    ftruncateSync(fd, 44 + dataBytes);
  } finally {
    closeSync(fd);
  }
}

/** An RF64 file whose ds64 chunk claims `claimBytes` of audio and that holds `present` bytes of it. */
export function rf64Wav(claimBytes: bigint, present: Buffer, rate = 16_000): Buffer {
  const ds64 = Buffer.alloc(8 + 28);
  ds64.write('ds64', 0, 'ascii');
  ds64.writeUInt32LE(28, 4);
  ds64.writeBigUInt64LE(claimBytes + 36n, 8);
  ds64.writeBigUInt64LE(claimBytes, 16);
  const h = wavHeader({ rate, channels: 1, bits: 16, dataBytes: 0xffffffff });
  h.write('RF64', 0, 'ascii');
  h.writeUInt32LE(0xffffffff, 4);
  return Buffer.concat([h.subarray(0, 12), ds64, h.subarray(12), present]);
}

/** The hostile corpus made from a 16 kHz speech WAV: name → bytes (the 2-hour file is made separately, sparsely). */
export function badWavs(speechWav: Buffer): Record<string, Buffer> {
  const speech16k = encodeWav(decodeWav(speechWav).samples, 16_000); // canonical: the header is 44 bytes
  const pcm = speech16k.subarray(44);
  const fourGhz = Buffer.from(speech16k);
  fourGhz.writeUInt32LE(0xffffffff, 24);
  const nanSamples = new Float32Array(pcm.length / 2);
  for (let i = 0; i < nanSamples.length; i++) nanSamples[i] = i % 1000 === 500 ? NaN : pcm.readInt16LE(i * 2) / 32768;
  const infSamples = Float32Array.from(nanSamples, (v) => (Number.isNaN(v) ? Infinity : v));
  const with16k = (o: Partial<Parameters<typeof wavHeader>[0]>, body = pcm) =>
    Buffer.concat([wavHeader({ rate: 16_000, channels: 1, bits: 16, dataBytes: body.length, ...o }), body]);
  return {
    '4ghz.wav': fourGhz,
    '500hz.wav': with16k({ rate: 500 }),
    'zero-channels.wav': with16k({ channels: 0, blockAlign: 2 }),
    'huge-channels.wav': with16k({ channels: 65535, blockAlign: 2 }),
    'odd-block-align.wav': with16k({ blockAlign: 3 }),
    'header-only.wav': wavHeader({ rate: 16_000, channels: 1, bits: 16, dataBytes: 0 }),
    'claims-4gb.wav': with16k({ dataBytes: 0xfffffff0 }),
    'rf64-claims-10gb.wav': rf64Wav(10_000_000_000n, pcm),
    'truncated.wav': speech16k.subarray(0, 44 + 16_000),
    'nan.wav': float32Wav(nanSamples, 16_000),
    'inf.wav': float32Wav(infSamples, 16_000),
  };
}

export function writeAll(dir: string, files: Record<string, Buffer>): void {
  for (const [name, bytes] of Object.entries(files)) writeFileSync(`${dir}/${name}`, bytes);
}
