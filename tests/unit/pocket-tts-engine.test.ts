/**
 * Pocket TTS orchestration on the contract fixture (tests/fixtures/pocket-tts-fixture.ts): graphs with the real
 * names whose arithmetic exposes frame counts, state threading, streaming boundaries and EOS handling.
 *
 * Fixture facts used below (temperature 0): every frame of decoder output holds four quarters
 * [decoder frame index, positions before the step, autoregressive step, accumulated text sum]; the voice "anna" is
 * 1.5 s at 24 kHz = 19 encoder frames (padded), so a voice prompt uses 1 (bos) + 19 = 20 positions; "Hello world."
 * is 3 tokens (▁Hello ▁world .) and 2 words, so upstream's tail is 3 + 2 = 5 frames after EOS.
 */
import { copyFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { EngineError, type SynthesisSink } from '../../native-models/engine.js';
import {
  createPocketTtsEngine,
  POCKET_PACK_ID,
  serializeConditioning,
  type PocketTtsEngine,
} from '../../native-models/pocket-tts/index.js';
import {
  fixtureFrames,
  makePocketFixture,
  sine,
  type PocketFixture,
  type PocketFixtureOptions,
} from '../fixtures/pocket-tts-fixture.js';

const SPF = 1920;
const VOICE_POSITIONS = 20;
const HELLO_TOKENS = 3;
const HELLO_TAIL = 5;

const fixtures: PocketFixture[] = [];
const engines: PocketTtsEngine[] = [];
afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.dispose()));
});
afterAll(() => fixtures.forEach((f) => f.cleanup()));

function setup(opts: PocketFixtureOptions = {}, engineOpts: { maxVoiceSeconds?: number } = {}) {
  const fx = makePocketFixture(opts);
  fixtures.push(fx);
  const engine = createPocketTtsEngine({ packDir: fx.dir, ...engineOpts });
  engines.push(engine);
  return { fx, engine };
}

interface Collected {
  chunks: Float32Array[];
  progress: number[];
  pcm(): Float32Array;
}

function collector(onChunk?: (pcm: Float32Array, n: number) => void): SynthesisSink & Collected {
  const chunks: Float32Array[] = [];
  const progress: number[] = [];
  return {
    chunks,
    progress,
    onChunk(pcm, sampleRate) {
      expect(sampleRate).toBe(24000);
      chunks.push(pcm);
      onChunk?.(pcm, chunks.length);
    },
    onProgress: (f) => progress.push(f),
    pcm() {
      const out = new Float32Array(chunks.reduce((n, c) => n + c.length, 0));
      let o = 0;
      for (const c of chunks) {
        out.set(c, o);
        o += c.length;
      }
      return out;
    },
  };
}

const never = () => new AbortController().signal;
const say = (
  engine: PocketTtsEngine,
  text: string,
  options: Record<string, number | string | boolean> = {},
  extra: { voiceId?: string; seed?: number; signal?: AbortSignal; sink?: SynthesisSink & Collected } = {},
) => {
  const sink = extra.sink ?? collector();
  return engine
    .synthesize(
      { text, voiceId: extra.voiceId ?? 'builtin:anna', options: { temperature: 0, ...options }, seed: extra.seed },
      sink,
      extra.signal ?? never(),
    )
    .then((result) => ({ result, sink, frames: fixtureFrames(sink.pcm(), SPF) }));
};

async function rejection(p: Promise<unknown>): Promise<EngineError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(EngineError);
    return e as EngineError;
  }
  throw new Error('expected a rejection');
}

