/** Every speech engine Timbre ships. Instantiated inside the synthesis worker only. */
import path from 'node:path';
import type { TtsEngine } from './engine.js';
import { createEspeakEngine } from './espeak/espeak-engine.js';
import { createPocketTtsEngine, POCKET_PACK_ID } from './pocket-tts/index.js';

export interface EngineRegistryOptions {
  /** `<dataDir>/models`: where model packs are installed (one folder per pack id). */
  modelsDir: string;
}

export function createEngines(opts: EngineRegistryOptions): TtsEngine[] {
  return [createEspeakEngine(), createPocketTtsEngine({ packDir: path.join(opts.modelsDir, POCKET_PACK_ID) })];
}
