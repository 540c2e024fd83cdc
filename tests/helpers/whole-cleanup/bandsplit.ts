// Test reference (not product code): bandsplit.ts as it was before the voice clean-up streamed (commit 1d8c85c),
// only its imports changed. tests/unit/cleanup-stream.test.ts checks the streaming implementation against it.
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
 */
import { resample } from '../../../native-models/dsp/resample.js';
import { GTCRN_RATE, type GtcrnDenoiser } from '../../../native-models/enhance/gtcrn.js';

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
  if (sampleRate === GTCRN_RATE) return { samples: await denoiser.denoise(samples), highBandGain: new Float32Array(0) };
  const low16 = resample(samples, sampleRate, GTCRN_RATE);
  const den16 = await denoiser.denoise(low16);
  const back = fit(resample(den16, GTCRN_RATE, sampleRate), samples.length);
  if (sampleRate < GTCRN_RATE) return { samples: back, highBandGain: new Float32Array(0) };

  const lowRate = fit(resample(low16, GTCRN_RATE, sampleRate), samples.length);
  const gain = topOctaveGain(low16, den16);
  const out = new Float32Array(samples.length);
  const framesPerSecond = GTCRN_RATE / FRAME;
  for (let i = 0; i < samples.length; i++) {
    // Frame centres sit at (f + 0.5) * FRAME in 16 kHz samples.
    const pos = (i / sampleRate) * framesPerSecond - 0.5;
    const f = Math.max(0, Math.min(gain.length - 1, Math.floor(pos)));
    const f2 = Math.min(gain.length - 1, f + 1);
    const t = Math.max(0, Math.min(1, pos - f));
    const g = gain.length ? gain[f] * (1 - t) + gain[f2] * t : 1;
    out[i] = back[i] + (samples[i] - lowRate[i]) * g;
  }
  return { samples: out, highBandGain: gain };
}

function fit(x: Float32Array, n: number): Float32Array {
  if (x.length === n) return x;
  const y = new Float32Array(n);
  y.set(x.subarray(0, Math.min(n, x.length)));
  return y;
}

/** Upper half of a 16 kHz signal (above ~3.7 kHz): x minus its 8 kHz round trip. */
function upperHalf(x: Float32Array): Float32Array {
  const lo = fit(resample(resample(x, GTCRN_RATE, 8000), 8000, GTCRN_RATE), x.length);
  const y = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) y[i] = x[i] - lo[i];
  return y;
}

function topOctaveGain(noisy16: Float32Array, den16: Float32Array): Float32Array {
  const a = upperHalf(noisy16);
  const b = upperHalf(den16);
  const frames = Math.ceil(noisy16.length / FRAME);
  const g = new Float32Array(frames);
  for (let f = 0; f < frames; f++) {
    let en = 1e-10;
    let ed = 0;
    for (let i = f * FRAME; i < Math.min(noisy16.length, (f + 1) * FRAME); i++) {
      en += a[i] * a[i];
      ed += b[i] * b[i];
    }
    g[f] = Math.min(1, Math.sqrt(ed / en));
  }
  // Fast attack (rising gain follows within a frame), release over ~50 ms; a backward pass keeps onsets intact.
  const release = Math.exp(-1 / 5);
  const fwd = new Float32Array(frames);
  let s = 0;
  for (let f = 0; f < frames; f++) fwd[f] = s = Math.max(g[f], s * release);
  s = 0;
  for (let f = frames - 1; f >= 0; f--) g[f] = s = Math.max(fwd[f], s * release);
  return g;
}
