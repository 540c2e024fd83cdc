import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** sha256 of a file, lower-case hex (streamed: model files are tens of megabytes). */
export async function sha256File(file: string, signal?: AbortSignal): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file, { signal, highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  return h.digest('hex');
}
