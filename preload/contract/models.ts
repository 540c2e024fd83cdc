/** Engines, voices of the engines, and model packs (download, import, verify). Part of the one contract: see index.ts. */
import { z } from 'zod';
import { ApiErrorShape, call, empty } from './common.js';

export const EngineInfo = z.object({
  id: z.string(),
  name: z.string(),
  available: z.boolean(),
  /** Why it is unavailable and how to fix it. */
  unavailableReason: z.string().optional(),
  /** Something to show even though it works, e.g. "CUDA failed to load; running on the CPU". */
  notice: z.string().optional(),
  license: z.string(),
  /**
   * The languages the engine speaks, installed or not, when it reports them (engines with per-language model
   * packs, e.g. Pocket TTS): BCP-47 primary subtag, whether it clones in it, and what to install when unavailable.
   */
  languages: z
    .array(
      z.object({
        language: z.string(),
        cloning: z.boolean(),
        available: z.boolean(),
        reason: z.string().optional(),
      }),
    )
    .optional(),
});
export type EngineInfo = z.infer<typeof EngineInfo>;

export const VoiceInfo = z.object({
  /** Globally unique: `<engineId>:<engine voice id>`. */
  id: z.string(),
  engineId: z.string(),
  name: z.string(),
  language: z.string(),
  gender: z.enum(['female', 'male', 'unknown']),
  /** Set when the voice cannot speak now, saying why and what to do (a library voice without a cloning pack). */
  unavailableReason: z.string().optional(),
});
export type VoiceInfo = z.infer<typeof VoiceInfo>;

export const ModelPack = z.object({
  id: z.string(),
  name: z.string(),
  version: z.string(),
  kind: z.enum(['tts', 'vad', 'enhance', 'asr', 'speaker', 'separation']),
  description: z.string().optional(),
  status: z.enum(['installed', 'partial', 'not-installed']),
  outdated: z.boolean(),
  installedVersion: z.string().optional(),
  bytesTotal: z.number().nonnegative(),
  bytesPresent: z.number().nonnegative(),
  cloning: z.boolean(),
  languages: z.array(z.string()),
  presetVoices: z.number().int().nonnegative(),
  requiresTermsAcceptance: z.boolean(),
  licence: z.object({ id: z.string(), url: z.string().optional(), text: z.string().optional() }),
  /** Why an existing pack folder does not count as installed. */
  problem: z.string().optional(),
  /** A file changed size after installation: the pack is not used; models.verify checks it (issue #16). */
  needsVerification: z.boolean().optional(),
  /** A download or import is running. */
  busy: z.boolean(),
});
export type ModelPack = z.infer<typeof ModelPack>;

export const ModelProgress = z.object({
  packId: z.string(),
  phase: z.enum(['download', 'verify', 'import', 'install']),
  file: z.string().optional(),
  bytesDone: z.number().nonnegative(),
  bytesTotal: z.number().nonnegative(),
  speedBps: z.number().nonnegative(),
  etaSeconds: z.number().nullable(),
});
export type ModelProgress = z.infer<typeof ModelProgress>;

export const ExecutionProvider = z.enum(['auto', 'cpu', 'cuda', 'dml', 'coreml']);
export const RuntimeInfo = z.object({
  /** Providers usable on this machine, best first; always ends with cpu. */
  providers: z.array(z.object({ name: z.string(), bundled: z.boolean() })),
  cores: z.number().int().positive(),
});

export const modelsMethods = {
  'engines.list': call(empty, z.array(EngineInfo)),
  'voices.list': call(z.object({ engineId: z.string().max(100).optional() }).strict(), z.array(VoiceInfo)),

  'models.list': call(empty, z.array(ModelPack)),
  /** Start downloading a pack (network only on this explicit request). Progress: `model.progress` events. */
  'models.download': call(
    z.object({ id: z.string().max(100), acceptTerms: z.boolean().default(false) }).strict(),
    ModelPack,
  ),
  /** Import a pack from a folder or .zip on this computer (air-gapped machines). */
  'models.import': call(
    z.object({ path: z.string().min(1).max(4096), acceptTerms: z.boolean().default(false) }).strict(),
    ModelPack,
  ),
  'models.cancel': call(z.object({ id: z.string().max(100) }).strict(), ModelPack),
  'models.verify': call(
    z.object({ id: z.string().max(100) }).strict(),
    z.object({
      id: z.string(),
      ok: z.boolean(),
      files: z.array(z.object({ path: z.string(), ok: z.boolean(), problem: z.string().optional() })),
    }),
  ),
  'models.remove': call(z.object({ id: z.string().max(100) }).strict(), ModelPack),
  'runtime.info': call(empty, RuntimeInfo),
  /**
   * A short sentence in the voice's language spoken by an engine voice (`<engine>:<voice>`), as a base64 WAV: made
   * once, then served from the data folder's cache. Library voices use library.preview.
   */
  'voices.preview': call(
    z.object({ voiceId: z.string().min(1).max(200) }).strict(),
    z.object({ wav: z.string(), text: z.string(), cached: z.boolean() }).strict(),
  ),
} as const;

export const modelsEvents = {
  /** Bytes, speed and ETA of a running pack download or import. */
  'model.progress': ModelProgress,
  /** A pack's state changed (installed, removed, failed, cancelled); `error` set when a transfer failed. */
  'model.updated': z.object({ pack: ModelPack, error: ApiErrorShape.nullable() }),
} as const;
