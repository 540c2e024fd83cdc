/**
 * Seeded noise for the flow-matching sampler: a small, fast 32-bit PRNG (sfc32 seeded through splitmix32) and
 * Box–Muller normals. Equal seeds give equal sequences on every platform (pure integer arithmetic).
 */

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export class SeededRandom {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare: number | null = null;

  constructor(seed: number) {
    const init = splitmix32((Math.floor(seed) >>> 0) ^ Math.floor(seed / 2 ** 32));
    this.a = init();
    this.b = init();
    this.c = init();
    this.d = init();
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  nextUint32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** Uniform in (0, 1): never exactly 0, so log() is safe. */
  nextFloat(): number {
    return (this.nextUint32() + 0.5) / 4294967296;
  }

  /** Standard normal (Box–Muller, the second value of each pair is kept for the next call). */
  nextGaussian(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    const r = Math.sqrt(-2 * Math.log(this.nextFloat()));
    const theta = 2 * Math.PI * this.nextFloat();
    this.spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  }

  /** Fills `out` with N(0, std²) values, each clamped to ±clamp when given. */
  fillGaussian(out: Float32Array, std: number, clamp?: number): Float32Array {
    for (let i = 0; i < out.length; i++) {
      let v = this.nextGaussian() * std;
      if (clamp !== undefined) v = Math.max(-clamp, Math.min(clamp, v));
      out[i] = v;
    }
    return out;
  }
}

/** A seed when the caller gave none. */
export function randomSeed(): number {
  return Math.floor(Math.random() * 2 ** 32);
}
