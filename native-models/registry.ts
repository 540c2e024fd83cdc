/** Every speech engine Timbre ships. Instantiated inside the synthesis worker only. */
import type { TtsEngine } from './engine.js';
import { createEspeakEngine } from './espeak/espeak-engine.js';

export interface EngineRegistryOptions {
  /** `<dataDir>/models`: where model packs are installed. */
  modelsDir: string;
}

export function createEngines(_opts: EngineRegistryOptions): TtsEngine[] {
  return [createEspeakEngine()];
}
