/**
 * The speaker-embedding worker thread: one embedder per pack folder (the model loaded once, kept warm), requests one
 * at a time. Kaldi fbank, the graph and the clustering of the embeddings run here, so a dubbing project's speaker
 * clustering never blocks the core's event loop (the core is Electron's main process in the desktop app).
 */
import { parentPort } from 'node:worker_threads';
import { SpeakerEmbedError, SpeakerEmbedder } from '../../../native-models/speaker/embedder.js';
import { clusterEmbeddings } from '../../../native-models/speech/cluster.js';
import type { SpeakerWorkerMessage, SpeakerWorkerRequest } from './speaker-protocol.js';

const port = parentPort!;
const post = (m: SpeakerWorkerMessage, transfer?: ArrayBuffer[]) => port.postMessage(m, transfer);
const embedders = new Map<string, SpeakerEmbedder>();

let queue = Promise.resolve();
port.on('message', (req: SpeakerWorkerRequest) => {
  queue = queue.then(async () => {
    try {
      if (req.type === 'cluster') {
        post({ id: req.id, type: 'labels', labels: clusterEmbeddings(req.embeddings, req.stop) });
        return;
      }
      let e = embedders.get(req.packDir);
      if (!e) embedders.set(req.packDir, (e = new SpeakerEmbedder(req.packDir)));
      const embedding = await e.embed(req.audio);
      post({ id: req.id, type: 'result', embedding }, [embedding.buffer as ArrayBuffer]);
    } catch (err) {
      const e =
        err instanceof SpeakerEmbedError
          ? err
          : new SpeakerEmbedError('FAILED', (err as Error)?.message ?? String(err));
      post({ id: req.id, type: 'error', code: e.code, message: e.message });
    }
  });
});
