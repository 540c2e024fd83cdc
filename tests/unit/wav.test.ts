import { describe, expect, it } from 'vitest';
import { bufferSource, decodeWav, encodeWav, inspectWav, WavFormatError } from '../../native-models/audio/wav.js';

/** Build a RIFF/WAVE file from raw chunks (adds the even-size pad byte). */
function riff(chunks: Array<[string, Buffer]>, riffSize?: number): Buffer {
  const parts: Buffer[] = [];
  for (const [id, body] of chunks) {
    const head = Buffer.alloc(8);
    head.write(id, 0, 'ascii');
    head.writeUInt32LE(body.length, 4);
    parts.push(head, body);
    if (body.length & 1) parts.push(Buffer.alloc(1));
  }
  const payload = Buffer.concat(parts);
  const head = Buffer.alloc(12);
  head.write('RIFF', 0, 'ascii');
  head.writeUInt32LE(riffSize ?? payload.length + 4, 4);
  head.write('WAVE', 8, 'ascii');
  return Buffer.concat([head, payload]);
}

function fmt(format: number, channels: number, sampleRate: number, bits: number, blockAlign?: number): Buffer {
  const b = Buffer.alloc(16);
  const align = blockAlign ?? (bits / 8) * channels;
  b.writeUInt16LE(format, 0);
  b.writeUInt16LE(channels, 2);
  b.writeUInt32LE(sampleRate, 4);
  b.writeUInt32LE((sampleRate * align) % 0x100000000, 8);
  b.writeUInt16LE(align, 12);
  b.writeUInt16LE(bits, 14);
  return b;
}

function int16(values: number[]): Buffer {
  const b = Buffer.alloc(values.length * 2);
  values.forEach((v, i) => b.writeInt16LE(v, i * 2));
  return b;
}

function sine(n: number, sampleRate: number, hz = 440, amp = 0.8): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = amp * Math.sin((2 * Math.PI * hz * i) / sampleRate);
  return out;
}

