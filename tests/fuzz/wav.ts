/**
 * Fuzz targets for the WAV decoder (native-models/audio/wav.ts): structured RIFF files with arbitrary header fields
 * and lying chunk sizes, mutated real files, and random bytes; plus the encode → decode round trip.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import { decodeWav, encodeWav, WAV_LIMITS, WavFormatError, type DecodedWav } from '../../native-models/audio/wav.js';
import { assertSpecificError, attempt, mutatedBytes, structuredWav, withinTime, type FuzzTarget } from './harness.js';

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
  // Rates outside what Timbre reads (WAV_LIMITS) are refused, never resampled from an absurd header.
  const rateOk = Number.isInteger(out.sampleRate) && out.sampleRate >= WAV_LIMITS.minSampleRate;
  expect(rateOk && out.sampleRate <= WAV_LIMITS.maxSampleRate, `sample rate ${out.sampleRate}`).toBe(true);
  expect(Number.isInteger(out.channels) && out.channels >= 1).toBe(true);
  expect(out.samples).toBeInstanceOf(Float32Array);
  // Never sized from a declared length: at most one mono sample per two bytes present.
  expect(out.samples.length).toBeLessThanOrEqual(Math.floor(input.length / 2));
  // NaN and infinite float samples are passed on here and refused by decodeAudio (main/node/audio/decode.ts,
  // 'invalid-samples'), the one door every file goes through; this decoder only promises their count.
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
        fc.constantFrom(
          8000,
          16000,
          22050,
          24000,
          44100,
          48000,
          96000,
          WAV_LIMITS.minSampleRate,
          WAV_LIMITS.maxSampleRate,
        ),
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
