/**
 * A test engine, registered only when TIMBRE_TEST_ENGINES=1 (never in a build users run: nothing sets it): it behaves
 * like a sampling engine whose output depends on the seed and that sometimes repeats its text — the failure take QC
 * and auto-retake exist for (Pocket TTS issues #38, #221) — with real speech: eSpeak NG reads the text once, or twice
 * over. Voice `odd-seeds-repeat`: an odd seed says the text twice, an even seed once. Voice `always-repeat`: every
 * seed says it twice. So a test knows which seed gives a flagged take without replacing QC or the aligner.
 */
import type { SynthesisRequest, SynthesisResult, SynthesisSink, TtsEngine } from '../engine.js';
import { createEspeakEngine } from '../espeak/espeak-engine.js';

export const SEEDED_REPEAT_ENGINE_ID = 'seeded-repeat';

export function createSeededRepeatEngine(): TtsEngine {
  const espeak = createEspeakEngine();
  const repeats = (voiceId: string, seed: number) => voiceId === 'always-repeat' || seed % 2 === 1;
  return {
    id: SEEDED_REPEAT_ENGINE_ID,
    name: 'Seeded repeat (test engine)',
    license: 'GPL-3.0-or-later',
    availability: () => espeak.availability(),
    listVoices: async () => [
      { id: 'odd-seeds-repeat', name: 'Repeats on odd seeds', language: 'en-us', gender: 'unknown' },
      { id: 'always-repeat', name: 'Always repeats', language: 'en-us', gender: 'unknown' },
    ],
    synthesize(req: SynthesisRequest, sink: SynthesisSink, signal: AbortSignal): Promise<SynthesisResult> {
      const text = repeats(req.voiceId, req.seed ?? 0) ? `${req.text} ${req.text}` : req.text;
      return espeak.synthesize({ text, voiceId: 'en-us', options: req.options }, sink, signal);
    },
    dispose: () => espeak.dispose(),
  };
}
