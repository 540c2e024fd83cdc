/** Pocket TTS engine (Kyutai, english_2026-04 ONNX export): see README.md and docs/pocket-tts-contract.md. */
export {
  createPocketTtsEngine,
  expectedSignatures,
  parseKnobs,
  parseVoiceId,
  POCKET_TTS_ENGINE_ID,
  DEFAULT_EOS_THRESHOLD,
  DEFAULT_FLOW_STEPS,
  DEFAULT_MAX_VOICE_SECONDS,
  type ParsedVoiceId,
  type PocketTtsEngine,
  type PocketTtsEngineOptions,
  type PocketTtsKnobs,
} from './engine.js';
export {
  serializeConditioning,
  deserializeConditioning,
  ConditioningFormatError,
  type VoiceConditioning,
} from './conditioning.js';
export { POCKET_PACK_ID, GRAPH_FILES, locatePackFiles, parseBundle, type Bundle, type GraphName } from './bundle.js';
export { SentencePieceTokenizer } from './tokenizer.js';
export { normalizeEnglish } from './normalize.js';
export { prepareTextPrompt, splitIntoChunks } from './text.js';
export { SeededRandom } from './rng.js';
export {
  createPocketTtsLanguagesEngine,
  pocketTtsBundles,
  splitLanguageSuffix,
  type PocketBundleInstall,
  type PocketLanguagesOptions,
} from './languages.js';
export { normalizeForLanguage, normalizeGeneric, primaryLanguage } from './normalize-language.js';
