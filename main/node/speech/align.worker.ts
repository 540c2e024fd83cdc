/**
 * The alignment worker thread: one embedded aligner (models loaded once, kept warm), requests one at a time.
 * Cancellation is the host terminating this thread (a decode is one synchronous WebAssembly call).
 */
import { parentPort } from 'node:worker_threads';
import { AlignError } from '../../../native-models/speech/aligner.js';
import { SoundSwallowerAligner } from '../../../native-models/speech/soundswallower.js';
import type { AlignWorkerMessage, AlignWorkerRequest } from './align-protocol.js';

const aligner = new SoundSwallowerAligner();
const port = parentPort!;
const post = (m: AlignWorkerMessage) => port.postMessage(m);

let queue = Promise.resolve();
port.on('message', (req: AlignWorkerRequest) => {
  queue = queue.then(async () => {
    try {
      const result = await aligner.align(req.audio, req.text, req.lang, {
        phones: req.phones,
        onProgress: (fraction, stage) => post({ id: req.id, type: 'progress', fraction, stage }),
      });
      post({ id: req.id, type: 'result', result });
    } catch (err) {
      const e = err instanceof AlignError ? err : new AlignError('FAILED', (err as Error)?.message ?? String(err));
      post({ id: req.id, type: 'error', code: e.code, message: e.message });
    }
  });
});
