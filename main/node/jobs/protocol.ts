/** Messages between the core (main thread) and the synthesis worker. Structured-clone friendly. */
import type { EngineAvailability, EngineLanguage, EngineVoice } from '../../../native-models/engine.js';

export interface EngineSummary extends EngineAvailability {
  id: string;
  name: string;
  license: string;
  /** The languages the engine speaks, installed or not (engines that report them: `TtsEngine.languages`). */
  languages?: EngineLanguage[];
}

export type ToWorker =
  | { type: 'listEngines'; reqId: number }
  | { type: 'listVoices'; reqId: number; engineId?: string }
  | {
      type: 'synthesize';
      jobId: string;
      engineId: string;
      voiceId: string;
      text: string;
      options?: Record<string, number | string | boolean>;
      seed?: number;
    }
  | { type: 'cloneVoice'; reqId: number; engineId: string; pcm: Float32Array; sampleRate: number; language?: string }
  | { type: 'cancel'; jobId: string };

export type WorkerError = { code: string; message: string };

export type FromWorker =
  | {
      type: 'reply';
      reqId: number;
      ok: true;
      result: EngineSummary[] | (EngineVoice & { engineId: string })[] | Uint8Array;
    }
  | { type: 'reply'; reqId: number; ok: false; error: WorkerError }
  | { type: 'chunk'; jobId: string; pcm: Float32Array; sampleRate: number }
  | { type: 'progress'; jobId: string; fraction: number }
  | { type: 'done'; jobId: string; sampleRate: number; samples: number }
  | { type: 'failed'; jobId: string; error: WorkerError };

export interface WorkerInit {
  modelsDir: string;
  /** Settings' inference device ('auto', 'cpu', 'cuda', …) and threads per session (null: automatic). */
  executionProvider?: string;
  inferenceThreads?: number | null;
}
