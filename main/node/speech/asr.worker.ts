/**
 * The speech-recognition worker thread: one transcriber per pack folder (the model loaded once, kept warm),
 * requests one at a time. Cancel is a message: the transcriber stops between windows (a window's inference is
 * asynchronous, so the message arrives while it runs) and the session stays loaded.
 */
import { parentPort } from 'node:worker_threads';
import { ParakeetTranscriber } from '../../../native-models/asr/parakeet.js';
import { TranscribeError } from '../../../native-models/asr/transcriber.js';
import type { AsrWorkerMessage, AsrWorkerRequest } from './asr-protocol.js';

const port = parentPort!;
const post = (m: AsrWorkerMessage) => port.postMessage(m);
const transcribers = new Map<string, ParakeetTranscriber>();
const running = new Map<number, AbortController>();

let queue = Promise.resolve();
port.on('message', (req: AsrWorkerRequest) => {
  if (req.type === 'cancel') {
    running.get(req.id)?.abort();
    return;
  }
  const ac = new AbortController();
  running.set(req.id, ac);
  queue = queue.then(async () => {
    try {
      const key = `${req.packDir}\0${(req.executionProviders ?? []).join(',')}\0${req.intraOpThreads ?? ''}`;
      let t = transcribers.get(key);
      if (!t) {
        t = new ParakeetTranscriber({
          packDir: req.packDir,
          sessionOptions: { executionProviders: req.executionProviders, intraOpThreads: req.intraOpThreads },
        });
        transcribers.set(key, t);
      }
      const result = await t.transcribe(req.audio, {
        signal: ac.signal,
        onProgress: (fraction) => post({ id: req.id, type: 'progress', fraction }),
      });
      post({ id: req.id, type: 'result', result, notice: t.notice });
    } catch (err) {
      const e =
        err instanceof TranscribeError ? err : new TranscribeError('FAILED', (err as Error)?.message ?? String(err));
      post({ id: req.id, type: 'error', code: e.code, message: e.message });
    } finally {
      running.delete(req.id);
    }
  });
});
