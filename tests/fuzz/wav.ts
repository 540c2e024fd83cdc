/**
 * Fuzz targets for the WAV decoder (native-models/audio/wav.ts): structured RIFF files with arbitrary header fields
 * and lying chunk sizes, mutated real files, and random bytes; plus the encode → decode round trip.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import { decodeWav, encodeWav, WavFormatError, type DecodedWav } from '../../native-models/audio/wav.js';
import { assertSpecificError, attempt, interestingU32, mutatedBytes, withinTime, type FuzzTarget } from './harness.js';

const u16 = fc.oneof(
  fc.constantFrom(0, 1, 2, 6, 8, 16, 24, 32, 64, 0xfffe, 0xffff),
  fc.integer({ min: 0, max: 0xffff }),
);

/** A WAV file built chunk by chunk from arbitrary (often inconsistent) fields: what a hostile writer can produce. */
export const structuredWav: fc.Arbitrary<Uint8Array> = fc
  .record({
    riffSize: fc.option(interestingU32, { nil: undefined }),
    format: fc.oneof(fc.constantFrom(1, 3, 0xfffe), u16),
    subFormat: fc.oneof(fc.constantFrom(1, 3), u16),
    channels: fc.oneof(fc.integer({ min: 1, max: 8 }), u16),
    sampleRate: fc.oneof(fc.constantFrom(8000, 16000, 22050, 44100, 48000), interestingU32),
    bits: fc.oneof(fc.constantFrom(16, 32), u16),
    blockAlign: fc.option(u16, { nil: undefined }),
    fmtSize: fc.oneof(fc.constantFrom(16, 18, 40), interestingU32),
    dataDeclared: fc.option(interestingU32, { nil: undefined }),
    data: fc.uint8Array({ maxLength: 4096 }),
    junk: fc.array(
      fc.record({
        id: fc.string({ minLength: 4, maxLength: 4, unit: 'binary-ascii' }),
        size: interestingU32,
        body: fc.uint8Array({ maxLength: 32 }),
      }),
      { maxLength: 3 },
    ),
    dataFirst: fc.boolean(),
  })
  .map((w) => {
    const fmtBody = Buffer.alloc(w.format === 0xfffe ? 40 : 16);
    fmtBody.writeUInt16LE(w.format, 0);
    fmtBody.writeUInt16LE(w.channels, 2);
    fmtBody.writeUInt32LE(w.sampleRate, 4);
    fmtBody.writeUInt32LE((w.sampleRate * ((w.bits >> 3) * w.channels)) >>> 0, 8);
    fmtBody.writeUInt16LE(w.blockAlign ?? ((w.bits >> 3) * w.channels) & 0xffff, 12);
    fmtBody.writeUInt16LE(w.bits, 14);
    if (w.format === 0xfffe) {
      fmtBody.writeUInt16LE(22, 16);
      fmtBody.writeUInt16LE(w.subFormat, 24);
    }
    const chunk = (id: string, declared: number, body: Uint8Array) => {
      const h = Buffer.alloc(8);
      h.write(id, 0, 'latin1');
      h.writeUInt32LE(declared, 4);
      return Buffer.concat([h, body, body.length & 1 ? Buffer.alloc(1) : Buffer.alloc(0)]);
    };
    const fmt = chunk('fmt ', w.fmtSize === 16 || w.fmtSize === 40 ? fmtBody.length : w.fmtSize, fmtBody);
    const data = chunk('data', w.dataDeclared ?? w.data.length, w.data);
    const junk = w.junk.map((j) => chunk(j.id, j.size, j.body));
    const body = Buffer.concat(w.dataFirst ? [...junk, data, fmt] : [fmt, ...junk, data]);
    const head = Buffer.alloc(12);
    head.write('RIFF', 0, 'ascii');
    head.writeUInt32LE(w.riffSize ?? body.length + 4, 4);
    head.write('WAVE', 8, 'ascii');
    return new Uint8Array(Buffer.concat([head, body]));
  });