describe('encodeWav / decodeWav', () => {
  it('round-trips 16-bit PCM within one quantisation step', () => {
    const src = sine(22050, 22050);
    const wav = encodeWav(src, 22050);
    expect(wav.length).toBe(44 + src.length * 2);
    expect(wav.toString('ascii', 0, 4)).toBe('RIFF');
    const out = decodeWav(wav);
    expect(out.sampleRate).toBe(22050);
    expect(out.channels).toBe(1);
    expect(out.samples.length).toBe(src.length);
    let maxErr = 0;
    for (let i = 0; i < src.length; i++) maxErr = Math.max(maxErr, Math.abs(out.samples[i] - src[i]));
    expect(maxErr).toBeLessThanOrEqual(0.5 / 32768);
  });

  it('round-trips 32-bit float exactly', () => {
    const src = sine(4800, 48000, 1000, 0.5);
    const out = decodeWav(encodeWav(src, 48000, 32));
    expect(out.sampleRate).toBe(48000);
    expect(Array.from(out.samples)).toEqual(Array.from(src));
  });

  it('clips out-of-range samples and turns NaN into silence', () => {
    const out = decodeWav(encodeWav(new Float32Array([2, -3, NaN, 1, -1]), 8000));
    expect(Array.from(out.samples)).toEqual([32767 / 32768, -1, 0, 32767 / 32768, -1]);
  });

  it('encodes an empty signal as a valid, empty file', () => {
    const out = decodeWav(encodeWav(new Float32Array(0), 16000));
    expect(out.samples.length).toBe(0);
    expect(out.sampleRate).toBe(16000);
  });

  it('rejects invalid encode arguments', () => {
    expect(() => encodeWav(new Float32Array(1), 0)).toThrow(RangeError);
    expect(() => encodeWav(new Float32Array(1), 44100.5)).toThrow(RangeError);
    expect(() => encodeWav(new Float32Array(1), 44100, 24 as 16)).toThrow(/bit depth/);
  });

  it('walks the chunk list instead of assuming a 44-byte header', () => {
    const wav = riff([
      ['LIST', Buffer.from('INFOISFT\x05\x00\x00\x00odd!!', 'latin1')], // odd size: padded
      ['fmt ', fmt(1, 1, 16000, 16)],
      ['fact', Buffer.alloc(4)],
      ['data', int16([0, 16384, -32768, 32767])],
      ['cue ', Buffer.alloc(4)],
    ]);
    const out = decodeWav(wav);
    expect(out.sampleRate).toBe(16000);
    expect(Array.from(out.samples)).toEqual([0, 0.5, -1, 32767 / 32768]);
  });

  it('accepts a data chunk before the fmt chunk', () => {
    const out = decodeWav(
      riff([
        ['data', int16([8192])],
        ['fmt ', fmt(1, 1, 8000, 16)],
      ]),
    );
    expect(Array.from(out.samples)).toEqual([0.25]);
  });

  it('mixes stereo down to mono', () => {
    const out = decodeWav(
      riff([
        ['fmt ', fmt(1, 2, 44100, 16)],
        ['data', int16([16384, 0, -16384, -16384, 32767, -32767])],
      ]),
    );
    expect(out.channels).toBe(2);
    expect(Array.from(out.samples)).toEqual([0.25, -0.5, 0]);
  });

  it('reads WAVE_FORMAT_EXTENSIBLE float', () => {
    const ext = Buffer.alloc(40);
    fmt(0xfffe, 1, 24000, 32).copy(ext);
    ext.writeUInt16LE(22, 16); // cbSize
    ext.writeUInt16LE(32, 18); // valid bits
    ext.writeUInt16LE(3, 24); // SubFormat GUID starts with the format code: IEEE float
    const data = Buffer.alloc(8);
    data.writeFloatLE(0.5, 0);
    data.writeFloatLE(-0.25, 4);
    const out = decodeWav(
      riff([
        ['fmt ', ext],
        ['data', data],
      ]),
    );
    expect(Array.from(out.samples)).toEqual([0.5, -0.25]);
  });

  it('tolerates streamed files whose sizes were never filled in', () => {
    const wav = riff(
      [
        ['fmt ', fmt(1, 1, 22050, 16)],
        ['data', int16([100, 200, 300])],
      ],
      0xffffffff,
    );
    wav.writeUInt32LE(0xffffffff, 40); // data size unknown
    expect(decodeWav(wav).samples.length).toBe(3);
  });

  it('reads 8/24/32-bit PCM and 64-bit float, and averages channels without gain', () => {
    const pcm24 = Buffer.alloc(6 * 3);
    // Six channels of 24-bit at half scale (-6 dBFS), all the same: the mix is -6 dBFS too, not +10.6 dB louder.
    for (let c = 0; c < 6; c++) pcm24.writeIntLE(-4194304, c * 3, 3);
    const six = decodeWav(
      riff([
        ['fmt ', fmt(1, 6, 48000, 24)],
        ['data', pcm24],
      ]),
    );
    expect(six.channels).toBe(6);
    expect(Array.from(six.samples)).toEqual([-0.5]);
    expect(
      Array.from(
        decodeWav(
          riff([
            ['fmt ', fmt(1, 1, 8000, 8)],
            ['data', Buffer.from([0, 128, 192, 255])],
          ]),
        ).samples,
      ),
    ).toEqual([-1, 0, 0.5, 127 / 128]);
    const i32 = Buffer.alloc(8);
    i32.writeInt32LE(-2147483648, 0);
    i32.writeInt32LE(1073741824, 4);
    expect(
      Array.from(
        decodeWav(
          riff([
            ['fmt ', fmt(1, 1, 8000, 32)],
            ['data', i32],
          ]),
        ).samples,
      ),
    ).toEqual([-1, 0.5]);
    const f64 = Buffer.alloc(16);
    f64.writeDoubleLE(0.25, 0);
    f64.writeDoubleLE(-0.75, 8);
    expect(
      Array.from(
        decodeWav(
          riff([
            ['fmt ', fmt(3, 1, 8000, 64)],
            ['data', f64],
          ]),
        ).samples,
      ),
    ).toEqual([0.25, -0.75]);
  });

  it('allocates from the bytes present, not the size a header declares (4 GB, RF64 10 GB, header only)', () => {
    const lying = riff([
      ['fmt ', fmt(1, 1, 16000, 16)],
      ['data', int16([1, 2, 3])],
    ]);
    lying.writeUInt32LE(0xfffffff0, 40); // "4 GB of audio"
    const info = inspectWav(bufferSource(lying));
    expect(info).toMatchObject({ declaredDataBytes: 0xfffffff0, presentDataBytes: 6 });
    expect(decodeWav(lying).samples.length).toBe(3);

    // RF64: the real sizes are 64-bit, in a ds64 chunk; this one claims 10 GB and holds 4 bytes.
    const ds64 = Buffer.alloc(28);
    ds64.writeBigUInt64LE(10_000_000_036n, 0);
    ds64.writeBigUInt64LE(10_000_000_000n, 8);
    const rf64 = riff([
      ['ds64', ds64],
      ['fmt ', fmt(1, 1, 16000, 16)],
      ['data', int16([5, 6])],
    ]);
    rf64.write('RF64', 0, 'ascii');
    rf64.writeUInt32LE(0xffffffff, 4);
    rf64.writeUInt32LE(0xffffffff, rf64.length - 8); // data size: see ds64
    expect(inspectWav(bufferSource(rf64))).toMatchObject({
      container: 'RF64',
      declaredDataBytes: 10_000_000_000,
      presentDataBytes: 4,
    });
    expect(decodeWav(rf64).samples.length).toBe(2);

    const headerOnly = encodeWav(new Float32Array(0), 16000);
    expect(headerOnly.length).toBe(44);
    expect(inspectWav(bufferSource(headerOnly))).toMatchObject({ declaredDataBytes: 0, presentDataBytes: 0 });
    // A half frame at the end is not a sample.
    expect(decodeWav(Buffer.concat([encodeWav(new Float32Array([0.5]), 8000), Buffer.from([1])])).samples.length).toBe(
      1,
    );
  });

  it('accepts a plain Uint8Array', () => {
    const wav = encodeWav(new Float32Array([0.5]), 8000);
    const copy = new Uint8Array(wav.length + 3).subarray(3);
    copy.set(wav);
    expect(decodeWav(copy).samples[0]).toBeCloseTo(0.5, 4);
  });

  describe('errors', () => {
    const good = () => encodeWav(new Float32Array([0.1, 0.2]), 8000);
    const cases: Array<[string, () => Uint8Array, RegExp]> = [
      ['too short', () => Buffer.from('RIFF'), /Not a WAV file: only 4 bytes/],
      ['not RIFF', () => good().fill(0x41, 0, 4), /missing RIFF header/],
      ['not WAVE', () => good().fill(0x41, 8, 12), /not WAVE/],
      ['no fmt chunk', () => riff([['data', int16([1, 2])]]), /no fmt chunk/],
      ['no data chunk', () => riff([['fmt ', fmt(1, 1, 8000, 16)]]), /no data chunk/],
      ['truncated fmt chunk', () => riff([['fmt ', Buffer.alloc(10)]]), /truncated fmt chunk/],
      ['fmt chunk claiming more than the file', () => good().subarray(0, 30), /truncated fmt chunk/],
      [
        '12-bit PCM',
        () =>
          riff([
            ['fmt ', fmt(1, 1, 8000, 12, 2)],
            ['data', Buffer.alloc(6)],
          ]),
        /Unsupported WAV encoding: 12-bit integer PCM/,
      ],
      [
        '16-bit float',
        () =>
          riff([
            ['fmt ', fmt(3, 1, 8000, 16)],
            ['data', Buffer.alloc(16)],
          ]),
        /16-bit float/,
      ],
      [
        'a 4,294,967,295 Hz sample rate',
        () =>
          riff([
            ['fmt ', fmt(1, 1, 0xffffffff, 16, 2)],
            ['data', Buffer.alloc(4)],
          ]),
        /sample rate of 4,294,967,295 Hz; Timbre reads 1,000–384,000 Hz/,
      ],
      [
        'a 500 Hz sample rate',
        () =>
          riff([
            ['fmt ', fmt(1, 1, 500, 16)],
            ['data', Buffer.alloc(4)],
          ]),
        /sample rate of 500 Hz/,
      ],
      [
        '65,535 channels',
        () =>
          riff([
            ['fmt ', fmt(1, 65535, 8000, 16, 2)],
            ['data', Buffer.alloc(4)],
          ]),
        /claims 65535 channels; at most 64/,
      ],
      [
        'block align 0 (compressed)',
        () =>
          riff([
            ['fmt ', fmt(2, 1, 8000, 4, 0)],
            ['data', Buffer.alloc(4)],
          ]),
        /block align 0/,
      ],
      [
        'odd block align (PCM)',
        () =>
          riff([
            ['fmt ', fmt(1, 2, 8000, 16, 3)],
            ['data', Buffer.alloc(6)],
          ]),
        /block align 3 does not match 2 x 16 bits/,
      ],
      [
        'a million tiny chunks before the audio',
        () =>
          riff([
            ...Array.from({ length: 1001 }, (): [string, Buffer] => ['junk', Buffer.alloc(0)]),
            ['fmt ', fmt(1, 1, 8000, 16)],
          ]),
        /more than 1000 chunks/,
      ],
      [
        'ADPCM',
        () =>
          riff([
            ['fmt ', fmt(2, 1, 8000, 4, 256)],
            ['data', Buffer.alloc(256)],
          ]),
        /format code 0x2/,
      ],
      [
        'zero channels',
        () =>
          riff([
            ['fmt ', fmt(1, 0, 8000, 16, 2)],
            ['data', Buffer.alloc(2)],
          ]),
        /zero channels/,
      ],
      [
        'zero sample rate',
        () =>
          riff([
            ['fmt ', fmt(1, 1, 0, 16)],
            ['data', Buffer.alloc(2)],
          ]),
        /zero sample rate/,
      ],
      [
        'inconsistent block align',
        () =>
          riff([
            ['fmt ', fmt(1, 2, 8000, 16, 2)],
            ['data', Buffer.alloc(4)],
          ]),
        /block align 2/,
      ],
    ];
    it.each(cases)('%s', (_name, make, message) => {
      const input = make();
      expect(() => decodeWav(input)).toThrow(WavFormatError);
      expect(() => decodeWav(input)).toThrow(message);
    });
  });
});
