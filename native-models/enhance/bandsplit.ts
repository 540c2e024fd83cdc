/**
 * Denoising at any sample rate without losing the band above 8 kHz.
 *
 * GTCRN runs at 16 kHz. For other rates the signal is split into two complementary, zero-phase bands with the
 * band-limited resampler (which is latency-free, so no delay compensation is needed):
 *   low  = up(down(x))   where down = rate → 16 kHz and up = 16 kHz → rate (pass band to ~7.4 kHz)
 *   high = x − low       (what the 16 kHz band cannot hold)
 * The low band is denoised at 16 kHz and brought back to the input rate. The high band is not touched by the model;
 * it is scaled by a gain envelope measured on the top octave the model did see (about 3.7–8 kHz): per 10 ms frame,
 * sqrt(denoised energy / noisy energy), clamped to [0, 1], smoothed (fast attack, slower release) and interpolated to
 * each sample. Where the model kept speech (fricatives, breaths) the high band passes; where it removed noise, the
 * high band's noise is attenuated by the same amount.
 *
 * Rates at or below 16 kHz have no high band: they are resampled to 16 kHz, denoised and resampled back.
 *
 * Streaming (`denoiseSource`): every step is a pass over blocks, so an hour costs a few MB of memory: (1) the source
 * through the 16 kHz resampler into GTCRN, the 16 kHz input and output written to the store; (2) the top-octave gain
 * (one value per 10 ms, 1.4 MB per hour) from the two 16 kHz signals and their 8 kHz round trips; (3) the output,
 * the source read in lock-step with both 16 kHz signals brought back to its rate. The result equals the
 * whole-buffer computation (the resamplers and GTCRN stream give the same samples whatever the block size).
 */
import {
  BlockPull,
  PCM_BLOCK,
  arraySource,
  memoryStore,
  readAll,
  type PcmSource,
  type PcmStore,
} from '../audio/pcm-store.js';
import { Resampler } from '../dsp/resample.js';
import { GTCRN_RATE, type GtcrnDenoiser } from './gtcrn.js';

const FRAME = 160; // 10 ms at 16 kHz

export interface BandSplitResult {
  samples: Float32Array;
  /** Per 10 ms gain applied to the high band (empty when the input has no band above 8 kHz). */
  highBandGain: Float32Array;
}

/** Denoise mono audio at any rate; the output has the input's length and rate and is time-aligned with it. */
export async function denoiseAnyRate(
  denoiser: GtcrnDenoiser,
  samples: Float32Array,
  sampleRate: number,
): Promise<BandSplitResult> {
  const r = await denoiseSource(denoiser, arraySource(samples, sampleRate), memoryStore());
  return { samples: await readAll(r.output), highBandGain: r.highBandGain };
}

/**
 * Denoise a source at any rate into a new source of the same length and rate (kept in `store`, like the two 16 kHz
 * intermediates). See the file comment.
 */
export async function denoiseSource(
  denoiser: GtcrnDenoiser,
  src: PcmSource,
  store: PcmStore,
): Promise<{ output: PcmSource; highBandGain: Float32Array }> {
  const rate = src.sampleRate;
  const n = src.length;
  // (1) 16 kHz copy → GTCRN.
  const down = rate === GTCRN_RATE ? null : new Resampler(rate, GTCRN_RATE);
  const low16W = rate > GTCRN_RATE ? store.create(GTCRN_RATE) : null;
  const den16W = store.create(rate === GTCRN_RATE ? rate : GTCRN_RATE);
  const stream = denoiser.createStream();
  const feed = async (x: Float32Array) => {
    if (!x.length) return;
    low16W?.write(x);
    den16W.write(await stream.push(x));
  };
  for await (const x of src.blocks()) await feed(down ? down.push(x) : x);
  if (down) await feed(down.flush());
  den16W.write(await stream.finish());
  const den16 = den16W.finish();
  if (rate === GTCRN_RATE) return { output: den16, highBandGain: new Float32Array(0) };

  const out = store.create(rate);
  const back = new BlockPull(den16.blocks(), [new Resampler(GTCRN_RATE, rate)]);
  if (rate < GTCRN_RATE) {
    for (let o = 0; o < n; o += PCM_BLOCK) out.write(await back.take(Math.min(PCM_BLOCK, n - o)));
    await back.close();
    return { output: out.finish(), highBandGain: new Float32Array(0) };
  }

  // (2) The top-octave gain.
  const low16 = low16W!.finish();
  const gain = await topOctaveGain(low16, den16);
  // (3) out = back + (x − low band at the source rate) · gain.
  const lowRate = new BlockPull(low16.blocks(), [new Resampler(GTCRN_RATE, rate)]);
  const framesPerSecond = GTCRN_RATE / FRAME;
  let i = 0;
  for await (const x of src.blocks()) {
    const b = await back.take(x.length);
    const l = await lowRate.take(x.length);
    const y = new Float32Array(x.length);
    for (let k = 0; k < x.length; k++, i++) {
      // Frame centres sit at (f + 0.5) * FRAME in 16 kHz samples.
      const pos = (i / rate) * framesPerSecond - 0.5;
      const f = Math.max(0, Math.min(gain.length - 1, Math.floor(pos)));
      const f2 = Math.min(gain.length - 1, f + 1);
      const t = Math.max(0, Math.min(1, pos - f));
      const g = gain.length ? gain[f] * (1 - t) + gain[f2] * t : 1;
      y[k] = b[k] + (x[k] - l[k]) * g;
    }
    out.write(y);
  }
  await back.close();
  await lowRate.close();
  return { output: out.finish(), highBandGain: gain };
}

/** Per 10 ms frame: the energy of the upper half (above ~3.7 kHz: x minus its 8 kHz round trip) of a 16 kHz signal. */
async function upperHalfEnergies(x: PcmSource, init: number): Promise<Float64Array> {
  const frames = Math.ceil(x.length / FRAME);
  const e = new Float64Array(frames).fill(init);
  const lo = new BlockPull(x.blocks(), [new Resampler(GTCRN_RATE, 8000), new Resampler(8000, GTCRN_RATE)]);
  let i = 0;
  for await (const b of x.blocks()) {
    const l = await lo.take(b.length);
    for (let k = 0; k < b.length; k++, i++) {
      const v = Math.fround(b[k] - l[k]);
      e[Math.floor(i / FRAME)] += v * v;
    }
  }
  await lo.close();
  return e;
}

async function topOctaveGain(noisy16: PcmSource, den16: PcmSource): Promise<Float32Array> {
  const a = await upperHalfEnergies(noisy16, 1e-10);
  const b = await upperHalfEnergies(den16, 0);
  const frames = a.length;
  const g = new Float32Array(frames);
  for (let f = 0; f < frames; f++) g[f] = Math.min(1, Math.sqrt(b[f] / a[f]));
  // Fast attack (rising gain follows within a frame), release over ~50 ms; a backward pass keeps onsets intact.
  const release = Math.exp(-1 / 5);
  const fwd = new Float32Array(frames);
  let s = 0;
  for (let f = 0; f < frames; f++) fwd[f] = s = Math.max(g[f], s * release);
  s = 0;
  for (let f = frames - 1; f >= 0; f--) g[f] = s = Math.max(fwd[f], s * release);
  return g;
}
