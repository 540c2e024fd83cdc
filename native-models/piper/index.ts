/** Piper engine (VITS voices as .onnx + .onnx.json): see docs/voices-multilingual.md. */
export {
  createPiperEngine,
  chunkClauses,
  textBatches,
  BATCH_CHARS,
  parsePiperKnobs,
  parsePiperVoiceId,
  PiperEngine,
  PIPER_ENGINE_ID,
  MAX_CHUNK_PHONEMES,
  DEFAULT_SENTENCE_SILENCE,
  type PiperEngineOptions,
  type PiperKnobs,
  type ParsedPiperVoice,
} from './engine.js';
export { parsePiperConfig, phonemesToIds, PiperConfigError, MAX_CONFIG_BYTES, type PiperConfig } from './config.js';
