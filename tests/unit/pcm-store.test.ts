/**
 * The block store behind the streaming voice clean-up (native-models/audio/pcm-store.ts): encrypted temporary files
 * read back exactly from any position in any block size, spill-over from memory, nothing plain on disk, nothing left.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  BlockPull,
  arraySource,
  readAll,
  rangeSource,
  tempFileStore,
  type PcmSource,
} from '../../native-models/audio/pcm-store.js';
import { Resampler, resample } from '../../native-models/dsp/resample.js';
import { tempDir } from '../helpers/tmp.js';

const t = tempDir();
afterAll(() => t.cleanup());

function signal(n: number): Float32Array {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = Math.sin(i * 0.013) * 0.5 + ((i * 7919) % 101) / 1000;
  return x;
}

async function collect(src: PcmSource, from: number, to: number, block: number): Promise<Float32Array> {
  const parts: number[] = [];
  for await (const b of src.blocks(from, to, block)) {
    expect(b.length).toBeLessThanOrEqual(block);
    parts.push(...b);
  }
  return Float32Array.from(parts);
}

describe('tempFileStore', () => {
  it('reads back exactly from any position in any block size; the file holds no plain samples', async () => {
    const x = signal(100_003);
    const store = tempFileStore(t.dir);
    const w = store.create(22_050);
    for (let o = 0; o < x.length; o += 7777) w.write(x.subarray(o, o + 7777));
    const src = w.finish();
    expect(src.length).toBe(x.length);
    expect(await readAll(src)).toEqual(x);
    for (const [from, to, block] of [
      [1, 99_999, 4096],
      [3, 10, 1],
      [50_001, 100_003, 333],
      [99_998, 100_003, 65_536],
    ])
      expect(await collect(src, from, to, block)).toEqual(x.subarray(from, to));
    expect(await readAll(rangeSource(src, 12_345, 54_321))).toEqual(x.subarray(12_345, 54_321));
    const files = readdirSync(t.dir).filter((n) => n.startsWith('timbre-pcm-'));
    expect(files).toHaveLength(1);
    const raw = readFileSync(path.join(t.dir, files[0]));
    expect(raw.length).toBe(x.length * 4);
    // Encrypted: the first kilobyte of plain samples does not occur in the file.
    expect(raw.indexOf(Buffer.from(x.buffer, 4000, 1024))).toBe(-1);
    store.dispose();
    expect(readdirSync(t.dir).filter((n) => n.startsWith('timbre-pcm-'))).toEqual([]);
  });

  it('keeps short audio in memory and spills longer audio to a file with what came before', async () => {
    const x = signal(50_000);
    const store = tempFileStore(t.dir, { memoryFrames: 20_000 });
    const short = store.create(16_000);
    short.write(x.subarray(0, 15_000));
    expect(await readAll(short.finish())).toEqual(x.subarray(0, 15_000));
    expect(readdirSync(t.dir).filter((n) => n.startsWith('timbre-pcm-'))).toEqual([]);
    const long = store.create(16_000);
    for (let o = 0; o < x.length; o += 9000) long.write(x.subarray(o, o + 9000));
    expect(await readAll(long.finish())).toEqual(x);
    expect(readdirSync(t.dir).filter((n) => n.startsWith('timbre-pcm-'))).toHaveLength(1);
    store.dispose();
    expect(readdirSync(t.dir).filter((n) => n.startsWith('timbre-pcm-'))).toEqual([]);
  });
});

describe('BlockPull', () => {
  it('gives a resampled stream in requested lengths equal to the whole-buffer resampler, zero-padded after', async () => {
    const x = signal(48_000);
    const want = resample(x, 48_000, 16_000);
    const pull = new BlockPull(arraySource(x, 48_000).blocks(0, x.length, 5000), [new Resampler(48_000, 16_000)]);
    const parts: Float32Array[] = [];
    for (const n of [1, 999, 4000, 11_000]) parts.push(await pull.take(n));
    const got = Float32Array.from(parts.flatMap((p) => [...p]));
    expect(got).toEqual(want);
    expect(await pull.take(10)).toEqual(new Float32Array(10));
  });
});