describe('Pocket TTS engine: identity, availability, voices', () => {
  it('has the engine id, name and licence', () => {
    const { engine } = setup();
    expect(engine.id).toBe('pocket-tts');
    expect(engine.license).toBe('CC-BY-4.0');
  });

  it('says exactly which files are missing and how to install them', async () => {
    const { engine } = setup({ omit: ['flow_lm_main_int8.onnx', 'tokenizer.model', 'bos_before_voice.npy'] });
    const a = await engine.availability();
    expect(a.available).toBe(false);
    expect(a.reason).toContain('flow_lm_main_int8.onnx');
    expect(a.reason).toContain('tokenizer.model');
    expect(a.reason).toContain('bos_before_voice.npy');
    expect(a.reason).not.toContain('mimi_decoder');
    expect(a.reason).toContain(`timbre models download ${POCKET_PACK_ID}`);
    expect(a.reason).toContain('timbre models import PATH');
    const e = await rejection(say(engine, 'Hello.'));
    expect(e.code).toBe('ENGINE_UNAVAILABLE');
  });

  it('accepts the fp32 file names as a fallback for the int8 graphs', async () => {
    const { fx, engine } = setup();
    renameSync(join(fx.dir, 'flow_lm_main_int8.onnx'), join(fx.dir, 'flow_lm_main.onnx'));
    expect(await engine.availability()).toEqual({ available: true });
    const { result } = await say(engine, 'Hello world.');
    expect(result.samples).toBeGreaterThan(0);
  });

  it('lists built-in voices from the pack and registered conditionings', async () => {
    const { engine } = setup({ voices: { anna: { seconds: 1 }, charles: { seconds: 1 }, zed: { seconds: 1 } } });
    const c = await engine.encodeVoice(sine(1, 24000), 24000);
    engine.registerVoice('my-voice', serializeConditioning(c), 'My voice');
    expect(await engine.listVoices()).toEqual([
      { id: 'builtin:anna', name: 'Anna', language: 'en', gender: 'female' },
      { id: 'builtin:charles', name: 'Charles', language: 'en', gender: 'male' },
      { id: 'builtin:zed', name: 'Zed', language: 'en', gender: 'unknown' },
      { id: 'cond:my-voice', name: 'My voice', language: 'en', gender: 'unknown' },
    ]);
    engine.unregisterVoice('my-voice');
    expect((await engine.listVoices()).map((v) => v.id)).not.toContain('cond:my-voice');
  });
});

describe('Pocket TTS engine: signature check on load', () => {
  it('refuses a pack whose flow graph has a renamed input, naming it', async () => {
    const { engine } = setup({ rename: { graph: 'flow_lm_flow', name: 'c', to: 'cond' } });
    const e = await rejection(say(engine, 'Hello world.'));
    expect(e.code).toBe('ENGINE_UNAVAILABLE');
    expect(e.message).toContain('flow_lm_flow: missing input "c"');
    expect(e.message).toContain('refusing');
    const a = await engine.availability();
    expect(a.available).toBe(false);
    expect(a.reason).toContain('missing input "c"');
  });

  it('refuses a renamed state output and a wrong input dtype', async () => {
    const { engine } = setup({ rename: { graph: 'mimi_decoder', name: 'out_state_3', to: 'out_state_x' } });
    expect((await rejection(say(engine, 'Hi.'))).message).toContain('mimi_decoder: missing output "out_state_3"');
    const { engine: e2 } = setup({ retype: { graph: 'text_conditioner', name: 'token_ids', type: 'int32' } });
    expect((await rejection(say(e2, 'Hi.'))).message).toContain(
      'text_conditioner: input "token_ids" is int32, expected int64',
    );
  });

  it('refuses a state input missing from the bundle manifest graph', async () => {
    const { engine } = setup({ rename: { graph: 'flow_lm_main', name: 'state_4', to: 'state_four' } });
    expect((await rejection(say(engine, 'Hi.'))).message).toContain('flow_lm_main: missing input "state_4"');
  });
});

