/**
 * Types for the parts of `node-record-lpcm16` (1.0.x) that Timbre uses. `record()` spawns the recorder program
 * (`sox`, `rec` or `arecord`) at once; its stdout carries the audio. On a non-zero or signal exit the library emits
 * an `error` event with a string on that stream, so callers must always listen for it.
 */
declare module 'node-record-lpcm16' {
  import type { ChildProcessWithoutNullStreams } from 'node:child_process';
  import type { Readable } from 'node:stream';

  export interface RecordOptions {
    sampleRate?: number;
    channels?: number;
    compress?: boolean;
    threshold?: number;
    thresholdStart?: number | null;
    thresholdEnd?: number | null;
    silence?: string;
    /** 'sox' (device via the AUDIODEV environment variable), 'rec' (no device choice) or 'arecord' (-D device). */
    recorder?: 'sox' | 'rec' | 'arecord';
    device?: string | null;
    endOnSilence?: boolean;
    audioType?: 'wav' | 'raw';
  }

  export interface Recording {
    process: ChildProcessWithoutNullStreams;
    stream(): Readable;
    stop(): void;
    pause(): void;
    resume(): void;
    isPaused(): boolean;
  }

  export function record(options?: RecordOptions): Recording;
  const lib: { record: typeof record };
  export default lib;
}
