/**
 * Kokoro-82M on the real weights: runs when TIMBRE_MODELS_DIR holds an installed pack (`kokoro-fp32/` or `kokoro/`,
 * the catalog layout, or a folder with thewh1teagle/kokoro-onnx's `kokoro-v1.0*.onnx` + `voices-v1.0.bin`), and is
 * skipped otherwise (the weights are never in the repository; this machine has none).
 */
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import path from 'node:path';
import {
  createKokoroEngine,
  espeakPhonemizer,
  GRAPH_FILES,
  KOKORO_PACK_PREFERENCE,
  type KokoroPackLocation,
} from '../../native-models/kokoro/index.js';

const root = process.env.TIMBRE_MODELS_DIR;
const packs: KokoroPackLocation[] = root
  ? [...KOKORO_PACK_PREFERENCE.map((id) => ({ id, dir: path.join(root, id) })), { id: 'kokoro-onnx', dir: root }]
  : [];
const present = packs.filter((p) => GRAPH_FILES.some((g) => existsSync(path.join(p.dir, g))));

async function speak(text: string, voiceId: string, speed = 1) {
  const engine = createKokoroEngine({ packs: present, phonemize: espeakPhonemizer });
  const chunks: Float32Array[] = [];
  const r = await engine.synthesize(
    { text, voiceId, options: { speed } },
    { onChunk: (c) => chunks.push(c), onProgress: () => undefined },
    new AbortController().signal,
  );
  await engine.dispose();
  const all = new Float32Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  return { r, chunks, all, pack: engine.activePack() };
}

const rms = (x: Float32Array) => Math.sqrt(x.reduce((s, v) => s + v * v, 0) / Math.max(1, x.length));

describe.skipIf(present.length === 0)('Kokoro-82M real weights', () => {
  it('speaks English at 24 kHz, sentence by sentence, with speech-level audio', async () => {
    const { r, chunks, all } = await speak('Hello world. This is Kokoro, speaking offline.', 'af_heart');
    expect(r.sampleRate).toBe(24000);
    expect(chunks).toHaveLength(2);
    const seconds = all.length / 24000;
    expect(seconds).toBeGreaterThan(1);
    expect(seconds).toBeLessThan(10);
    expect(rms(all)).toBeGreaterThan(0.01);
    expect(Math.max(...all.map(Math.abs))).toBeLessThan(1.5);
  });

  it('speed changes the duration the model makes', async () => {
    const slow = await speak('The quick brown fox jumps over the lazy dog.', 'am_michael', 0.7);
    const fast = await speak('The quick brown fox jumps over the lazy dog.', 'am_michael', 1.4);
    expect(fast.all.length / slow.all.length).toBeLessThan(0.75);
  });

  it('speaks French, Spanish and Brazilian Portuguese voices', async () => {
    for (const [text, voice] of [
      ['Bonjour, comment allez-vous ?', 'ff_siwis'],
      ['Hola, ¿cómo estás?', 'ef_dora'],
      ['Olá, tudo bem?', 'pf_dora'],
    ]) {
      const { all } = await speak(text, voice);
      expect(all.length / 24000, voice).toBeGreaterThan(0.5);
      expect(rms(all), voice).toBeGreaterThan(0.01);
    }
  });
});
