/**
 * Speaker clustering on synthetic embeddings with known clusters: random unit "speaker" directions in 256
 * dimensions, each utterance its speaker's direction plus seeded noise. Average linkage must recover the speakers
 * with a threshold and with the known count, in any input order; cosine and the mean embedding are checked by hand.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  clusterEmbeddings,
  cosineSimilarity,
  meanEmbedding,
  MAX_CLUSTER_ITEMS,
} from '../../native-models/speech/cluster.js';

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}
const gauss = (r: () => number) => Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());

function dataset(speakers: number, perSpeaker: number, noise: number, seed: number) {
  const r = rng(seed);
  const dirs = Array.from({ length: speakers }, () => Array.from({ length: 256 }, () => gauss(r)));
  const items: { emb: Float32Array; speaker: number }[] = [];
  for (let s = 0; s < speakers; s++)
    for (let k = 0; k < perSpeaker; k++)
      items.push({ emb: Float32Array.from(dirs[s], (v) => v + noise * gauss(r)), speaker: s });
  // Shuffle (seeded) so clusters are not contiguous.
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

/** Same partition, whatever the label numbers. */
function samePartition(a: number[], b: number[]): boolean {
  const ab = new Map<number, number>();
  const ba = new Map<number, number>();
  return a.every((x, i) => {
    if ((ab.has(x) && ab.get(x) !== b[i]) || (ba.has(b[i]) && ba.get(b[i]) !== x)) return false;
    ab.set(x, b[i]);
    ba.set(b[i], x);
    return true;
  });
}

describe('speaker clustering', () => {
  it('cosine similarity and the mean of unit embeddings', () => {
    expect(cosineSimilarity([1, 0], [0, 1])).toBe(0);
    expect(cosineSimilarity([1, 2], [2, 4])).toBeCloseTo(1);
    expect(cosineSimilarity([1, 0], [-3, 0])).toBeCloseTo(-1);
    expect(cosineSimilarity([0, 0], [1, 0])).toBe(0);
    expect(() => cosineSimilarity([1], [1, 2])).toThrow(RangeError);
    expect(
      Array.from(
        meanEmbedding([
          [2, 0],
          [0, 5],
        ]),
      ),
    ).toEqual([0.5, 0.5]);
  });

  it('recovers 4 speakers of 12 utterances each, by threshold and by known count', () => {
    const items = dataset(4, 12, 0.9, 1);
    const truth = items.map((i) => i.speaker);
    const byThreshold = clusterEmbeddings(
      items.map((i) => i.emb),
      { threshold: 0.3 },
    );
    expect(new Set(byThreshold).size).toBe(4);
    expect(samePartition(byThreshold, truth)).toBe(true);
    const byCount = clusterEmbeddings(
      items.map((i) => i.emb),
      { speakers: 4 },
    );
    expect(samePartition(byCount, truth)).toBe(true);
    // Labels are numbered by first appearance.
    expect(byCount[0]).toBe(0);
  });

  it('a threshold of 1 keeps every utterance apart; 1 speaker puts all together; edge cases', () => {
    const items = dataset(3, 3, 0.5, 2).map((i) => i.emb);
    expect(new Set(clusterEmbeddings(items, { threshold: 1 })).size).toBe(9);
    expect(new Set(clusterEmbeddings(items, { speakers: 1 }))).toEqual(new Set([0]));
    expect(clusterEmbeddings([], { speakers: 2 })).toEqual([]);
    expect(() => clusterEmbeddings(items, { speakers: 0 })).toThrow(RangeError);
    expect(() => clusterEmbeddings(items, { threshold: 2 })).toThrow(RangeError);
    expect(() =>
      clusterEmbeddings(
        Array.from({ length: MAX_CLUSTER_ITEMS + 1 }, () => [1]),
        { speakers: 1 },
      ),
    ).toThrow(/at most/);
  });

  it('property: for separable speakers the known count recovers the truth in any order', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 5 }), fc.integer({ min: 1, max: 6 }), fc.integer(), (k, per, seed) => {
        const items = dataset(k, per, 0.6, seed);
        const labels = clusterEmbeddings(
          items.map((i) => i.emb),
          { speakers: k },
        );
        return samePartition(
          labels,
          items.map((i) => i.speaker),
        );
      }),
      { numRuns: 40, seed: 7 },
    );
  });
});
