/** Every speech engine Timbre ships. Instantiated inside the synthesis worker only. */
import type { TtsEngine } from './engine.js';
import { chooseExecutionProviders } from './onnx/providers.js';
import { createEspeakEngine } from './espeak/espeak-engine.js';
import { createPiperEngine } from './piper/index.js';
import { createKokoroForModelsDir } from './kokoro/index.js';
import { createPocketTtsLanguagesEngine, pocketTtsBundles } from './pocket-tts/languages.js';
import { createSeededRepeatEngine } from './testing/seeded-repeat-engine.js';

export interface EngineRegistryOptions {
  /** `<dataDir>/models`: where model packs are installed (one folder per pack id). */
  modelsDir: string;
  /** 'auto', 'cpu', 'cuda', 'dml' or 'coreml'. */
  executionProvider?: string;
  inferenceThreads?: number | null;
}

export function createEngines(opts: EngineRegistryOptions): TtsEngine[] {
  const sessionOptions = {
    executionProviders: chooseExecutionProviders(opts.executionProvider ?? 'auto'),
    intraOpThreads: opts.inferenceThreads ?? undefined,
  };
  return [
    createEspeakEngine(),
    createPocketTtsLanguagesEngine({ bundles: pocketTtsBundles(opts.modelsDir), sessionOptions }),
    createPiperEngine({ modelsDir: opts.modelsDir, sessionOptions }),
    createKokoroForModelsDir(opts.modelsDir, sessionOptions),
    ...(process.env.TIMBRE_TEST_ENGINES === '1' ? [createSeededRepeatEngine()] : []),
  ];
}