const samples = (maxLength: number) =>
  fc.float32Array({ maxLength, noDefaultInfinity: false, noNaN: false }).map((a) => a);

/** Real files written by encodeWav, then damaged. */
export const mutatedWav = mutatedBytes(
  fc
    .tuple(samples(512), fc.constantFrom(8000, 16000, 24000, 44100, 48000), fc.constantFrom(16 as const, 32 as const))
    .map(([s, rate, bits]) => new Uint8Array(encodeWav(s, rate, bits))),
);

const randomBytes = fc.oneof(
  fc.uint8Array({ maxLength: 256 }),
  fc.uint8Array({ maxLength: 256 }).map((b) => new Uint8Array(Buffer.concat([Buffer.from('RIFF\0\0\0\0WAVE'), b]))),
);

/** Every decoded result is well formed and no larger than the bytes that were actually there. */
export function checkDecoded(out: DecodedWav, input: Uint8Array): void {
  // A rate Timbre could not write back (encodeWav's bound) is not audio anyone recorded: refuse it, don't resample it.
  expect(
    Number.isInteger(out.sampleRate) && out.sampleRate >= 1 && out.sampleRate <= 1_000_000,
    `sample rate ${out.sampleRate}`,
  ).toBe(true);
  expect(Number.isInteger(out.channels) && out.channels >= 1).toBe(true);
  expect(out.samples).toBeInstanceOf(Float32Array);
  // Never sized from a declared length: at most one mono sample per two bytes present.
  expect(out.samples.length).toBeLessThanOrEqual(Math.floor(input.length / 2));
  for (let i = 0; i < out.samples.length; i++) {
    const s = out.samples[i];
    // Float WAVs may legitimately go over full scale; what no caller can use is NaN or an infinity.
    if (!Number.isFinite(s)) throw new Error(`decodeWav returned sample ${i} = ${s}: not finite`);
  }
}

function decodeProperty(arb: fc.Arbitrary<Uint8Array>) {
  return () =>
    fc.property(arb, (input) => {
      const r = withinTime(2000, () => attempt(() => decodeWav(input)));
      if (r.ok) checkDecoded(r.value, input);
      else assertSpecificError(r.error, WavFormatError);
    });
}

export const wavTargets: FuzzTarget[] = [
  {
    name: 'wav: structured headers with lying sizes',
    ciRuns: 400,
    ciMs: 3000,
    property: decodeProperty(structuredWav),
  },
  { name: 'wav: mutated real files', ciRuns: 300, ciMs: 3000, property: decodeProperty(mutatedWav) },
  { name: 'wav: random bytes', ciRuns: 300, ciMs: 1500, weight: 0.5, property: decodeProperty(randomBytes) },
  {
    name: 'wav: encodeWav → decodeWav round trip',
    ciRuns: 200,
    ciMs: 2000,
    weight: 0.5,
    property: () =>
      fc.property(
        samples(2048),
        fc.constantFrom(8000, 16000, 22050, 24000, 44100, 48000, 96000, 1, 1_000_000),
        fc.constantFrom(16 as const, 32 as const),
        (s, rate, bits) => {
          const out = decodeWav(encodeWav(s, rate, bits));
          expect(out.sampleRate).toBe(rate);
          expect(out.channels).toBe(1);
          expect(out.samples.length).toBe(s.length);
          for (let i = 0; i < s.length; i++) {
            const want = Number.isNaN(s[i]) ? 0 : Math.max(-1, Math.min(1, s[i]));
            const tol = bits === 16 ? 1 / 32768 : 0;
            if (!(Math.abs(out.samples[i] - want) <= tol))
              throw new Error(`sample ${i}: wrote ${s[i]}, read back ${out.samples[i]} (${bits}-bit)`);
          }
        },
      ),
  },
];
