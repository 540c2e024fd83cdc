/**
 * Runs source separation (vocals / accompaniment, the Spleeter pack) in a worker thread (`dist/node/separation.worker.js`)
 * so inference never blocks the core's event loop. One worker per separation: it is ended when the job ends, which
 * frees the models' memory (a separation runs once per dub), and a cancel terminates it at once (the stems it was
 * writing are temporary files of the caller, removed by the caller).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { ApiError } from '../../../native-models/common/errors.js';
import { findSeparationPack, spleeterUnavailableReason } from '../../../native-models/separation/pack.js';
import { appRoot } from '../app-root.js';
import type { DubSeparation } from '../dub/pipeline.js';
import type { SeparationWorkerMessage, SeparationWorkerRequest } from './separation-protocol.js';

export function separationWorkerPath(): string {
  const built = path.join(appRoot(), 'dist', 'node', 'separation.worker.js');
  if (!existsSync(built)) throw new Error(`${built} is missing: run "npm run build" first`);
  return built;
}

export interface SeparateFileOptions {
  accompanimentOut?: string;
  vocalsOut?: string;
  signal?: AbortSignal;
  onProgress?(fraction: number): void;
  executionProviders?: string[];
  intraOpThreads?: number;
}

/** Separate a raw float32 stereo 44.1 kHz file with the pack in `packDir`, in a worker. */
export function separateInWorker(packDir: string, input: string, o: SeparateFileOptions): Promise<{ notice?: string }> {
  if (o.signal?.aborted) return Promise.reject(new ApiError('CANCELLED', 'The separation was cancelled.'));
  const why = spleeterUnavailableReason(packDir);
  if (why) return Promise.reject(new ApiError('ENGINE_UNAVAILABLE', why));
  const w = new Worker(separationWorkerPath());
  return new Promise<{ notice?: string }>((resolve, reject) => {
    let settled = false;
    const finish = (err: Error | null, notice?: string) => {
      if (settled) return;
      settled = true;
      o.signal?.removeEventListener('abort', onAbort);
      void w.terminate();
      if (err) reject(err);
      else resolve({ notice });
    };
    const onAbort = () => finish(new ApiError('CANCELLED', 'The separation was cancelled.'));
    o.signal?.addEventListener('abort', onAbort, { once: true });
    w.on('message', (m: SeparationWorkerMessage) => {
      if (m.type === 'progress') o.onProgress?.(m.fraction);
      else if (m.type === 'done') finish(null, m.notice);
      else finish(new ApiError(m.code, m.message));
    });
    w.on('error', (e) => finish(new ApiError('INTERNAL', `Source separation stopped unexpectedly: ${e.message}`)));
    w.on('exit', (code) =>
      finish(new ApiError('INTERNAL', `Source separation stopped unexpectedly (exit code ${code}).`)),
    );
    const req: SeparationWorkerRequest = {
      type: 'separate',
      packDir,
      input,
      accompanimentOut: o.accompanimentOut,
      vocalsOut: o.vocalsOut,
      executionProviders: o.executionProviders,
      intraOpThreads: o.intraOpThreads,
    };
    w.postMessage(req);
  });
}

/**
 * The dubbing pipeline's separation (DubDeps.separation) for the models folders given: null while no pack is
 * installed there (looked up on each call, so a pack installed while the app runs is seen).
 */
export function separationFor(
  modelsDirs: readonly string[],
  session: Pick<SeparateFileOptions, 'executionProviders' | 'intraOpThreads'> = {},
): () => DubSeparation | null {
  return () => {
    const packDir = findSeparationPack(modelsDirs);
    if (!packDir) return null;
    return {
      packDir,
      accompaniment: async (input, output, hooks) => {
        await separateInWorker(packDir, input, { ...session, ...hooks, accompanimentOut: output });
      },
    };
  };
}
