/**
 * Runs the embedded aligner in a worker thread (`dist/node/align.worker.js`): the decoder's WebAssembly work never
 * blocks the core's event loop, a cancel terminates the thread at once (the next call starts a fresh one), and
 * progress arrives per stage. The worker is unref'd while idle so it never keeps a CLI process alive.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { AlignResult } from '../../../preload/contract/speech.js';
import { ALIGN_SAMPLE_RATE } from '../../../native-models/speech/aligner.js';
import { AlignError, type AlignOptions } from '../../../native-models/speech/aligner.js';
import { resample } from '../../../native-models/dsp/resample.js';
import { appRoot } from '../app-root.js';
import type { AlignWorkerMessage, AlignWorkerRequest } from './align-protocol.js';

export function alignWorkerPath(): string {
  const built = path.join(appRoot(), 'dist', 'node', 'align.worker.js');
  if (!existsSync(built)) throw new Error(`${built} is missing: run "npm run build" first`);
  return built;
}

interface Pending {
  /** The thread running it (a terminated thread's exit must fail only its own calls). */
  worker: Worker;
  resolve(r: AlignResult): void;
  reject(e: Error): void;
  onProgress?: AlignOptions['onProgress'];
}

export class AlignerHost {
  private worker?: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  private spawn(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(alignWorkerPath());
    w.on('message', (m: AlignWorkerMessage) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      if (m.type === 'progress') p.onProgress?.(m.fraction, m.stage);
      else {
        this.pending.delete(m.id);
        if (![...this.pending.values()].some((q) => q.worker === w)) w.unref();
        if (m.type === 'result') p.resolve(m.result);
        else p.reject(new AlignError(m.code, m.message));
      }
    });
    const fail = (err: Error) => {
      if (this.worker === w) this.worker = undefined;
      for (const [id, p] of this.pending) {
        if (p.worker !== w) continue;
        this.pending.delete(id);
        p.reject(new AlignError('FAILED', `The aligner stopped unexpectedly: ${err.message}`));
      }
    };
    w.on('error', fail);
    w.on('exit', (code) => fail(new Error(`exit code ${code}`)));
    this.worker = w;
    return w;
  }

  /** Align `text` to mono audio at any rate (resampled to 16 kHz here). */
  align(
    samples: Float32Array,
    sampleRate: number,
    text: string,
    lang: string,
    opts: AlignOptions = {},
  ): Promise<AlignResult> {
    if (opts.signal?.aborted) return Promise.reject(new AlignError('CANCELLED', 'The alignment was cancelled.'));
    const audio = sampleRate === ALIGN_SAMPLE_RATE ? samples.slice() : resample(samples, sampleRate, ALIGN_SAMPLE_RATE);
    const w = this.spawn();
    w.ref();
    const id = this.nextId++;
    return new Promise<AlignResult>((resolve, reject) => {
      const onAbort = () => {
        if (!this.pending.has(id)) return;
        this.pending.delete(id);
        reject(new AlignError('CANCELLED', 'The alignment was cancelled.'));
        // A decode is one synchronous call: stopping it means stopping the thread (others pending fail and retry).
        if (this.worker === w) this.worker = undefined;
        void w.terminate();
      };
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
      const req: AlignWorkerRequest = { id, audio, text, lang, phones: Boolean(opts.phones) };
      w.postMessage(req, [audio.buffer as ArrayBuffer]);
    });
  }

  async dispose(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    if (w) await w.terminate();
  }
}
