/** Checks on decoded samples shared by every way audio arrives (decode.ts) and by the analysis (cleanup.ts). */

/** How many samples are NaN or ±Infinity (one of them turns every sum, level and filter state it touches into NaN). */
export function countNonFinite(samples: Float32Array): number {
  let n = 0;
  for (let i = 0; i < samples.length; i++) {
    const v = samples[i];
    // v - v is 0 for every finite number and NaN for NaN and ±Infinity.
    if (v - v !== 0) n++;
  }
  return n;
}