describe('Pocket TTS engine: frames, EOS and limits', () => {
  it('stops eosStep + framesAfterEos frames into the chunk (upstream: break before sampling)', async () => {
    const { engine } = setup({ eosStep: 6 });
    const { result, frames } = await say(engine, 'Hello world.');
    expect(frames).toHaveLength(6 + HELLO_TAIL);
    expect(result).toEqual({ sampleRate: 24000, samples: (6 + HELLO_TAIL) * SPF });
    const five = await say(engine, 'One two three four five words.');
    expect(five.frames).toHaveLength(6 + 1 + 2); // more than 4 words: tail 1 + 2
  });

  it('honours framesAfterEos, the bundle recommendation, and EOS on the first step', async () => {
    const { engine } = setup({ eosStep: 6 });
    expect((await say(engine, 'Hello world.', { framesAfterEos: 0 })).frames).toHaveLength(6);
    expect((await say(engine, 'Hello world.', { framesAfterEos: 2 })).frames).toHaveLength(8);
    const { engine: rec } = setup({ eosStep: 6, modelRecommendedFramesAfterEos: 1 });
    expect((await say(rec, 'Hello world.')).frames).toHaveLength(7);
    const { engine: first } = setup({ eosStep: 0 });
    expect((await say(first, 'Hello world.', { framesAfterEos: 1 })).frames).toHaveLength(1);
  });

  it('an EOS threshold above the logit never fires: the frame limit relative to the text length applies', async () => {
    const { engine } = setup({ eosStep: 3 });
    const { frames } = await say(engine, 'Hello world.', { eosThreshold: 50 });
    expect(frames).toHaveLength(Math.ceil((HELLO_TOKENS / 3 + 2) * 12.5)); // 38
    const longer = await say(engine, 'Hello world, this sentence has quite a few more tokens in it.', {
      eosThreshold: 50,
    });
    expect(longer.frames.length).toBeGreaterThan(38);
    expect((await say(engine, 'Hello world.', { eosThreshold: 50, maxFrames: 10 })).frames).toHaveLength(10);
  });

  it('never generates past the KV cache', async () => {
    const { engine } = setup({ eosStep: 1000, cachePositions: 40 });
    const { frames } = await say(engine, 'Hello world.');
    expect(frames).toHaveLength(40 - VOICE_POSITIONS - HELLO_TOKENS);
    const { engine: tiny } = setup({ cachePositions: 22 });
    expect((await rejection(say(tiny, 'Hello world.'))).code).toBe('INVALID_INPUT');
  });
});

