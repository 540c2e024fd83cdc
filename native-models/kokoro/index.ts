/** Kokoro-82M engine (ONNX, 24 kHz, preset voices in 7 spoken languages): see README.md. */
import { join } from 'node:path';
import type { SessionOptions } from '../onnx/session.js';
import { createKokoroEngine, type KokoroEngine } from './engine.js';
import { espeakPhonemizer } from './phonemizer.js';
export {
  createKokoroEngine,
  expectedSignature,
  parseSpeed,
  splitSentences,
  MAX_SENTENCE_CHARS,
  batchSentences,
  PHONEMIZE_BATCH_CHARS,
  GRAPH_FILES,
  KOKORO_ENGINE_ID,
  KOKORO_SAMPLE_RATE,
  SPEED_RANGE,
  VOICES_ARCHIVE,
  VOICES_DIR,
  type KokoroEngine,
  type KokoroEngineOptions,
  type KokoroPackLocation,
  type KokoroPhonemizer,
} from './engine.js';
export {
  DEFAULT_VOCAB,
  espeakToKokoro,
  keepKnown,
  MAX_PHONEME_TOKENS,
  parseVocab,
  splitPhonemes,
  tokenize,
  VocabError,
  type PhonemeDialect,
  type Vocab,
} from './phonemes.js';
export {
  KOKORO_VOICE_IDS,
  LANGUAGE_BY_PREFIX,
  MAX_STYLE_ROWS,
  NpzVoiceArchive,
  parseNpyStyle,
  parseRawVoice,
  STYLE_DIM,
  styleRow,
  voiceInfo,
  VoiceFileError,
  type StyleTable,
} from './voices.js';
export { espeakPhonemizer } from './phonemizer.js';

/** Pack ids, in order of preference: the full-precision graph when installed, else the 8-bit one. */
export const KOKORO_PACK_PREFERENCE = ['kokoro-fp32', 'kokoro'] as const;

/** The engine as the registry creates it: packs under `<modelsDir>/<pack id>`, eSpeak NG as phonemizer. */
export function createKokoroForModelsDir(modelsDir: string, sessionOptions?: SessionOptions): KokoroEngine {
  return createKokoroEngine({
    packs: KOKORO_PACK_PREFERENCE.map((id) => ({ id, dir: join(modelsDir, id) })),
    phonemize: espeakPhonemizer,
    sessionOptions,
  });
}
