/**
 * Runs speech recognition in a worker thread (`dist/node/asr.worker.js`), like the aligner host: inference never
 * blocks the core's event loop, progress arrives per window, and a cancel stops the job between windows. The
 * worker is unref'd while idle so it never keeps a CLI process alive.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { resample } from '../../../native-models/dsp/resample.js';
import { parakeetUnavailableReason } from '../../../native-models/asr/parakeet.js';
import {
  ASR_SAMPLE_RATE,
  MAX_TRANSCRIBE_SECONDS,
  TranscribeError,
  type TranscribeOptions,
  type TranscriptResult,
} from '../../../native-models/asr/transcriber.js';
import { appRoot } from '../app-root.js';
import type { AsrWorkerMessage, AsrWorkerRequest } from './asr-protocol.js';

export function asrWorkerPath(): string {
  const built = path.join(appRoot(), 'dist', 'node', 'asr.worker.js');
  if (!existsSync(built)) throw new Error(`${built} is missing: run "npm run build" first`);
  return built;
}

/**
 * The installed Parakeet pack: `<dir>/parakeet-ctc-en/` for each models folder given (in order), or a folder that
 * holds the pack's files itself. Undefined when none has it.
 */
export function findAsrPack(modelsDirs: readonly string[], packId = 'parakeet-ctc-en'): string | undefined {
  for (const d of modelsDirs) {
    for (const dir of [path.join(d, packId), d]) if (!parakeetUnavailableReason(dir)) return dir;
  }
  return undefined;
}

interface Pending {
  worker: Worker;
  resolve(r: TranscriptResult): void;
  reject(e: Error): void;
  onProgress?: (fraction: number) => void;
}

export interface AsrHostOptions {
  executionProviders?: string[];
  intraOpThreads?: number;
}

export class AsrHost {
  private worker?: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  /** The last CPU-fallback notice from the worker, if any. */
  notice?: string;

  constructor(private readonly o: AsrHostOptions = {}) {}

  private spawn(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(asrWorkerPath());
    w.on('message', (m: AsrWorkerMessage) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      if (m.type === 'progress') p.onProgress?.(m.fraction);
      else {
        this.pending.delete(m.id);
        if (![...this.pending.values()].some((q) => q.worker === w)) w.unref();
        if (m.type === 'result') {
          this.notice = m.notice;
          p.resolve(m.result);
        } else p.reject(new TranscribeError(m.code, m.message));
      }
    });
    const fail = (err: Error) => {
      if (this.worker === w) this.worker = undefined;
      for (const [id, p] of this.pending) {
        if (p.worker !== w) continue;
        this.pending.delete(id);
        p.reject(new TranscribeError('FAILED', `Speech recognition stopped unexpectedly: ${err.message}`));
      }
    };
    w.on('error', fail);
    w.on('exit', (code) => fail(new Error(`exit code ${code}`)));
    this.worker = w;
    return w;
  }

  /** Transcribe mono audio at any rate (resampled to 16 kHz here) with the pack in `packDir`. */
  transcribe(
    samples: Float32Array,
    sampleRate: number,
    packDir: string,
    opts: TranscribeOptions = {},
  ): Promise<TranscriptResult> {
    if (opts.signal?.aborted)
      return Promise.reject(new TranscribeError('CANCELLED', 'The transcription was cancelled.'));
    const why = parakeetUnavailableReason(packDir);
    if (why) return Promise.reject(new TranscribeError('UNAVAILABLE', why));
    if (samples.length / sampleRate > MAX_TRANSCRIBE_SECONDS)
      return Promise.reject(
        new TranscribeError(
          'INVALID_INPUT',
          `The audio is longer than ${MAX_TRANSCRIBE_SECONDS / 60} minutes; split it first.`,
        ),
      );
    const audio = sampleRate === ASR_SAMPLE_RATE ? samples.slice() : resample(samples, sampleRate, ASR_SAMPLE_RATE);
    const w = this.spawn();
    w.ref();
    const id = this.nextId++;
    return new Promise<TranscriptResult>((resolve, reject) => {
      const onAbort = () => w.postMessage({ type: 'cancel', id } satisfies AsrWorkerRequest);
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      const done = () => opts.signal?.removeEventListener('abort', onAbort);
      this.pending.set(id, {
        worker: w,
        resolve: (r) => {
          done();
          resolve(r);
        },
        reject: (e) => {
          done();
          reject(e);
        },
        onProgress: opts.onProgress,
      });
      const req: AsrWorkerRequest = {
        type: 'transcribe',
        id,
        packDir,
        audio,
        executionProviders: this.o.executionProviders,
        intraOpThreads: this.o.intraOpThreads,
      };
      w.postMessage(req, [audio.buffer as ArrayBuffer]);
    });
  }

  async dispose(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    if (w) await w.terminate();
  }
}
