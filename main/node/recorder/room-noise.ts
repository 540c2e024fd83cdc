/**
 * Room-noise check for a guided recording session: estimate the noise floor from a few seconds of the room with
 * nobody speaking, then rate a speech take by its signal-to-noise ratio against that floor. Pure functions on mono
 * float samples in [-1, 1].
 *
 * Both measures use 50 ms blocks. The floor is the median block power of the silence (a door click or a cough in the
 * 3 s does not raise it); the speech level is the mean power of the take's loudest 30 % of blocks (the voiced part),
 * so pauses between phrases do not dilute it.
 */
import { METER_BLOCK_SECONDS, SILENCE_DB, toDb } from './levels.js';

/** Seconds of room silence the guided session asks for. */
export const NOISE_SAMPLE_SECONDS = 3;

export interface NoiseFloor {
  /** Median 50 ms block RMS of the silence, in dBFS (SILENCE_DB for digital silence). */
  floorDb: number;
  /** Loudest block of the silence, in dBFS: a high value means something made a noise while measuring. */
  maxBlockDb: number;
  /** Seconds analysed. */
  seconds: number;
}

export type SnrVerdict = 'good' | 'fair' | 'noisy';

export interface SnrReport {
  /** Mean RMS of the loudest 30 % of 50 ms blocks of the take, in dBFS. */
  speechDb: number;
  floorDb: number;
  /** speechDb - floorDb. */
  snrDb: number;
  /** good: >= 40 dB (studio-like); fair: >= 25 dB (usable, some cleanup); noisy: under 25 dB. */
  verdict: SnrVerdict;
}

export const SNR_GOOD_DB = 40;
export const SNR_FAIR_DB = 25;
const SPEECH_TOP_FRACTION = 0.3;

function blockPowers(samples: Float32Array, sampleRate: number): number[] {
  const size = Math.max(1, Math.round(sampleRate * METER_BLOCK_SECONDS));
  const out: number[] = [];
  for (let start = 0; start + size <= samples.length; start += size) {
    let sum = 0;
    for (let i = start; i < start + size; i++) sum += samples[i] * samples[i];
    out.push(sum / size);
  }
  return out;
}

function checkInput(samples: Float32Array, sampleRate: number, what: string): void {
  if (!Number.isFinite(sampleRate) || sampleRate <= 0) throw new RangeError(`Invalid sample rate: ${sampleRate}`);
  if (samples.length < Math.round(sampleRate * METER_BLOCK_SECONDS)) {
    throw new RangeError(`The ${what} is too short to measure: needs at least ${METER_BLOCK_SECONDS * 1000} ms`);
  }
}

/** Estimate the room's noise floor from a recording of silence (the guided session uses 3 s). */
export function estimateNoiseFloor(silence: Float32Array, sampleRate: number): NoiseFloor {
  checkInput(silence, sampleRate, 'silence recording');
  const powers = blockPowers(silence, sampleRate).sort((a, b) => a - b);
  const mid = powers.length >> 1;
  const median = powers.length % 2 ? powers[mid] : (powers[mid - 1] + powers[mid]) / 2;
  return {
    floorDb: toDb(median),
    maxBlockDb: toDb(powers[powers.length - 1]),
    seconds: silence.length / sampleRate,
  };
}

/** Signal-to-noise ratio of a speech take against a noise floor from estimateNoiseFloor. */
export function speechSnr(speech: Float32Array, sampleRate: number, floor: NoiseFloor | number): SnrReport {
  checkInput(speech, sampleRate, 'speech recording');
  const floorDb = typeof floor === 'number' ? floor : floor.floorDb;
  const powers = blockPowers(speech, sampleRate).sort((a, b) => b - a);
  const top = powers.slice(0, Math.max(1, Math.ceil(powers.length * SPEECH_TOP_FRACTION)));
  const speechDb = toDb(top.reduce((a, b) => a + b, 0) / top.length);
  // A floor of digital silence would make any SNR "infinite": measure against the meter's floor instead.
  const snrDb = speechDb - Math.max(floorDb, SILENCE_DB);
  const verdict: SnrVerdict = snrDb >= SNR_GOOD_DB ? 'good' : snrDb >= SNR_FAIR_DB ? 'fair' : 'noisy';
  return { speechDb, floorDb, snrDb, verdict };
}
