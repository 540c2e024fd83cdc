/**
 * Input level metering for the recorder: RMS and peak in dBFS over fixed ~50 ms blocks of the captured PCM, with a
 * clipping flag (a sample at full scale) and a too-quiet flag (the loudest block of the last 2 s under -40 dBFS).
 * Pure computation; the recorder feeds it samples as they arrive.
 */

/** The floor reported for digital silence, so levels stay finite numbers (JSON has no -Infinity). */
export const SILENCE_DB = -120;
/** Block length the meter reports on. 50 ms gives 20 level events per second of audio. */
export const METER_BLOCK_SECONDS = 0.05;
/** A window whose loudest block stays under this RMS is "too quiet": the voice would need a lot of gain. */
export const TOO_QUIET_DB = -40;
/** How far back "too quiet" looks: long enough to span the gaps between words. */
export const TOO_QUIET_WINDOW_SECONDS = 2;
/** |sample| at or above this counts as clipped: one step under full scale of 16-bit PCM. */
export const CLIP_LEVEL = 32766 / 32768;

export interface LevelReading {
  /** RMS of the block in dBFS (full-scale sine = -3 dBFS); SILENCE_DB for digital silence. */
  rmsDb: number;
  /** Largest |sample| of the block in dBFS. */
  peakDb: number;
  /** A sample of the block reached full scale: the input is clipping, turn the gain down. */
  clipping: boolean;
  /** The loudest block of the last 2 s was under -40 dBFS RMS: move closer or turn the gain up. */
  tooQuiet: boolean;
}

export function toDb(power: number): number {
  return power > 0 ? Math.max(SILENCE_DB, 10 * Math.log10(power)) : SILENCE_DB;
}

/** RMS level of samples in [-1, 1], in dBFS. */
export function rmsDb(samples: Float32Array, start = 0, end = samples.length): number {
  let sum = 0;
  for (let i = start; i < end; i++) sum += samples[i] * samples[i];
  return end > start ? toDb(sum / (end - start)) : SILENCE_DB;
}

/** Splits a stream of mono samples into fixed blocks and reports a LevelReading per full block. */
export class LevelMeter {
  readonly blockSize: number;
  private readonly block: Float32Array;
  private fill = 0;
  private readonly recent: number[] = [];
  private readonly windowBlocks: number;

  constructor(sampleRate: number) {
    this.blockSize = Math.max(1, Math.round(sampleRate * METER_BLOCK_SECONDS));
    this.block = new Float32Array(this.blockSize);
    this.windowBlocks = Math.max(1, Math.round(TOO_QUIET_WINDOW_SECONDS / METER_BLOCK_SECONDS));
  }

  /** Feed samples; calls onBlock once per completed block, in order. */
  push(samples: Float32Array, onBlock: (reading: LevelReading) => void): void {
    let i = 0;
    while (i < samples.length) {
      const n = Math.min(this.blockSize - this.fill, samples.length - i);
      this.block.set(samples.subarray(i, i + n), this.fill);
      this.fill += n;
      i += n;
      if (this.fill === this.blockSize) {
        this.fill = 0;
        onBlock(this.measure());
      }
    }
  }

  /** Drop a partly filled block (used when pausing, so a block never mixes paused and recorded audio). */
  resetBlock(): void {
    this.fill = 0;
  }

  private measure(): LevelReading {
    let sum = 0;
    let peak = 0;
    for (let i = 0; i < this.blockSize; i++) {
      const s = this.block[i];
      sum += s * s;
      const a = s < 0 ? -s : s;
      if (a > peak) peak = a;
    }
    const rms = toDb(sum / this.blockSize);
    this.recent.push(rms);
    if (this.recent.length > this.windowBlocks) this.recent.shift();
    // Judge "too quiet" only once 0.5 s has been heard, so the first blocks of a take do not flash a warning.
    const judged = this.recent.length * METER_BLOCK_SECONDS >= 0.5;
    return {
      rmsDb: rms,
      peakDb: toDb(peak * peak),
      clipping: peak >= CLIP_LEVEL,
      tooQuiet: judged && Math.max(...this.recent) < TOO_QUIET_DB,
    };
  }
}
