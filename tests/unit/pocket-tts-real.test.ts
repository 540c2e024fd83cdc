/**
 * The same engine checks on a real english_2026-04 pack, when TIMBRE_MODELS_DIR points at one (the pack folder
 * itself, or a models folder holding it as `pocket-tts/`). Skipped otherwise: the graphs are not on the dev machines.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EngineError, type SynthesisSink } from '../../native-models/engine.js';
import {
  createPocketTtsEngine,
  locatePackFiles,
  POCKET_PACK_ID,
  serializeConditioning,
} from '../../native-models/pocket-tts/index.js';
import { sine } from '../fixtures/pocket-tts-fixture.js';

function findPack(): string | null {
  const root = process.env.TIMBRE_MODELS_DIR;
  if (!root) return null;
  for (const dir of [root, join(root, POCKET_PACK_ID)])
    if (existsSync(join(dir, 'bundle.json')) && locatePackFiles(dir).missing.length === 0) return dir;
  return null;
}

const packDir = findPack();
if (!packDir)
  console.warn(
    'pocket-tts real-pack tests skipped: set TIMBRE_MODELS_DIR to an installed english_2026-04 pack ' +
      `(or a models folder containing ${POCKET_PACK_ID}/) to run them.`,
  );

describe.skipIf(!packDir)('Pocket TTS engine on the real english_2026-04 graphs', () => {
  const engine = createPocketTtsEngine({ packDir: packDir ?? '' });
  afterAll(() => engine.dispose());

  const run = async (text: string, options: Record<string, number> = {}, voiceId?: string, signal?: AbortSignal) => {
    const chunks: Float32Array[] = [];
    const sink: SynthesisSink = { onChunk: (p) => chunks.push(p), onProgress: () => {} };
    const voices = await engine.listVoices();
    const result = await engine.synthesize(
      { text, voiceId: voiceId ?? voices[0]?.id ?? 'builtin:anna', options, seed: 1234 },
      sink,
      signal ?? new AbortController().signal,
    );
    const pcm = new Float32Array(result.samples);
    let o = 0;
    for (const c of chunks) {
      pcm.set(c, o);
      o += c.length;
    }
    return { result, chunks, pcm };
  };

  it('loads (signatures match the contract) and lists the reference voices', async () => {
    expect(await engine.availability()).toEqual({ available: true });
    const voices = await engine.listVoices();
    expect(voices.length).toBeGreaterThan(0);
    expect(voices.every((v) => v.id.startsWith('builtin:'))).toBe(true);
  });

  it('speaks a sentence: whole 1920-sample frames at 24 kHz, finite, audible, streamed', async () => {
    const { result, chunks, pcm } = await run('Hello there, this is a short test.');
    expect(result.sampleRate).toBe(24000);
    expect(result.samples % 1920).toBe(0);
    expect(result.samples / 24000).toBeGreaterThan(0.5);
    expect(result.samples / 24000).toBeLessThan(8);
    expect(chunks[0].length).toBe(2 * 1920);
    expect(pcm.every(Number.isFinite)).toBe(true);
    const rms = Math.sqrt(pcm.reduce((s, v) => s + v * v, 0) / pcm.length);
    expect(rms).toBeGreaterThan(0.005);
  }, 120_000);

  it('equal seeds give equal audio, different seeds different audio', async () => {
    const a = await run('Same seed, same audio.');
    const b = await run('Same seed, same audio.');
    expect(a.pcm).toEqual(b.pcm);
    const chunks: Float32Array[] = [];
    await engine.synthesize(
      { text: 'Same seed, same audio.', voiceId: (await engine.listVoices())[0].id, seed: 99 },
      { onChunk: (p) => chunks.push(p), onProgress: () => {} },
      new AbortController().signal,
    );
    expect(Buffer.concat(chunks.map((c) => Buffer.from(c.buffer)))).not.toEqual(Buffer.from(a.pcm.buffer));
  }, 180_000);

  it('clones from a recording: encode once, serialise, reuse', async () => {
    const before = engine.runCounts().mimi_encoder;
    const cond = await engine.encodeVoice(sine(3, 16000, 180, 0.3), 16000);
    expect(cond.dim).toBe(1024);
    expect(cond.frames).toBeGreaterThanOrEqual(37);
    engine.registerVoice('sine', serializeConditioning(cond));
    const { result } = await run('A cloned voice.', {}, 'cond:sine');
    expect(result.samples).toBeGreaterThan(0);
    expect(engine.runCounts().mimi_encoder).toBe(before + 1);
  }, 120_000);

  it('cancels', async () => {
    const ac = new AbortController();
    const p = run('This sentence will be interrupted before it is finished speaking.', {}, undefined, ac.signal);
    setTimeout(() => ac.abort(), 300);
    await expect(p).rejects.toMatchObject({ code: 'CANCELLED' } satisfies Partial<EngineError>);
  }, 60_000);
});
