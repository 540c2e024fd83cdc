/**
 * Measuring what a mix is made of, for the dubbing tests: correlation and a least-squares fit of an output against
 * known components (`out ≈ Σ kᵢ·xᵢ`) over chosen sample indices (e.g. only where nobody speaks).
 */

export const dot = (a: Float32Array, b: Float32Array, idx: number[]): number =>
  idx.reduce((s, i) => s + a[i] * b[i], 0);

export function corr(a: Float32Array, b: Float32Array, idx: number[]): number {
  return dot(a, b, idx) / Math.sqrt(dot(a, a, idx) * dot(b, b, idx));
}

/** Least squares out ≈ Σ kᵢ·xᵢ over the samples idx (normal equations, Gaussian elimination). */
export function fit(out: Float32Array, xs: Float32Array[], idx: number[]): number[] {
  const n = xs.length;
  const A = xs.map((u) => xs.map((v) => dot(u, v, idx)));
  const y = xs.map((u) => dot(u, out, idx));
  for (let c = 0; c < n; c++)
    for (let r = c + 1; r < n; r++) {
      const f = A[r][c] / A[c][c];
      for (let k = c; k < n; k++) A[r][k] -= f * A[c][k];
      y[r] -= f * y[c];
    }
  const k = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let t = y[r];
    for (let c = r + 1; c < n; c++) t -= A[r][c] * k[c];
    k[r] = t / A[r][r];
  }
  return k;
}

/** Sample indices (every 4th, to keep it fast) of `len` samples at `rate` where `keep(t)` holds. */
export function sampleIndices(keep: (t: number) => boolean, len: number, rate: number): number[] {
  const idx: number[] = [];
  for (let i = 0; i < len; i += 4) if (keep(i / rate)) idx.push(i);
  return idx;
}
