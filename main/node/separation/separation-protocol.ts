/** Messages between the core and the source-separation worker (separation.worker.ts). */
import type { ErrorCode } from '../../../preload/contract/index.js';

export interface SeparationWorkerRequest {
  type: 'separate';
  /** The Spleeter pack folder. */
  packDir: string;
  /** Raw interleaved float32 stereo at 44.1 kHz. */
  input: string;
  accompanimentOut?: string;
  vocalsOut?: string;
  executionProviders?: string[];
  intraOpThreads?: number;
}

export type SeparationWorkerMessage =
  | { type: 'progress'; fraction: number }
  | { type: 'done'; frames: number; notice?: string }
  | { type: 'error'; code: ErrorCode; message: string };