describe('Pocket TTS engine: state threading and streaming', () => {
  it('threads flow_lm_main state step to step and mimi_decoder state chunk to chunk', async () => {
    const { engine } = setup({ eosStep: 20 });
    const { frames, sink } = await say(engine, 'Hello world.');
    expect(sink.chunks.length).toBeGreaterThan(2);
    frames.forEach(([decoderIndex, positions, arStep], k) => {
      expect(decoderIndex).toBe(k); // continuous across streamed decoder calls
      expect(positions).toBe(VOICE_POSITIONS + HELLO_TOKENS + k); // voice prompt + text prompt + k steps
      expect(arStep).toBe(k);
    });
    // Text sum: the prompt's token ids reached flow_lm_main through text_conditioner (fourth quarter).
    expect(frames[0][3]).toBeGreaterThan(0);
  });

  it('streams: a first small chunk after the first frames, then fixed-size chunks, then the rest', async () => {
    const { engine } = setup({ eosStep: 20 });
    let mainRunsAtFirstChunk = -1;
    const sink = collector((_pcm, n) => {
      if (n === 1) mainRunsAtFirstChunk = engine.runCounts().flow_lm_main;
    });
    const { frames } = await say(engine, 'Hello world.', {}, { sink });
    expect(frames).toHaveLength(25);
    expect(sink.chunks.map((c) => c.length / SPF)).toEqual([2, 12, 11]);
    // voice prompt + text prompt + two autoregressive steps: audio is out long before generation ends.
    expect(mainRunsAtFirstChunk).toBe(4);
    expect(sink.progress.at(-1)).toBe(1);
    expect(sink.progress.every((p, i) => i === 0 || p >= sink.progress[i - 1])).toBe(true);

    const custom = await say(engine, 'Hello world.', { firstChunkFrames: 3, chunkFrames: 5 });
    expect(custom.sink.chunks.map((c) => c.length / SPF)).toEqual([3, 5, 5, 5, 5, 2]);
    expect(custom.frames.map((f) => f[0])).toEqual(frames.map((f) => f[0]));
  });

  it('splits long text into chunks with a pause between them; each chunk restarts from the voice state', async () => {
    // Each "Hello world." is 3 tokens; a budget of 5 keeps them in separate chunks.
    const { engine } = setup({ eosStep: 2, maxTokenPerChunk: 5 });
    const sink = collector();
    await say(engine, 'Hello world. Hello world. Hello world.', { framesAfterEos: 1, pauseMs: 100 }, { sink });
    const lengths = sink.chunks.map((c) => c.length);
    const pause = 0.1 * 24000;
    expect(lengths).toEqual([2 * SPF, SPF, pause, 2 * SPF, SPF, pause, 2 * SPF, SPF]);
    expect(sink.chunks[2].every((v) => v === 0)).toBe(true);
    for (const start of [0, 3 + pause / SPF, 6 + (2 * pause) / SPF]) {
      const frames = fixtureFrames(sink.pcm().subarray(start * SPF), SPF);
      expect(frames[0].slice(0, 3)).toEqual([0, VOICE_POSITIONS + HELLO_TOKENS, 0]);
      expect(frames[2].slice(0, 3)).toEqual([2, VOICE_POSITIONS + HELLO_TOKENS + 2, 2]);
    }
  });

  it('pauses twice as long between paragraphs', async () => {
    const { engine } = setup({ eosStep: 1 });
    const sink = collector();
    await say(engine, 'Hello world.\n\nHello world.', { framesAfterEos: 0, pauseMs: 100 }, { sink });
    expect(sink.chunks.map((c) => c.length)).toEqual([SPF, 0.2 * 24000, SPF]);
  });

  it('runs flow_lm_flow flowSteps times per frame (Euler steps summing to the same latent)', async () => {
    const { engine } = setup({ eosStep: 4 });
    const before = engine.runCounts().flow_lm_flow;
    const { frames } = await say(engine, 'Hello world.', { flowSteps: 3 });
    expect(engine.runCounts().flow_lm_flow - before).toBe(frames.length * 3);
    frames.forEach(([, positions], k) => expect(positions).toBeCloseTo(VOICE_POSITIONS + HELLO_TOKENS + k, 3));
  });
});

describe('Pocket TTS engine: cancellation', () => {
  it('rejects with CANCELLED when aborted mid-stream, and stops running graphs', async () => {
    const { engine } = setup({ eosStep: 100 });
    const ac = new AbortController();
    const sink = collector((_p, n) => {
      if (n === 1) ac.abort();
    });
    const e = await rejection(say(engine, 'Hello world.', {}, { sink, signal: ac.signal }));
    expect(e.code).toBe('CANCELLED');
    expect(sink.chunks).toHaveLength(1);
    expect(engine.runCounts().flow_lm_main).toBe(4);
  });

  it('rejects with CANCELLED when aborted before starting', async () => {
    const { engine } = setup();
    const ac = new AbortController();
    ac.abort();
    expect((await rejection(say(engine, 'Hello world.', {}, { signal: ac.signal }))).code).toBe('CANCELLED');
    expect(engine.runCounts().flow_lm_main).toBe(0);
  });

  it('can cancel between any two steps (abort from a timer while generating)', async () => {
    const { engine } = setup({ eosStep: 100000, cachePositions: 100000 });
    const ac = new AbortController();
    const p = say(engine, 'Hello world.', { maxFrames: 100000 }, { signal: ac.signal });
    setTimeout(() => ac.abort(), 50);
    expect((await rejection(p)).code).toBe('CANCELLED');
    const runs = engine.runCounts().flow_lm_main;
    await new Promise((r) => setTimeout(r, 50));
    expect(engine.runCounts().flow_lm_main).toBe(runs);
  });
});

