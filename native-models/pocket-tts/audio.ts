/** Reference-audio preparation for voice cloning: mono, 24 kHz, at most one window (the loudest when longer). */
import { resample } from '../dsp/resample.js';

/** Start of the `windowLen`-sample stretch with the most energy (hop of `hop` samples; ties → earliest). */
export function loudestWindowStart(pcm: Float32Array, windowLen: number, hop: number): number {
  if (pcm.length <= windowLen) return 0;
  const sq = new Float64Array(pcm.length + 1);
  for (let i = 0; i < pcm.length; i++) sq[i + 1] = sq[i] + pcm[i] * pcm[i];
  let best = 0;
  let bestEnergy = -1;
  const last = pcm.length - windowLen;
  for (let s = 0; ; s = Math.min(s + hop, last)) {
    const e = sq[s + windowLen] - sq[s];
    if (e > bestEnergy + 1e-12) {
      bestEnergy = e;
      best = s;
    }
    if (s === last) break;
  }
  return best;
}

export interface PreparedReference {
  pcm: Float32Array;
  /** Seconds of real (unpadded) audio. */
  seconds: number;
}

/**
 * Resamples to `targetRate`, keeps the loudest `maxSeconds` window, and zero-pads to a whole number of
 * `samplesPerFrame` so the encoder sees complete frames.
 */
export function prepareReference(
  pcm: Float32Array,
  sampleRate: number,
  targetRate: number,
  maxSeconds: number,
  samplesPerFrame: number,
): PreparedReference {
  let x = sampleRate === targetRate ? pcm : resample(pcm, sampleRate, targetRate);
  const maxLen = Math.round(maxSeconds * targetRate);
  if (x.length > maxLen) {
    const start = loudestWindowStart(
      x,
      maxLen,
      Math.max(1, Math.min(Math.floor(targetRate / 10), Math.floor(maxLen / 20))),
    );
    x = x.subarray(start, start + maxLen);
  }
  const seconds = x.length / targetRate;
  const padded = new Float32Array(Math.ceil(x.length / samplesPerFrame) * samplesPerFrame);
  padded.set(x);
  return { pcm: padded, seconds };
}
