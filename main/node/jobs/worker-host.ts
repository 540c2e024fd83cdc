import { Worker } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { EngineVoice } from '../../../native-models/engine.js';
import { ApiError } from '../../../native-models/common/errors.js';
import { appRoot } from '../app-root.js';
import type { EngineSummary, FromWorker, ToWorker, WorkerError, WorkerInit } from './protocol.js';

/** The bundled worker (dist/node/synth.worker.js), whichever entry (CLI, Electron, tests from source) runs. */
export function synthWorkerPath(): string {
  const built = path.join(appRoot(), 'dist', 'node', 'synth.worker.js');
  if (!existsSync(built)) throw new Error(`${built} is missing: run "npm run build" first`);
  return built;
}

export interface SynthCallbacks {
  onChunk(pcm: Float32Array, sampleRate: number): void;
  onProgress(fraction: number): void;
}

export interface SynthRequest {
  jobId: string;
  engineId: string;
  voiceId: string;
  text: string;
  options?: Record<string, number | string | boolean>;
  seed?: number;
}

const errorFromWorker = (e: WorkerError) =>
  new ApiError(
    (['UNSUPPORTED_TEXT', 'ENGINE_UNAVAILABLE', 'ENGINE_ERROR', 'CANCELLED', 'INVALID_INPUT'].includes(e.code)
      ? e.code
      : 'ENGINE_ERROR') as ApiError['code'],
    e.message,
  );

/**
 * Owns the synthesis worker thread: request/response for engine queries, streaming synthesis, cancellation.
 * If the worker dies (crash, or terminated because an engine ignored a cancel), in-flight work fails and the next
 * call starts a fresh worker.
 */
export class WorkerHost {
  private worker: Worker | null = null;
  private nextReq = 1;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private readonly jobs = new Map<
    string,
    { cb: SynthCallbacks; resolve(v: { sampleRate: number; samples: number }): void; reject(e: Error): void }
  >();

  private stale = false;

  constructor(
    private init: WorkerInit,
    private readonly cancelGraceMs = 1500,
  ) {}

  /**
   * New engine settings or model packs: the next call gets a fresh worker. Work in flight finishes on the old one
   * (which is retired once idle), so a running generation is never killed by a settings change.
   */
  reload(init: Partial<WorkerInit> = {}): void {
    this.init = { ...this.init, ...init };
    this.stale = true;
    this.retireIfIdle();
  }

  private retireIfIdle(): void {
    if (!this.stale || !this.worker || this.pending.size || this.jobs.size) return;
    const w = this.worker;
    this.worker = null;
    this.stale = false;
    void w.terminate();
  }

  private ensure(): Worker {
    this.retireIfIdle();
    if (this.worker) return this.worker;
    this.stale = false;
    const w = new Worker(synthWorkerPath(), { workerData: this.init });
    w.on('message', (m: FromWorker) => this.onMessage(m));
    w.on('error', (err) => {
      if (this.worker === w) this.onExit(err);
    });
    w.on('exit', (code) => {
      if (this.worker === w) this.onExit(new Error(`The synthesis worker stopped (exit code ${code})`));
    });
    w.unref();
    this.worker = w;
    return w;
  }

  /** Keep the process alive while work is in flight, and only then. */
  private updateRef(): void {
    if (!this.worker) return;
    if (this.pending.size || this.jobs.size) this.worker.ref();
    else this.worker.unref();
  }

  private onExit(err: Error): void {
    if (!this.worker) return;
    this.worker = null;
    for (const p of this.pending.values()) p.reject(new ApiError('ENGINE_ERROR', err.message));
    this.pending.clear();
    for (const j of this.jobs.values()) j.reject(new ApiError('ENGINE_ERROR', err.message));
    this.jobs.clear();
  }

  private onMessage(m: FromWorker): void {
    this.dispatchMessage(m);
    this.updateRef();
    this.retireIfIdle();
  }

  private dispatchMessage(m: FromWorker): void {
    switch (m.type) {
      case 'reply': {
        const p = this.pending.get(m.reqId);
        this.pending.delete(m.reqId);
        if (!p) return;
        if (m.ok) p.resolve(m.result);
        else p.reject(errorFromWorker(m.error));
        return;
      }
      case 'chunk':
        this.jobs.get(m.jobId)?.cb.onChunk(m.pcm, m.sampleRate);
        return;
      case 'progress':
        this.jobs.get(m.jobId)?.cb.onProgress(m.fraction);
        return;
      case 'done': {
        const j = this.jobs.get(m.jobId);
        this.jobs.delete(m.jobId);
        j?.resolve({ sampleRate: m.sampleRate, samples: m.samples });
        return;
      }
      case 'failed': {
        const j = this.jobs.get(m.jobId);
        this.jobs.delete(m.jobId);
        j?.reject(errorFromWorker(m.error));
        return;
      }
    }
  }

  private request<T>(
    msg:
      | { type: 'listEngines' }
      | { type: 'listVoices'; engineId?: string }
      | { type: 'cloneVoice'; engineId: string; pcm: Float32Array; sampleRate: number; language?: string },
  ): Promise<T> {
    const w = this.ensure();
    const reqId = this.nextReq++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(reqId, { resolve: resolve as (v: unknown) => void, reject });
      this.updateRef();
      w.postMessage({ ...msg, reqId } as ToWorker);
    });
  }

  listEngines(): Promise<EngineSummary[]> {
    return this.request({ type: 'listEngines' });
  }

  listVoices(engineId?: string): Promise<(EngineVoice & { engineId: string })[]> {
    return this.request({ type: 'listVoices', engineId });
  }

  /** Encode a reference recording into the engine's voice conditioning (cloning engines), in `language` if given. */
  cloneVoice(engineId: string, pcm: Float32Array, sampleRate: number, language?: string): Promise<Uint8Array> {
    return this.request({ type: 'cloneVoice', engineId, pcm, sampleRate, language });
  }

  synthesize(req: SynthRequest, cb: SynthCallbacks): Promise<{ sampleRate: number; samples: number }> {
    const w = this.ensure();
    return new Promise((resolve, reject) => {
      this.jobs.set(req.jobId, { cb, resolve, reject });
      this.updateRef();
      w.postMessage({ type: 'synthesize', ...req } satisfies ToWorker);
    });
  }

  /** Ask the engine to stop; if it has not stopped within the grace period, kill the worker. */
  cancel(jobId: string): void {
    const j = this.jobs.get(jobId);
    const w = this.worker;
    if (!j || !w) return;
    w.postMessage({ type: 'cancel', jobId } satisfies ToWorker);
    const timer = setTimeout(() => {
      if (this.jobs.has(jobId) && this.worker === w) {
        this.jobs.get(jobId)?.reject(new ApiError('CANCELLED', 'Cancelled'));
        this.jobs.delete(jobId);
        // Detach before terminating: terminate() is asynchronous, and the next job (queued right after this cancel)
        // used to be posted to this dying worker, whose 'exit' then failed that job too. Now the next call starts a
        // fresh worker; anything else still waiting on this one fails now, as it would on exit.
        this.onExit(new Error('The synthesis worker was stopped because an engine did not stop when cancelled'));
        void w.terminate();
      }
    }, this.cancelGraceMs);
    timer.unref();
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.onExit(new Error('Timbre is shutting down'));
    if (w) await w.terminate();
  }
}
