/** Every speech engine Timbre ships. Instantiated inside the synthesis worker only. */
import path from 'node:path';
import type { TtsEngine } from './engine.js';
import { chooseExecutionProviders } from './onnx/providers.js';
import { createEspeakEngine } from './espeak/espeak-engine.js';
import { createPocketTtsEngine, POCKET_PACK_ID } from './pocket-tts/index.js';
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
    createPocketTtsEngine({ packDir: path.join(opts.modelsDir, POCKET_PACK_ID), sessionOptions }),
    ...(process.env.TIMBRE_TEST_ENGINES === '1' ? [createSeededRepeatEngine()] : []),
  ];
}
