/**
 * The source-separation worker thread: one job per worker (the host starts a fresh one per separation and ends it
 * afterwards, which frees the two models' memory and makes cancel immediate). Loads the Spleeter pack, streams the
 * input file through it and reports progress per split (~12 s of audio).
 */
import { parentPort } from 'node:worker_threads';
import { toApiError } from '../../../native-models/common/errors.js';
import { SpleeterSeparator } from '../../../native-models/separation/spleeter.js';
import type { SeparationWorkerMessage, SeparationWorkerRequest } from './separation-protocol.js';

const port = parentPort!;
const post = (m: SeparationWorkerMessage) => port.postMessage(m);

port.once('message', (req: SeparationWorkerRequest) => {
  void (async () => {
    let sep: SpleeterSeparator | null = null;
    try {
      sep = await SpleeterSeparator.load(req.packDir, {
        session: { executionProviders: req.executionProviders, intraOpThreads: req.intraOpThreads },
      });
      const r = await sep.separateRawFile(req.input, {
        accompanimentOut: req.accompanimentOut,
        vocalsOut: req.vocalsOut,
        onProgress: (fraction) => post({ type: 'progress', fraction }),
      });
      post({ type: 'done', frames: r.frames, notice: sep.notice });
    } catch (err) {
      const e = toApiError(err);
      post({ type: 'error', code: e.code, message: e.message });
    } finally {
      await sep?.dispose().catch(() => undefined);
    }
  })();
});
