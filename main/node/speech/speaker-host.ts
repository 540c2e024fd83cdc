/**
 * Speaker embeddings in a worker thread (`dist/node/speaker.worker.js`), like the ASR host: the model loads once and
 * stays warm while the host lives; the worker is unref'd while idle so it never keeps a CLI process alive.
 * Cancellation is the caller's: it stops asking between recordings (one embedding takes a fraction of a second).
 * Clustering runs there too (`cluster`): at the 1,000-embedding cap it takes seconds.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { SpeakerEmbedError } from '../../../native-models/speaker/embedder.js';
import { appRoot } from '../app-root.js';
import type { ClusterStop } from '../../../native-models/speech/cluster.js';
import type { SpeakerWorkerMessage, SpeakerWorkerRequest } from './speaker-protocol.js';

export function speakerWorkerPath(): string {
  const built = path.join(appRoot(), 'dist', 'node', 'speaker.worker.js');
  if (!existsSync(built)) throw new Error(`${built} is missing: run "npm run build" first`);
  return built;
}

interface Pending {
  worker: Worker;
  resolve(m: SpeakerWorkerMessage): void;
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
      if (m.type === 'error') p.reject(new SpeakerEmbedError(m.code, m.message));
      else p.resolve(m);
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

  private request(req: SpeakerWorkerRequest, transfer: ArrayBuffer[]): Promise<SpeakerWorkerMessage> {
    const w = this.spawn();
    w.ref();
    return new Promise<SpeakerWorkerMessage>((resolve, reject) => {
      this.pending.set(req.id, { worker: w, resolve, reject });
      w.postMessage(req, transfer);
    });
  }

  /** One embedding of 16 kHz mono audio (the buffer is handed to the worker: do not use it afterwards). */
  async embed(audio16k: Float32Array, packDir: string): Promise<Float32Array> {
    const m = await this.request({ type: 'embed', id: this.nextId++, packDir, audio: audio16k }, [
      audio16k.buffer as ArrayBuffer,
    ]);
    if (m.type !== 'result') throw new SpeakerEmbedError('FAILED', 'The speaker worker answered out of turn.');
    return m.embedding;
  }

  /** `clusterEmbeddings` in the worker thread (the embeddings are copied there). */
  async cluster(embeddings: Float32Array[], stop: ClusterStop): Promise<number[]> {
    const m = await this.request({ type: 'cluster', id: this.nextId++, embeddings, stop }, []);
    if (m.type !== 'labels') throw new SpeakerEmbedError('FAILED', 'The speaker worker answered out of turn.');
    return m.labels;
  }

  async dispose(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    if (w) await w.terminate();
  }
}
