/**
 * Time-stretching that keeps pitch: WSOLA (waveform-similarity overlap-add, Verhelst & Roelands 1993).
 *
 * Output frames of N samples (Hann window, 50 % overlap, so the windows sum to one) are placed every Hs samples.
 * Frame k is nominally read from the input at k·Hs·speed; within ±tolerance of that position the reader picks the
 * segment most similar (normalised cross-correlation) to the natural continuation of the previous frame, so periods
 * line up and no phase jumps are heard. Pitch is untouched because each frame is copied, never resampled.
 *
 * The search runs on a decimated grid first and is then refined at full resolution, which keeps 48 kHz audio fast.
 */

export interface StretchOptions {
  /** Frame length in ms (default 40). */
  frameMs?: number;
  /** Search tolerance either side of the nominal position in ms (default 15: covers a 67 Hz pitch period). */
  toleranceMs?: number;
}

/**
 * Change the tempo of mono audio by `speed` (0.5 … 2; 2 = twice as fast, half as long) keeping its pitch.
 * The output has exactly round(input.length / speed) samples.
 */
export function timeStretch(
  input: Float32Array,
  sampleRate: number,
  speed: number,
  opts: StretchOptions = {},
): Float32Array {
  if (!(speed >= 0.5 && speed <= 2)) throw new RangeError(`Speed must be between 0.5 and 2 (got ${speed})`);
  const outLen = Math.round(input.length / speed);
  if (speed === 1) return input.slice();
  const N = 2 * Math.max(8, Math.round(((opts.frameMs ?? 40) / 2000) * sampleRate));
  const Hs = N / 2;
  const tol = Math.max(1, Math.round(((opts.toleranceMs ?? 15) / 1000) * sampleRate));
  const dec = Math.max(1, Math.round(sampleRate / 8000));

  // Periodic Hann window: with hop N/2 the overlapped windows sum exactly to 1.
  const win = new Float32Array(N);
  for (let i = 0; i < N; i++) win[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / N);

  // Padded input: tol + N zeros at both ends so every candidate segment is in range.
  const pad = tol + N;
  const x = new Float32Array(input.length + 2 * pad + N);
  x.set(input, pad);

  const frames = Math.ceil(outLen / Hs) + 2;
  const out = new Float32Array(frames * Hs + N);
  // The first output frame is centred at 0, like every other one: frame k covers [k·Hs − Hs, k·Hs + Hs).
  let prev = pad - Hs; // start (in x) of the previous frame's segment
  for (let k = 0; k < frames; k++) {
    const nominal = Math.round(k * Hs * speed) + pad - Hs;
    let pos = nominal;
    if (k > 0) {
      const target = prev + Hs; // natural continuation of the previous segment
      pos = bestOffset(x, target, nominal, tol, N, dec);
    }
    const o = k * Hs;
    for (let i = 0; i < N; i++) out[o + i] += x[pos + i] * win[i];
    prev = pos;
  }
  // Output sample t sits at out[t + Hs] (the first frame started Hs before time 0).
  return out.slice(Hs, Hs + outLen);
}

/** Position in [nominal − tol, nominal + tol] whose N-sample segment best matches x[target … target+N). */
function bestOffset(x: Float32Array, target: number, nominal: number, tol: number, N: number, dec: number): number {
  const lo = Math.max(0, nominal - tol);
  const hi = Math.min(x.length - N, nominal + tol);
  const score = (p: number, step: number): number => {
    let xy = 0,
      yy = 0;
    for (let i = 0; i < N; i += step) {
      const b = x[p + i];
      xy += x[target + i] * b;
      yy += b * b;
    }
    return yy > 1e-12 ? xy / Math.sqrt(yy) : 0;
  };
  let best = nominal;
  let bestScore = -Infinity;
  for (let p = lo; p <= hi; p += dec) {
    const s = score(p, dec);
    if (s > bestScore) {
      bestScore = s;
      best = p;
    }
  }
  if (dec > 1) {
    const c = best;
    bestScore = -Infinity;
    for (let p = Math.max(lo, c - dec); p <= Math.min(hi, c + dec); p++) {
      const s = score(p, 1);
      if (s > bestScore) {
        bestScore = s;
        best = p;
      }
    }
  }
  // Silence everywhere: keep the nominal position so timing stays exact.
  return bestScore === 0 ? nominal : best;
}
