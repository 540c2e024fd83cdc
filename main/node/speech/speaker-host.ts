/**
 * Speaker embeddings in a worker thread (`dist/node/speaker.worker.js`), like the ASR host: the model loads once and
 * stays warm while the host lives; the worker is unref'd while idle so it never keeps a CLI process alive.
 * Cancellation is the caller's: it stops asking between recordings (one embedding takes a fraction of a second).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { SpeakerEmbedError } from '../../../native-models/speaker/embedder.js';
import { appRoot } from '../app-root.js';
import type { SpeakerWorkerMessage, SpeakerWorkerRequest } from './speaker-protocol.js';

export function speakerWorkerPath(): string {
  const built = path.join(appRoot(), 'dist', 'node', 'speaker.worker.js');
  if (!existsSync(built)) throw new Error(`${built} is missing: run "npm run build" first`);
  return built;
}

interface Pending {
  worker: Worker;
  resolve(e: Float32Array): void;
  reject(e: Error): void;
}

export class SpeakerHost {
  private worker?: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  private spawn(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(speakerWorkerPath());
    w.on('message', (m: SpeakerWorkerMessage) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (![...this.pending.values()].some((q) => q.worker === w)) w.unref();
      if (m.type === 'result') p.resolve(m.embedding);
      else p.reject(new SpeakerEmbedError(m.code, m.message));
    });
    const fail = (err: Error) => {
      if (this.worker === w) this.worker = undefined;
      for (const [id, p] of this.pending) {
        if (p.worker !== w) continue;
        this.pending.delete(id);
        p.reject(new SpeakerEmbedError('FAILED', `The speaker model stopped unexpectedly: ${err.message}`));
      }
    };
    w.on('error', fail);
    w.on('exit', (code) => fail(new Error(`exit code ${code}`)));
    this.worker = w;
    return w;
  }

  /** One embedding of 16 kHz mono audio (the buffer is handed to the worker: do not use it afterwards). */
  embed(audio16k: Float32Array, packDir: string): Promise<Float32Array> {
    const w = this.spawn();
    w.ref();
    const id = this.nextId++;
    return new Promise<Float32Array>((resolve, reject) => {
      this.pending.set(id, { worker: w, resolve, reject });
      const req: SpeakerWorkerRequest = { type: 'embed', id, packDir, audio: audio16k };
      w.postMessage(req, [audio16k.buffer as ArrayBuffer]);
    });
  }

  async dispose(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    if (w) await w.terminate();
  }
}
