/**
 * The synthesis worker: hosts the engines off the main thread, streams PCM chunks back, honours cancellation.
 * One job at a time per worker; the core terminates and respawns the worker if an engine ignores a cancel.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { EngineError, type TtsEngine } from '../../../native-models/engine.js';
import { createEngines } from '../../../native-models/registry.js';
import type { EngineSummary, FromWorker, ToWorker, WorkerError, WorkerInit } from './protocol.js';

const port = parentPort;
if (!port) throw new Error('synth.worker must run as a worker thread');
const init = workerData as WorkerInit;
const engines: TtsEngine[] = createEngines(init);
const running = new Map<string, AbortController>();

const send = (msg: FromWorker, transfer?: ArrayBuffer[]) => port.postMessage(msg, transfer ?? []);

function toWorkerError(err: unknown): WorkerError {
  if (err instanceof EngineError) return { code: err.code, message: err.message };
  return { code: 'ENGINE_ERROR', message: err instanceof Error ? err.message : String(err) };
}

function engine(id: string): TtsEngine {
  const e = engines.find((x) => x.id === id);
  if (!e)
    throw new EngineError(
      'ENGINE_UNAVAILABLE',
      `No engine "${id}" (installed: ${engines.map((x) => x.id).join(', ')})`,
    );
  return e;
}

async function handle(msg: ToWorker): Promise<void> {
  switch (msg.type) {
    case 'listEngines': {
      try {
        const result: EngineSummary[] = await Promise.all(
          engines.map(async (e) => ({
            id: e.id,
            name: e.name,
            license: e.license,
            ...(await e.availability()),
            ...(e.languages ? { languages: await e.languages() } : {}),
          })),
        );
        send({ type: 'reply', reqId: msg.reqId, ok: true, result });
      } catch (err) {
        send({ type: 'reply', reqId: msg.reqId, ok: false, error: toWorkerError(err) });
      }
      return;
    }
    case 'listVoices': {
      try {
        const chosen = msg.engineId ? [engine(msg.engineId)] : engines;
        const lists = await Promise.all(
          chosen.map(async (e) =>
            (await e.availability()).available ? (await e.listVoices()).map((v) => ({ ...v, engineId: e.id })) : [],
          ),
        );
        send({ type: 'reply', reqId: msg.reqId, ok: true, result: lists.flat() });
      } catch (err) {
        send({ type: 'reply', reqId: msg.reqId, ok: false, error: toWorkerError(err) });
      }
      return;
    }
    case 'synthesize': {
      const ac = new AbortController();
      running.set(msg.jobId, ac);
      try {
        const result = await engine(msg.engineId).synthesize(
          { text: msg.text, voiceId: msg.voiceId, options: msg.options, seed: msg.seed },
          {
            onChunk: (pcm, sampleRate) => {
              const copy = pcm.slice();
              send({ type: 'chunk', jobId: msg.jobId, pcm: copy, sampleRate }, [copy.buffer as ArrayBuffer]);
            },
            onProgress: (fraction) => send({ type: 'progress', jobId: msg.jobId, fraction }),
          },
          ac.signal,
        );
        send({ type: 'done', jobId: msg.jobId, sampleRate: result.sampleRate, samples: result.samples });
      } catch (err) {
        send({
          type: 'failed',
          jobId: msg.jobId,
          error: ac.signal.aborted ? { code: 'CANCELLED', message: 'Cancelled' } : toWorkerError(err),
        });
      } finally {
        running.delete(msg.jobId);
      }
      return;
    }
    case 'cloneVoice': {
      try {
        const e = engine(msg.engineId);
        if (!e.cloneVoice) throw new EngineError('INVALID_INPUT', `${e.name} cannot clone voices from a recording`);
        if (!(await e.availability()).available)
          throw new EngineError('ENGINE_UNAVAILABLE', (await e.availability()).reason ?? `${e.name} is not installed`);
        const result = await e.cloneVoice(
          msg.pcm,
          msg.sampleRate,
          msg.language ? { language: msg.language } : undefined,
        );
        send({ type: 'reply', reqId: msg.reqId, ok: true, result }, [result.buffer as ArrayBuffer]);
      } catch (err) {
        send({ type: 'reply', reqId: msg.reqId, ok: false, error: toWorkerError(err) });
      }
      return;
    }
    case 'cancel':
      running.get(msg.jobId)?.abort();
      return;
  }
}

port.on('message', (msg: ToWorker) => void handle(msg));
