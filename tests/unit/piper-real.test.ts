/**
 * The Piper engine on a real published voice, when TIMBRE_MODELS_DIR holds one (a models folder with
 * `piper-<voice>/<voice>.onnx` + `.onnx.json`, e.g. from `timbre models download piper-en_us-lessac-medium`).
 * Skipped otherwise: the voices are not on the dev machines.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { EngineError, type SynthesisSink } from '../../native-models/engine.js';
import { createPiperEngine } from '../../native-models/piper/index.js';

const modelsDir = process.env.TIMBRE_MODELS_DIR ?? '';
const engine = createPiperEngine({ modelsDir });
const voice = modelsDir ? engine.installedVoices()[0] : undefined;
if (!voice)
  console.warn(
    'piper real-voice tests skipped: set TIMBRE_MODELS_DIR to a models folder holding a Piper voice pack ' +
      '(piper-<voice>/<voice>.onnx and .onnx.json) to run them.',
  );

/** A sentence in the voice's language (by the voice name's language code). */
const TEXTS: Record<string, string> = {
  en: 'The quick brown fox jumps over the lazy dog. Is it not?',
  fr: 'Bonjour, je suis une voix française. Comment allez-vous?',
  de: 'Guten Tag, ich bin eine deutsche Stimme. Wie geht es Ihnen?',
  es: 'Hola, soy una voz en español. ¿Cómo está usted?',
};

describe.skipIf(!voice)('Piper engine on a real voice', () => {
  afterAll(() => engine.dispose());
  const text = TEXTS[voice?.name.slice(0, 2) ?? 'en'] ?? TEXTS.en;

  const run = async (options: Record<string, number> = {}, signal = new AbortController().signal) => {
    const chunks: Float32Array[] = [];
    const sink: SynthesisSink = { onChunk: (p) => chunks.push(p), onProgress: () => {} };
    const result = await engine.synthesize({ text, voiceId: voice!.name, options }, sink, signal);
    return { result, chunks };
  };

  it('loads (the graph matches the contract) and speaks two sentences as two streamed chunks', async () => {
    expect((await engine.availability()).available).toBe(true);
    const { result, chunks } = await run({ sentenceSilence: 0 });
    expect(chunks).toHaveLength(2);
    expect([16000, 22050]).toContain(result.sampleRate);
    const seconds = result.samples / result.sampleRate;
    expect(seconds).toBeGreaterThan(1.5);
    expect(seconds).toBeLessThan(15);
    // Peak-normalised like Piper; real speech, not silence or noise at full scale everywhere.
    for (const c of chunks) {
      const peak = c.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      const rms = Math.sqrt(c.reduce((s, v) => s + v * v, 0) / c.length);
      expect(peak).toBeGreaterThan(0.9);
      expect(rms).toBeGreaterThan(0.02);
      expect(rms).toBeLessThan(0.5);
    }
  });

  it('speed 2 gives clearly shorter audio than speed 0.5', async () => {
    const fast = (await run({ speed: 2, sentenceSilence: 0 })).result.samples;
    const slow = (await run({ speed: 0.5, sentenceSilence: 0 })).result.samples;
    expect(slow / fast).toBeGreaterThan(2.5);
  });

  it('stops when cancelled', async () => {
    const ac = new AbortController();
    ac.abort();
    const err = await run({}, ac.signal).catch((e: unknown) => e);
    expect((err as EngineError).code).toBe('CANCELLED');
  });
});