describe('Pocket TTS engine: seeds and knobs', () => {
  it('equal seeds give equal audio, different seeds different audio', async () => {
    const { engine } = setup({ eosStep: 5 });
    const a = await say(engine, 'Hello world.', { temperature: 0.7 }, { seed: 1 });
    const b = await say(engine, 'Hello world.', { temperature: 0.7 }, { seed: 1 });
    const c = await say(engine, 'Hello world.', { temperature: 0.7 }, { seed: 2 });
    const d = await say(engine, 'Hello world.', { temperature: 0.7, seed: 1 });
    expect(a.sink.pcm()).toEqual(b.sink.pcm());
    expect(a.sink.pcm()).not.toEqual(c.sink.pcm());
    expect(d.sink.pcm()).toEqual(a.sink.pcm());
    // Noise reaches the latents: temperature 0 gives exact step numbers, 0.7 does not.
    expect(a.frames.some(([, , ar], k) => ar !== k)).toBe(true);
  });

  it('noise scales with the temperature', async () => {
    const { engine } = setup({ eosStep: 30 });
    const dev = async (temperature: number) => {
      const { frames } = await say(engine, 'Hello world.', { temperature }, { seed: 7 });
      return Math.sqrt(frames.reduce((s, [, , ar], k) => s + (ar - k) ** 2, 0) / frames.length);
    };
    const low = await dev(0.01);
    const high = await dev(1);
    expect(high / low).toBeGreaterThan(5);
    expect(high / low).toBeLessThan(20);
  });

  it('rejects invalid knobs, unknown voices and unspeakable text', async () => {
    const { engine } = setup();
    expect((await rejection(say(engine, 'Hi.', { temperature: -1 }))).code).toBe('INVALID_INPUT');
    expect((await rejection(say(engine, 'Hi.', { flowSteps: 0.5 }))).code).toBe('INVALID_INPUT');
    expect((await rejection(say(engine, 'Hi.', {}, { voiceId: 'builtin:nobody' }))).code).toBe('INVALID_INPUT');
    expect((await rejection(say(engine, 'Hi.', {}, { voiceId: 'cond:nothing' }))).code).toBe('INVALID_INPUT');
    expect((await rejection(say(engine, '你好'))).code).toBe('UNSUPPORTED_TEXT');
    expect((await rejection(say(engine, '   '))).code).toBe('UNSUPPORTED_TEXT');
  });

  it('speaks numbers through the normaliser', async () => {
    const { engine } = setup({ eosStep: 1 });
    const { frames } = await say(engine, '42', { framesAfterEos: 0 });
    // "Forty-two." → ▁For ty - two . or similar: more than the 2 digit tokens "4" "2" + "." would give.
    expect(frames[0][1] - VOICE_POSITIONS).toBeGreaterThan(3);
  });
});

