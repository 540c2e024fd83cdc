/** Messages between the core and the speaker-embedding worker (`speaker.worker.ts`, driven by `speaker-host.ts`). */
export type SpeakerWorkerRequest = {
  type: 'embed';
  id: number;
  /** The speaker-embedding pack folder. */
  packDir: string;
  /** 16 kHz mono. */
  audio: Float32Array;
};

export type SpeakerWorkerMessage =
  | { id: number; type: 'result'; embedding: Float32Array }
  | { id: number; type: 'error'; code: 'UNAVAILABLE' | 'INVALID_INPUT' | 'FAILED'; message: string };
