/**
 * One file over HTTP(S) into `<dest>.part`, resuming with a Range request after an interruption (the part file is the
 * state; the ETag is kept so a changed file is not stitched onto an old prefix), retrying with exponential backoff,
 * cancellable, and verified by size and sha256 before it is renamed to `dest`.
 */
import { promises as fsp } from 'node:fs';
import { PackError } from './errors.js';
import { sha256File } from './hash.js';

export interface RetryPolicy {
  /** Retries after the first attempt (default 5). */
  retries: number;
  /** First backoff delay (default 500 ms); doubles each retry, with jitter. */
  baseDelayMs: number;
  /** Backoff ceiling (default 30 s). */
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 5, baseDelayMs: 500, maxDelayMs: 30_000 };

export interface DownloadFileOptions {
  url: string;
  /** Final path; bytes go to `${dest}.part` until verified. */
  dest: string;
  bytes: number;
  sha256: string;
  signal?: AbortSignal;
  retry?: Partial<RetryPolicy>;
  /** Validator of the partial content (ETag) from an earlier attempt or run. */
  etag?: string;
  /** Called when the server gives a new validator (persist it to resume across runs). */
  onValidator?: (etag: string | undefined) => void | Promise<void>;
  /** Bytes now in the part file (goes down when a download restarts from zero). */
  onBytes?: (partBytes: number) => void;
  /** Called before each retry, e.g. to log it. */
  onRetry?: (attempt: number, delayMs: number, err: Error) => void;
  fetchImpl?: typeof fetch;
}

export function backoffDelay(attempt: number, p: RetryPolicy, random = Math.random): number {
  const exp = Math.min(p.maxDelayMs, p.baseDelayMs * 2 ** attempt);
  return Math.round(exp * (0.5 + 0.5 * random()));
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(cancelled());
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(cancelled());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

const cancelled = () => new PackError('CANCELLED', 'The download was cancelled; it will resume where it stopped.');

async function sizeOf(file: string): Promise<number> {
  try {
    return (await fsp.stat(file)).size;
  } catch {
    return 0;
  }
}

function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** Download and verify one file. Resolves once `dest` holds the verified file. */
export async function downloadFile(o: DownloadFileOptions): Promise<void> {
  const policy: RetryPolicy = { ...DEFAULT_RETRY, ...o.retry };
  const part = `${o.dest}.part`;
  const doFetch = o.fetchImpl ?? fetch;
  let etag = o.etag;
  for (let attempt = 0; ; attempt++) {
    try {
      await attemptOnce();
      break;
    } catch (err) {
      if (o.signal?.aborted) throw cancelled();
      const e = err instanceof Error ? err : new Error(String(err));
      const retryable = e instanceof PackError ? e.retryable : true;
      if (!retryable || attempt >= policy.retries) {
        if (e instanceof PackError) throw e;
        throw new PackError('NETWORK', `Download of ${o.url} failed: ${e.message}`, true);
      }
      const delay = backoffDelay(attempt, policy);
      o.onRetry?.(attempt + 1, delay, e);
      await sleep(delay, o.signal);
    }
  }

  const size = await sizeOf(part);
  if (size !== o.bytes) {
    await fsp.rm(part, { force: true });
    throw new PackError('SIZE_MISMATCH', `${o.url}: got ${size} bytes, expected ${o.bytes}; the file was discarded.`);
  }
  const digest = await sha256File(part, o.signal);
  if (digest !== o.sha256) {
    await fsp.rm(part, { force: true });
    throw new PackError(
      'CHECKSUM_MISMATCH',
      `${o.url}: sha256 is ${digest}, expected ${o.sha256}. The file is corrupted or not the pinned version; it was discarded.`,
    );
  }
  await fsp.rename(part, o.dest);

  async function attemptOnce(): Promise<void> {
    let offset = await sizeOf(part);
    if (offset > o.bytes) {
      await fsp.rm(part, { force: true });
      offset = 0;
    }
    o.onBytes?.(offset);
    if (offset === o.bytes) return;
    const headers: Record<string, string> = { 'accept-encoding': 'identity' };
    if (offset > 0) {
      headers.range = `bytes=${offset}-`;
      if (etag) headers['if-range'] = etag;
    }
    let res: Response;
    try {
      res = await doFetch(o.url, { headers, signal: o.signal, redirect: 'follow' });
    } catch (err) {
      if (o.signal?.aborted) throw cancelled();
      throw new PackError('NETWORK', `Cannot reach ${o.url}: ${(err as Error).message}`, true);
    }
    if (res.status === 416 && offset > 0) {
      // Our part is not a prefix the server recognises: start over.
      await res.body?.cancel();
      await fsp.rm(part, { force: true });
      throw new PackError('HTTP', `${o.url}: range not satisfiable, restarting`, true);
    }
    if (res.status !== 200 && res.status !== 206) {
      await res.body?.cancel();
      throw new PackError(
        'HTTP',
        `${o.url} answered HTTP ${res.status} ${res.statusText}`.trim(),
        isRetryableStatus(res.status),
      );
    }
    if (res.status === 206) {
      const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(res.headers.get('content-range') ?? '');
      if (!m || Number(m[1]) !== offset) {
        await res.body?.cancel();
        await fsp.rm(part, { force: true });
        throw new PackError('HTTP', `${o.url}: unexpected Content-Range, restarting`, true);
      }
    } else if (offset > 0) {
      // 200 to a Range request: the server sent the whole file (no range support, or the file changed).
      await fsp.rm(part, { force: true });
      offset = 0;
      o.onBytes?.(0);
    }
    const newTag = res.headers.get('etag') ?? undefined;
    if (res.status === 200 || newTag !== etag) {
      etag = newTag;
      await o.onValidator?.(etag);
    }
    if (!res.body) throw new PackError('NETWORK', `${o.url}: empty response`, true);
    const fh = await fsp.open(part, 'a');
    let written = offset;
    try {
      const reader = res.body.getReader();
      for (;;) {
        let r: Awaited<ReturnType<typeof reader.read>>;
        try {
          r = await reader.read();
        } catch (err) {
          if (o.signal?.aborted) throw cancelled();
          throw new PackError(
            'NETWORK',
            `Connection to ${o.url} broke after ${written} bytes: ${(err as Error).message}`,
            true,
          );
        }
        if (r.done) break;
        if (written + r.value.length > o.bytes) {
          await reader.cancel().catch(() => undefined);
          await fh.close();
          await fsp.rm(part, { force: true });
          throw new PackError('SIZE_MISMATCH', `${o.url} sent more than the expected ${o.bytes} bytes; discarded.`);
        }
        await fh.write(r.value);
        written += r.value.length;
        o.onBytes?.(written);
      }
      await fh.sync();
    } finally {
      await fh.close().catch(() => undefined);
    }
    if (written < o.bytes)
      throw new PackError('NETWORK', `${o.url}: the connection ended after ${written} of ${o.bytes} bytes`, true);
  }
}
