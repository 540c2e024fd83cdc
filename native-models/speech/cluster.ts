/**
 * Speaker embeddings compared and grouped: cosine similarity, and agglomerative clustering with average linkage
 * (UPGMA) stopped either at a similarity threshold or at a known number of speakers. Used for speaker clustering in
 * dubbing and for the consent speaker check's score. O(n²) memory and O(n³) time in the worst case: bounded by
 * MAX_CLUSTER_ITEMS (a dubbing job has hundreds of segments, not tens of thousands).
 */

export const MAX_CLUSTER_ITEMS = 2000;

export function cosineSimilarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length || a.length === 0) throw new RangeError('embeddings must have the same, non-zero length');
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  if (na === 0 || nb === 0) return 0;
  return dot / Math.sqrt(na * nb);
}

/** The mean of several embeddings, each first scaled to unit length (a voice's reference from its samples). */
export function meanEmbedding(list: readonly ArrayLike<number>[]): Float32Array {
  if (list.length === 0) throw new RangeError('no embeddings to average');
  const out = new Float32Array(list[0].length);
  for (const e of list) {
    if (e.length !== out.length) throw new RangeError('embeddings must have the same length');
    let n = 0;
    for (let i = 0; i < e.length; i++) n += e[i] * e[i];
    const s = n > 0 ? 1 / Math.sqrt(n) : 0;
    for (let i = 0; i < e.length; i++) out[i] += e[i] * s;
  }
  for (let i = 0; i < out.length; i++) out[i] /= list.length;
  return out;
}

export type ClusterStop =
  /** Merge while the two closest clusters' average similarity is at least this (−1..1). */
  | { threshold: number }
  /** Merge until exactly this many clusters remain. */
  | { speakers: number };

/**
 * Cluster labels (0-based, numbered in order of first appearance) for each embedding. Average linkage: the
 * similarity of two clusters is the mean pairwise cosine similarity of their members; the closest pair is merged
 * until the stop rule says so.
 */
export function clusterEmbeddings(embeddings: readonly ArrayLike<number>[], stop: ClusterStop): number[] {
  const n = embeddings.length;
  if (n > MAX_CLUSTER_ITEMS) throw new RangeError(`at most ${MAX_CLUSTER_ITEMS} embeddings can be clustered at once`);
  if ('speakers' in stop && !(Number.isInteger(stop.speakers) && stop.speakers >= 1))
    throw new RangeError('the speaker count must be a whole number >= 1');
  if ('threshold' in stop && !(stop.threshold >= -1 && stop.threshold <= 1))
    throw new RangeError('the threshold must be between -1 and 1');
  if (n === 0) return [];
  // sim[i][j]: average-linkage similarity between live clusters i and j (sum of pairwise similarities / sizes).
  const sum = Array.from({ length: n }, () => new Float64Array(n));
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) sum[i][j] = sum[j][i] = cosineSimilarity(embeddings[i], embeddings[j]);
  const size = new Array<number>(n).fill(1);
  const alive = new Array<boolean>(n).fill(true);
  const parent = Array.from({ length: n }, (_, i) => i);
  let clusters = n;
  for (;;) {
    if ('speakers' in stop && clusters <= stop.speakers) break;
    let bi = -1;
    let bj = -1;
    let best = -Infinity;
    for (let i = 0; i < n; i++) {
      if (!alive[i]) continue;
      for (let j = i + 1; j < n; j++) {
        if (!alive[j]) continue;
        const s = sum[i][j] / (size[i] * size[j]);
        if (s > best) {
          best = s;
          bi = i;
          bj = j;
        }
      }
    }
    if (bi < 0) break;
    if ('threshold' in stop && best < stop.threshold) break;
    // Merge bj into bi: sums of pairwise similarities add up.
    for (let k = 0; k < n; k++) {
      if (!alive[k] || k === bi || k === bj) continue;
      sum[bi][k] = sum[k][bi] = sum[bi][k] + sum[bj][k];
    }
    size[bi] += size[bj];
    alive[bj] = false;
    for (let k = 0; k < n; k++) if (parent[k] === bj) parent[k] = bi;
    clusters--;
  }
  const label = new Map<number, number>();
  return parent.map((p) => {
    if (!label.has(p)) label.set(p, label.size);
    return label.get(p)!;
  });
}
