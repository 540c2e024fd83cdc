/** Messages between the core and the speaker-embedding worker (`speaker.worker.ts`, driven by `speaker-host.ts`). */
import type { ClusterStop } from '../../../native-models/speech/cluster.js';

export type SpeakerWorkerRequest =
  | {
      type: 'embed';
      id: number;
      /** The speaker-embedding pack folder. */
      packDir: string;
      /** 16 kHz mono. */
      audio: Float32Array;
    }
  /** Cluster embeddings (O(n³) time at worst: off the core's event loop). */
  | { type: 'cluster'; id: number; embeddings: Float32Array[]; stop: ClusterStop };

export type SpeakerWorkerMessage =
  | { id: number; type: 'result'; embedding: Float32Array }
  | { id: number; type: 'labels'; labels: number[] }
  | { id: number; type: 'error'; code: 'UNAVAILABLE' | 'INVALID_INPUT' | 'FAILED'; message: string };
