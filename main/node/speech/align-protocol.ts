import type { AlignResult } from '../../../preload/contract/speech.js';

export interface AlignWorkerRequest {
  id: number;
  audio: Float32Array;
  text: string;
  lang: string;
  phones: boolean;
}

export type AlignWorkerMessage =
  | { id: number; type: 'progress'; fraction: number; stage: string }
  | { id: number; type: 'result'; result: AlignResult }
  | { id: number; type: 'error'; code: 'INVALID_INPUT' | 'UNSUPPORTED' | 'CANCELLED' | 'FAILED'; message: string };