describe('Pocket TTS engine: voice cloning', () => {
  it('encodes a reference once per built-in voice and reuses it', async () => {
    const { engine } = setup({ eosStep: 2 });
    await say(engine, 'Hello world.');
    await say(engine, 'Hello world.');
    expect(engine.runCounts().mimi_encoder).toBe(1);
  });

  it('encoder output length follows the reference length; resampling and stereo built-ins work', async () => {
    const { engine } = setup({ eosStep: 1, voices: { vera: { seconds: 2, sampleRate: 16000, channels: 2 } } });
    expect((await engine.encodeVoice(sine(1, 24000), 24000)).frames).toBe(13); // 24000 / 1920 = 12.5 → 13
    expect((await engine.encodeVoice(sine(2, 24000), 24000)).frames).toBe(25);
    expect((await engine.encodeVoice(sine(2, 16000), 16000)).frames).toBe(25);
    const { frames } = await say(engine, 'Hello world.', { framesAfterEos: 0 }, { voiceId: 'builtin:vera' });
    expect(frames[0][1]).toBe(1 + 25 + HELLO_TOKENS);
  });

  it('keeps the loudest window of a reference longer than the model window', async () => {
    const { engine } = setup({}, { maxVoiceSeconds: 1 });
    const pcm = new Float32Array(24000 * 4).fill(0.01);
    pcm.fill(0.5, 24000 * 2, 24000 * 3);
    const c = await engine.encodeVoice(pcm, 24000);
    expect(c.frames).toBe(13);
    expect(c.seconds).toBeCloseTo(1);
    // Fixture latent channel 0 is each frame's mean: the loud second was chosen.
    expect(c.latents[0]).toBeCloseTo(0.5, 2);
  });

  it('serialised conditionings are reused without the encoder: registered, from a file, inline', async () => {
    const { fx, engine } = setup({ eosStep: 1 });
    const cond = await engine.encodeVoice(sine(3, 24000), 24000);
    expect(cond.frames).toBe(38);
    const bytes = serializeConditioning(cond);
    const encoderRuns = engine.runCounts().mimi_encoder;

    engine.registerVoice('mine', bytes);
    const first = (await say(engine, 'Hello world.', { framesAfterEos: 0 }, { voiceId: 'cond:mine' })).frames;
    expect(first[0][1]).toBe(1 + 38 + HELLO_TOKENS);

    const file = join(fx.dir, 'mine.tpvc');
    writeFileSync(file, bytes);
    const fromFile = await say(engine, 'Hello world.', { framesAfterEos: 0 }, { voiceId: `cond:${file}` });
    expect(fromFile.frames).toEqual(first);

    const inline = await say(engine, 'Hello world.', {
      framesAfterEos: 0,
      conditioning: Buffer.from(bytes).toString('base64'),
    });
    expect(inline.frames).toEqual(first);
    expect(engine.runCounts().mimi_encoder).toBe(encoderRuns);

    // A different voice gives different audio (the voice latents reach flow_lm_main's state).
    const anna = (await say(engine, 'Hello world.', { framesAfterEos: 0 })).frames;
    expect(anna[0][3]).not.toBe(first[0][3]);
  });

  it('refuses a conditioning encoded by another export', async () => {
    const { engine } = setup();
    const c = await engine.encodeVoice(sine(1, 24000), 24000);
    engine.registerVoice('other', { ...c, packId: 'english_2026-01:ffffffffffffffff' });
    const e = await rejection(say(engine, 'Hello.', {}, { voiceId: 'cond:other' }));
    expect(e.code).toBe('INVALID_INPUT');
    expect(e.message).toContain('another Pocket TTS export');
    expect(() => engine.registerVoice('broken', new Uint8Array([1, 2, 3]))).toThrow(EngineError);
  });

  it('rejects empty or non-finite references', async () => {
    const { engine } = setup();
    expect((await rejection(engine.encodeVoice(new Float32Array(0), 24000))).code).toBe('INVALID_INPUT');
    expect((await rejection(engine.encodeVoice(Float32Array.of(NaN, 0), 24000))).code).toBe('INVALID_INPUT');
    expect((await rejection(engine.encodeVoice(sine(1, 24000), 0))).code).toBe('INVALID_INPUT');
  });

  it('a copied pack with the same bundle.json accepts the same conditioning', async () => {
    const { fx, engine } = setup();
    const c = await engine.encodeVoice(sine(1, 24000), 24000);
    const { fx: fx2, engine: e2 } = setup();
    copyFileSync(join(fx.dir, 'bundle.json'), join(fx2.dir, 'bundle.json'));
    e2.registerVoice('v', serializeConditioning(c));
    expect((await say(e2, 'Hello world.', {}, { voiceId: 'cond:v' })).result.samples).toBeGreaterThan(0);
  });
});
