import type { TranscribeErrorCode, TranscriptResult } from '../../../native-models/asr/transcriber.js';

export type AsrWorkerRequest =
  | {
      type: 'transcribe';
      id: number;
      /** The Parakeet pack folder. */
      packDir: string;
      audio: Float32Array;
      executionProviders?: string[];
      intraOpThreads?: number;
    }
  | { type: 'cancel'; id: number };

export type AsrWorkerMessage =
  | { id: number; type: 'progress'; fraction: number }
  | { id: number; type: 'result'; result: TranscriptResult; notice?: string }
  | { id: number; type: 'error'; code: TranscribeErrorCode; message: string };
