/**
 * The HTTP side of update checks (issue #13), the same in the desktop shell and in plain Node:
 *
 * - every request electron-updater makes (the channel file, the installer, a blockmap) is written to the privacy
 *   ledger when it ends: the host, the bytes received, the HTTP status and why (`update check` / `update download`);
 * - the per-install staging id electron-updater sends as `x-user-staging-id` is removed from every request: the
 *   staged-rollout decision is made on this computer, and the update server never gets an id that would let it
 *   count or follow installs.
 *
 * `instrumentUpdateExecutor` wraps any builder-util-runtime `HttpExecutor` (Electron's `net`-based one in the shell,
 * so proxies and the OS certificate store keep working); `NodeUpdateHttpExecutor` is a plain-Node executor (tests and
 * the web server's test feed), the same as electron-updater's own test executor.
 */
import http from 'node:http';
import https from 'node:https';
import { HttpExecutor, configureRequestOptions, configureRequestUrl, type DownloadOptions } from 'builder-util-runtime';
import { hostOf, type LedgerSink } from '../privacy/ledger.js';

export type UpdateWhy = 'update check' | 'update download';

/** Request headers that identify this install; never sent. */
export const STRIPPED_UPDATE_HEADERS = ['x-user-staging-id'];

interface RequestOptionsLike {
  protocol?: string | null;
  hostname?: string | null;
  port?: string | number | null;
  headers?: Record<string, unknown> | null;
}

interface ResponseLike {
  statusCode?: number;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
}

type CreateRequest = (options: RequestOptionsLike, callback: (response: ResponseLike) => void) => unknown;

/** The URL host a request goes to, as the ledger shows it (host[:port], never the path). */
function hostOfOptions(o: RequestOptionsLike): string {
  const proto = o.protocol ?? 'https:';
  const port = o.port ? `:${o.port}` : '';
  return hostOf(`${proto}//${o.hostname ?? 'unknown'}${port}/`);
}

/**
 * Wrap an executor's `createRequest` (every request of every kind goes through it, redirects included): strip the
 * identifying headers and record one ledger entry per response once its body has ended, failed or been aborted.
 * `why()` is asked when the request starts.
 */
export function instrumentUpdateExecutor<T extends object>(
  executor: T,
  opts: { ledger: LedgerSink; why: () => UpdateWhy },
): T {
  const target = executor as unknown as { createRequest: CreateRequest };
  const inner = target.createRequest.bind(executor);
  target.createRequest = (options, callback) => {
    if (options.headers) {
      for (const key of Object.keys(options.headers))
        if (STRIPPED_UPDATE_HEADERS.includes(key.toLowerCase())) delete options.headers[key];
    }
    const host = hostOfOptions(options);
    const why = opts.why();
    return inner(options, (response) => {
      let bytes = 0;
      let recorded = false;
      const record = (outcome: string) => {
        if (recorded) return;
        recorded = true;
        opts.ledger.record('network.request', { host, why, bytes, status: response.statusCode ?? null, outcome });
      };
      // The caller attaches its own listeners first (a pipe to the file, or its text collector); counting is a
      // second 'data' listener, so it sees the same chunks and never changes the flow.
      callback(response);
      response.on('data', (chunk: unknown) => {
        bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : (chunk as Buffer).length;
      });
      response.on('end', () => record('complete'));
      response.on('error', () => record('failed'));
      response.on('aborted', () => record('aborted'));
      response.on('close', () => record('closed'));
    });
  };
  return executor;
}

/** electron-updater's HTTP client over Node's http/https (what `ElectronHttpExecutor` does over Electron's `net`). */
export class NodeUpdateHttpExecutor extends HttpExecutor<http.ClientRequest> {
  createRequest(options: http.RequestOptions, callback: (response: http.IncomingMessage) => void): http.ClientRequest {
    // A connection per request (an update check is a few requests): electron-updater adds a timeout listener to
    // the socket of each request, which would pile up on a kept-alive socket.
    return (options.protocol === 'http:' ? http.request : https.request)({ ...options, agent: false }, callback);
  }

  /** Download `url` to `destination`, checking sha512/sha256 as it streams (same as ElectronHttpExecutor.download). */
  download(url: URL, destination: string, options: DownloadOptions): Promise<string> {
    return options.cancellationToken.createPromise<string>((resolve, reject, onCancel) => {
      const requestOptions: Record<string, unknown> = { headers: options.headers ?? undefined };
      configureRequestUrl(url, requestOptions);
      configureRequestOptions(requestOptions);
      this.doDownload(
        requestOptions,
        {
          destination,
          options,
          onCancel,
          callback: (error: Error | null) => (error == null ? resolve(destination) : reject(error)),
          responseHandler: null,
        },
        0,
      );
    });
  }
}
