/**
 * The public automation API (`/v1`): the OpenAI-compatible speech endpoint's request and error shapes. Part of the
 * one contract: see index.ts. The studio's own calls are served at `/v1/rpc/<method>` from the same `methods` map
 * (docs/api.md).
 */
import { z } from 'zod';
import { Id, IsoTime, call, empty } from './common.js';

export const SPEECH_LIMITS = {
  /** Characters of `input` in one request (OpenAI allows 4,096; long text is better sent as a project). */
  inputMax: 100_000,
  /** Requests waiting for the synthesis engine beyond the ones running; more get 429 with Retry-After. */
  queueMax: 64,
} as const;

/** Audio formats of `POST /v1/audio/speech` (OpenAI's `response_format`). */
export const SpeechFormat = z.enum(['mp3', 'opus', 'aac', 'flac', 'wav', 'pcm']);
export type SpeechFormat = z.infer<typeof SpeechFormat>;

/**
 * OpenAI's `POST /v1/audio/speech` body. Unknown keys are dropped rather than refused, so clients built for newer
 * versions of OpenAI's API keep working; every known key is checked.
 */
export const SpeechRequest = z.object({
  /**
   * `espeak`, `pocket-tts`, or `tts-1` / `tts-1-hd` / `gpt-4o-mini-tts` (mapped to the best installed engine).
   */
  model: z.string().trim().min(1, 'model is required').max(100),
  input: z
    .string()
    .min(1, 'input is empty')
    .max(SPEECH_LIMITS.inputMax, `input has more than ${SPEECH_LIMITS.inputMax.toLocaleString('en')} characters`),
  /**
   * A voice id (`espeak:en-us`, `library:<id>`), a voice's name from `GET /v1/audio/voices`, one of OpenAI's voice
   * names (alloy, echo, … mapped to built-in voices), or `{ "id": … }` as newer OpenAI clients send custom voices.
   */
  voice: z.union([z.string().trim().min(1).max(200), z.object({ id: z.string().trim().min(1).max(200) })]),
  response_format: SpeechFormat.default('mp3'),
  /** Tempo, pitch kept: 0.25 to 4 (OpenAI's range). */
  speed: z.number().min(0.25, 'speed is at least 0.25').max(4, 'speed is at most 4').default(1),
  /** Accepted and ignored: no installed engine takes style instructions. */
  instructions: z.string().max(10_000).optional(),
  /** `audio` (default): the audio bytes, chunked as they are made. `sse` is not offered. */
  stream_format: z.literal('audio').optional(),
});
export type SpeechRequest = z.infer<typeof SpeechRequest>;

/** OpenAI's error body: `{ "error": { message, type, param, code } }`. */
export const OpenAiError = z.object({
  error: z.object({
    message: z.string(),
    type: z.string(),
    param: z.string().nullable(),
    code: z.string().nullable(),
  }),
});
export type OpenAiError = z.infer<typeof OpenAiError>;

/** `GET /v1/models`. */
export const ModelList = z.object({
  object: z.literal('list'),
  data: z.array(
    z.object({ id: z.string(), object: z.literal('model'), created: z.number().int(), owned_by: z.string() }),
  ),
});
export type ModelList = z.infer<typeof ModelList>;

/** `GET /v1/audio/voices` (a Timbre extension: OpenAI has no voice list). */
export const SpeechVoiceList = z.object({
  object: z.literal('list'),
  data: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      engine: z.string(),
      language: z.string(),
      /** False when the engine it needs is not installed (e.g. a cloned voice without the cloning pack). */
      available: z.boolean(),
    }),
  ),
});
export type SpeechVoiceList = z.infer<typeof SpeechVoiceList>;

// --- API keys and the request log (Settings → Local API) ----------------------------------------------------------

/** `speech`: only the speech routes (/v1/audio/speech, /v1/models, /v1/audio/voices); `full`: all of /v1. */
export const ApiKeyScope = z.enum(['speech', 'full']);
export type ApiKeyScope = z.infer<typeof ApiKeyScope>;

export const ApiKey = z.object({
  id: Id,
  name: z.string(),
  /** The key's first characters, to recognise it (`tmb_AbC1…`); the key itself is never stored. */
  prefix: z.string(),
  scope: ApiKeyScope,
  createdAt: IsoTime,
  lastUsedAt: IsoTime.nullable(),
  revokedAt: IsoTime.nullable(),
});
export type ApiKey = z.infer<typeof ApiKey>;

export const ApiLogEntry = z.object({
  id: z.number().int(),
  at: IsoTime,
  keyId: z.string(),
  keyName: z.string(),
  method: z.string(),
  path: z.string(),
  status: z.number().int(),
  ms: z.number().int().nonnegative(),
  /** Where the call came from: `loopback` or the remote address. */
  remote: z.string(),
});
export type ApiLogEntry = z.infer<typeof ApiLogEntry>;

export const ApiServerStatus = z.object({
  /** Where the API answers, e.g. http://127.0.0.1:41234/v1. */
  baseUrl: z.string().nullable(),
  /** True when `timbre serve --listen` made it reachable from other computers (API keys only). */
  remote: z.boolean(),
  listen: z.string().nullable(),
});
export type ApiServerStatus = z.infer<typeof ApiServerStatus>;

export const apiMethods = {
  'apiKeys.list': call(empty, z.array(ApiKey)),
  /** Create a key; the answer is the only time the key is shown. */
  'apiKeys.create': call(
    z.object({ name: z.string().trim().min(1, 'A key needs a name').max(100), scope: ApiKeyScope }).strict(),
    z.object({ key: z.string(), apiKey: ApiKey }),
  ),
  /** Revoke a key: calls with it are refused (401) from now on. */
  'apiKeys.revoke': call(z.object({ id: Id }).strict(), ApiKey),
  /** The newest calls made with API keys, newest first. */
  'apiLog.list': call(
    z.object({ limit: z.number().int().min(1).max(1000).default(200), beforeId: z.number().int().optional() }).strict(),
    z.array(ApiLogEntry),
  ),
  'apiServer.status': call(empty, ApiServerStatus),
  /**
   * Let other computers reach the API (an IP address to listen on, e.g. 0.0.0.0; API keys only, rate-limited) or
   * stop (null). Lasts until the studio stops: every launch starts on this computer only.
   */
  'apiServer.setRemote': call(
    z
      .object({
        address: z
          .string()
          .regex(/^(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9a-fA-F:]{2,39})$/, 'An IP address, e.g. 0.0.0.0 or 192.168.1.20')
          .nullable(),
        port: z.number().int().min(0).max(65535).optional(),
      })
      .strict(),
    ApiServerStatus,
  ),
} as const;
