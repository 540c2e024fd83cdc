import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { FIXTURE_FILES, fixtureFrames, makePocketFixture } from '../fixtures/pocket-tts-fixture.js';

const fx = makePocketFixture({ eosStep: 2 });
afterAll(() => fx.cleanup());

const load = (g: keyof typeof FIXTURE_FILES) => ort.InferenceSession.create(join(fx.dir, FIXTURE_FILES[g]));
const f32 = (data: number[] | Float32Array, dims: number[]) => new ort.Tensor('float32', Float32Array.from(data), dims);
const i64 = (data: number[], dims: number[]) => new ort.Tensor('int64', BigInt64Array.from(data.map(BigInt)), dims);

describe('pocket-tts fixture graphs (run directly in onnxruntime-node)', () => {
  it('text_conditioner: token ids → [1,T,D] embeddings', async () => {
    const s = await load('text_conditioner');
    const out = await s.run({ token_ids: i64([4096, 2048], [1, 2]) });
    expect(out.embeddings.dims).toEqual([1, 2, 8]);
    expect((out.embeddings.data as Float32Array)[0]).toBe(1);
    expect((out.embeddings.data as Float32Array)[8]).toBe(0.5);
  });

  it('mimi_encoder: frame count follows the audio length', async () => {
    const s = await load('mimi_encoder');
    const out = await s.run({ audio: f32(new Float32Array(3 * 1920).fill(0.25), [1, 1, 3 * 1920]) });
    expect(out.latents.dims).toEqual([1, 3, 8]);
    expect(Array.from((out.latents.data as Float32Array).slice(0, 2))).toEqual([0.25, 1]);
  });

  it('flow_lm_main: counters, eos and conditioning', async () => {
    const s = await load('flow_lm_main');
    const state: Record<string, ort.Tensor> = {
      state_0: f32(new Float32Array(2 * 1000 * 2).fill(NaN), [2, 1, 1000, 1, 2]),
      state_1: f32([], [0]),
      state_2: i64([0], [1]),
      state_3: f32([0], [1, 1]),
      state_4: i64([0], [1]),
      state_5: new ort.Tensor('bool', Uint8Array.from([1]), [1]),
    };
    const run = async (seq: ort.Tensor, text: ort.Tensor) => {
      const out = await s.run({ sequence: seq, text_embeddings: text, ...state });
      for (let i = 0; i < 6; i++) state[`state_${i}`] = out[`out_state_${i}`];
      return out;
    };
    await run(f32([], [1, 0, 4]), f32(new Float32Array(3 * 8).fill(1), [1, 3, 8]));
    expect(state.state_2.data[0]).toBe(3n);
    expect(state.state_3.data[0]).toBe(24);
    const eos: number[] = [];
    for (let k = 0; k < 4; k++) {
      const out = await run(f32([NaN, NaN, NaN, NaN], [1, 1, 4]), f32([], [1, 0, 8]));
      eos.push((out.eos_logit.data as Float32Array)[0]);
      expect(Array.from((out.conditioning.data as Float32Array).slice(0, 4))).toEqual([3 + k, k, 24, 0]);
    }
    expect(eos).toEqual([-10, -10, 10, 10]);
    expect(state.state_5.data[0]).toBe(0);
  });

  it('flow_lm_flow: flow_dir = c[:, :L]', async () => {
    const s = await load('flow_lm_flow');
    const out = await s.run({
      c: f32([1, 2, 3, 4, 5, 6, 7, 8], [1, 8]),
      s: f32([0], [1, 1]),
      t: f32([1], [1, 1]),
      x: f32([9, 9, 9, 9], [1, 4]),
    });
    expect(Array.from(out.flow_dir.data as Float32Array)).toEqual([1, 2, 3, 4]);
  });

  it('mimi_decoder: frame index from its own state, latent values in quarters', async () => {
    const s = await load('mimi_decoder');
    const out = await s.run({
      latent: f32([5, 6, 7, 8, 9, 10, 11, 12], [1, 2, 4]),
      state_0: new ort.Tensor('bool', Uint8Array.from([1]), [1]),
      state_1: f32(new Float32Array(8), [1, 4, 2]),
      state_2: f32([], [1, 4, 0]),
      state_3: i64([10], [1]),
    });
    expect(out.audio_frame.dims).toEqual([1, 1, 2 * 1920]);
    expect(fixtureFrames(out.audio_frame.data as Float32Array, 1920)).toEqual([
      [10, 5, 6, 7],
      [11, 9, 10, 11],
    ]);
    expect(out.out_state_3.data[0]).toBe(12n);
  });
});
