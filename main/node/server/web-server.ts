/**
 * Web mode: the same typed contract over HTTP + WebSocket, for the local API, headless workstations and browser
 * end-to-end tests. Bound to 127.0.0.1 only. Every request passes, in order:
 *   1. Host allow-list (DNS rebinding): anything but 127.0.0.1/localhost/[::1] on our port → 421.
 *   2. For /api/…: the per-launch token (Authorization: Bearer, or ?token= for WebSocket/media) → else 401,
 *      before any routing.
 *   3. Origin allow-list: a request carrying a foreign Origin (a cross-site page) → 403.
 * The renderer page itself (static files) carries no secret; the token reaches it in the URL fragment, which
 * browsers never send to servers.
 */
import http from 'node:http';
import { promises as fsp } from 'node:fs';
import { pipeline } from 'node:stream';
import path from 'node:path';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ApiErrorShape } from '../../../preload/contract/index.js';
import { ApiError, toApiError } from '../../../native-models/common/errors.js';
import type { Core } from '../core.js';
import { uploadHeadProblem } from '../audio/decode.js';
import { handleV1, sendOpenAiError } from './v1.js';
import { contentDisposition } from '../export/file-name.js';
import { scopeAllows } from '../api/api-keys.js';
import { currentPolicy, policyDenied } from '../policy/policy.js';
import type { ApiKey } from '../../../preload/contract/index.js';

/** Calls a minute one API key may make from another computer (burst up to RATE_BURST at once). */
const RATE_PER_MINUTE = 120;
const RATE_BURST = 30;

function isLoopback(addr: string | undefined): boolean {
  if (!addr) return false;
  return (
    addr === '127.0.0.1' ||
    addr === '::1' ||
    addr === 'localhost' ||
    addr.startsWith('127.') ||
    addr === '::ffff:127.0.0.1'
  );
}

/** A token bucket per key: `take` answers 0 when a call may go now, else the seconds to wait. */
class KeyRateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  constructor(
    private readonly perMinute: number,
    private readonly burst: number,
  ) {}
  take(id: string): number {
    const now = performance.now() / 1000;
    const b = this.buckets.get(id) ?? { tokens: this.burst, at: now };
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) * this.perMinute) / 60);
    b.at = now;
    this.buckets.set(id, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return ((1 - b.tokens) * 60) / this.perMinute;
  }
}

const EXPORT_TYPES: Record<string, string> = {
  '.wav': 'audio/wav',
  '.flac': 'audio/flac',
  '.mp3': 'audio/mpeg',
  '.opus': 'audio/ogg',
  '.m4a': 'audio/mp4',
  '.m4b': 'audio/mp4',
  '.srt': 'application/x-subrip; charset=utf-8',
  '.vtt': 'text/vtt; charset=utf-8',
  '.zip': 'application/zip',
};

export interface WebServerOptions {
  core: Core;
  /** 0 picks a free port. */
  port?: number;
  /** Folder with the built renderer (index.html). */
  staticDir: string;
  /** Fixed token (tests); a random one per launch otherwise. */
  token?: string;
  /** The app's version (the OpenAPI document's). */
  version?: string;
  /**
   * Address to listen on (default 127.0.0.1). Anything else makes the API reachable from other computers: they get
   * /v1 only, with API keys only (never the per-launch token), rate-limited per key.
   */
  listen?: string;
}

export interface WebServer {
  url: string;
  /** The URL to open: the studio with the token in the fragment. */
  studioUrl: string;
  token: string;
  port: number;
  /** True when other computers can reach the API (`listen` is not a loopback address). */
  remote: boolean;
  close(): Promise<void>;
}

const MAX_BODY = 2 * 1024 * 1024;
/** How much of an oversized body is read and dropped so its 413 can be answered, before the connection is cut. */
const DRAIN_MAX = 64 * 1024 * 1024;
/** Largest WebSocket frame a client may send on /api/events (it only ever needs close/pong frames). */
export const WS_MAX_PAYLOAD = 4 * 1024;
/** Events queued for one WebSocket client that does not read them, beyond which it is disconnected. */
const WS_MAX_BUFFERED = 16 * 1024 * 1024;

/** The request target as a URL, or null when it cannot be parsed (e.g. "//a b"): a 400, never a thrown error. */
function parseRequestUrl(raw: string | undefined): URL | null {
  try {
    return new URL(raw ?? '/', 'http://127.0.0.1');
  } catch {
    return null;
  }
}
/** Calls that carry a file uploaded from the browser (base64) or a pasted script may be larger; the contract caps each. */
const UPLOAD_METHODS = new Set(['script.import', 'script.preview', 'projects.setMix', 'dub.create']);
const MAX_UPLOAD_BODY = 48 * 1024 * 1024;

const SECURITY_HEADERS: Record<string, string> = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};

const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
  "media-src 'self' blob:; connect-src 'self' ws://127.0.0.1:* ws://localhost:*; object-src 'none'; " +
  "base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

/** Types of dubbing sources for the player (an upload's copy has no extension: the browser sniffs it). */
const DUB_MEDIA_TYPES: Record<string, string> = {
  '.mp4': 'video/mp4',
  '.m4v': 'video/mp4',
  '.mov': 'video/quicktime',
  '.mkv': 'video/x-matroska',
  '.webm': 'video/webm',
  '.wav': 'audio/wav',
  '.mp3': 'audio/mpeg',
  '.m4a': 'audio/mp4',
  '.flac': 'audio/flac',
  '.ogg': 'audio/ogg',
  '.opus': 'audio/ogg',
};

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
};

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const data = JSON.stringify(body);
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(data),
  });
  res.end(data);
}

function sendError(res: http.ServerResponse, status: number, error: ApiErrorShape): void {
  sendJson(res, status, { ok: false, error });
}

const STATUS_FOR: Partial<Record<ApiErrorShape['code'], number>> = {
  INVALID_INPUT: 400,
  UNKNOWN_METHOD: 404,
  NOT_FOUND: 404,
  CONFLICT: 409,
  UNSUPPORTED_TEXT: 422,
  // A pack to install: the request cannot succeed until the user installs it (not a server outage, so not 503).
  ENGINE_UNAVAILABLE: 424,
  // Voice data is encrypted and the key is not available (or the passphrase was wrong): unlock and retry.
  VAULT_LOCKED: 423,
  RATE_LIMITED: 429,
  DISK_FULL: 507,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  CANCELLED: 409,
};

function readBody(req: http.IncomingMessage, max = MAX_BODY): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) {
        reject(new ApiError('INVALID_INPUT', `The request is larger than ${max / 1024 / 1024} MiB`));
        // Read the rest and drop it (up to a cap), so the 413 reaches the client: closing a socket with unread data
        // resets it, and a reset can lose the answer.
        parts.length = 0;
        req.removeAllListeners('data');
        let drained = 0;
        req.on('data', (d: Buffer) => {
          drained += d.length;
          if (drained > DRAIN_MAX) req.destroy();
        });
        return;
      }
      parts.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', reject);
  });
}

export async function startWebServer(opts: WebServerOptions): Promise<WebServer> {
  const token = opts.token ?? randomBytes(24).toString('base64url');
  const tokenBuf = Buffer.from(token);
  let port = opts.port ?? 0;
  const allowedHosts = () => new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
  const allowedOrigins = () => new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);
  const staticRoot = path.resolve(opts.staticDir);

  const listen = opts.listen ?? '127.0.0.1';
  const remoteServing = !isLoopback(listen);
  const limiter = new KeyRateLimiter(RATE_PER_MINUTE, RATE_BURST);
  /** Record every call made with an API key when its answer is done (time, key, endpoint, status). */
  const logKeyCall = (key: ApiKey, req: http.IncomingMessage, res: http.ServerResponse, url: URL) => {
    const t0 = performance.now();
    let logged = false;
    const done = () => {
      if (logged) return;
      logged = true;
      opts.core.apiKeys.record({
        at: new Date().toISOString(),
        keyId: key.id,
        keyName: key.name,
        method: req.method ?? 'GET',
        path: url.pathname.slice(0, 300),
        status: res.statusCode,
        ms: Math.round(performance.now() - t0),
        remote: isLoopback(req.socket.remoteAddress) ? 'loopback' : String(req.socket.remoteAddress),
      });
    };
    // 'finish' when the whole answer went out; 'close' alone when the connection ended first.
    res.once('finish', done);
    res.once('close', done);
  };
  const tokenOk = (candidate: string | null | undefined) => {
    if (!candidate) return false;
    const b = Buffer.from(candidate);
    return b.length === tokenBuf.length && timingSafeEqual(b, tokenBuf);
  };
  const requestToken = (req: http.IncomingMessage, url: URL) => {
    const auth = req.headers.authorization;
    if (auth?.startsWith('Bearer ')) return auth.slice(7).trim();
    return url.searchParams.get('token');
  };

  /** Who is calling: the studio page (the per-launch token) or a script with an API key. */
  type Caller = { kind: 'page' } | { kind: 'key'; key: ApiKey } | { kind: 'anonymous' };
  /** A refused call; `key` when it carried a valid API key (logged like any call with a key). */
  type Refusal = { status: number; error: ApiErrorShape; headers?: Record<string, string>; key?: ApiKey };

  /**
   * Host, token and Origin checks shared by HTTP and WebSocket upgrades. Returns a refusal, or who is calling.
   * From this computer: the Host allow-list (DNS rebinding), then the per-launch token for /api and the token or an
   * API key for /v1. From another computer (only with `listen`): /v1 only, an API key only, rate-limited per key.
   */
  function gate(req: http.IncomingMessage, url: URL): Refusal | Caller {
    const remote = !isLoopback(req.socket.remoteAddress);
    const isApi = url.pathname.startsWith('/api/');
    const isV1 = url.pathname.startsWith('/v1/');
    if (remote) {
      if (!isV1)
        return {
          status: 403,
          error: { code: 'FORBIDDEN', message: 'Only the API (/v1, with an API key) is served to other computers' },
        };
    } else if (!req.headers.host || !allowedHosts().has(req.headers.host.toLowerCase()))
      return {
        status: 421,
        error: { code: 'FORBIDDEN', message: 'Unexpected Host header: Timbre only answers on 127.0.0.1' },
      };
    const origin = req.headers.origin;
    let caller: Caller = { kind: 'anonymous' };
    const bearer = requestToken(req, url);
    if (!remote && tokenOk(bearer)) caller = { kind: 'page' };
    else if (isV1 && bearer) {
      const key = opts.core.apiKeys.verify(bearer);
      if (key) caller = { kind: 'key', key };
    }
    const open = url.pathname === '/v1/openapi.json'; // the API's description holds nothing secret
    if ((isApi && caller.kind !== 'page') || (isV1 && !open && caller.kind === 'anonymous'))
      return {
        status: 401,
        error: {
          code: 'UNAUTHORIZED',
          message: isV1
            ? remote
              ? 'Missing, wrong or revoked API key: create one in Settings → Local API'
              : 'Missing, wrong or revoked API key: send Authorization: Bearer <an API key, or the token "timbre serve" prints>'
            : 'Missing or wrong token: open the URL printed by "timbre serve"',
        },
      };
    if (origin !== undefined && !allowedOrigins().has(origin))
      return { status: 403, error: { code: 'FORBIDDEN', message: `Requests from ${origin} are not allowed` } };
    if (caller.kind === 'key') {
      if (!scopeAllows(caller.key.scope, url.pathname))
        return {
          key: caller.key,
          status: 403,
          error: {
            code: 'FORBIDDEN',
            message: `The API key "${caller.key.name}" may only use the speech routes (/v1/audio/speech, /v1/models, /v1/audio/voices)`,
          },
        };
      if (remote) {
        const wait = limiter.take(caller.key.id);
        if (wait > 0)
          return {
            key: caller.key,
            status: 429,
            error: {
              code: 'RATE_LIMITED',
              message: `Too many requests with the key "${caller.key.name}": at most ${RATE_PER_MINUTE} a minute from another computer`,
            },
            headers: { 'Retry-After': String(Math.ceil(wait)) },
          };
      }
    }
    return caller;
  }
  const refused = (g: Refusal | Caller): g is Refusal => 'status' in g;

  async function serveStatic(url: URL, res: http.ServerResponse): Promise<void> {
    let rel: string;
    try {
      rel = decodeURIComponent(url.pathname);
    } catch {
      return sendError(res, 400, { code: 'INVALID_INPUT', message: 'The path has a malformed percent-encoding' });
    }
    if (rel.includes('\0'))
      return sendError(res, 400, { code: 'INVALID_INPUT', message: 'The path contains a NUL byte' });
    if (rel === '/' || !path.extname(rel)) rel = '/index.html';
    const abs = path.resolve(staticRoot, `.${rel}`);
    if (!abs.startsWith(staticRoot + path.sep)) return sendError(res, 404, { code: 'NOT_FOUND', message: 'Not found' });
    try {
      const data = await fsp.readFile(abs);
      res.writeHead(200, {
        ...SECURITY_HEADERS,
        'Content-Security-Policy': CSP,
        'Content-Type': MIME[path.extname(abs)] ?? 'application/octet-stream',
        'Content-Length': data.length,
      });
      res.end(data);
    } catch {
      if (rel === '/index.html')
        return sendError(res, 503, { code: 'INTERNAL', message: 'The studio UI is not built: run "npm run build"' });
      sendError(res, 404, { code: 'NOT_FOUND', message: 'Not found' });
    }
  }

  function serveTake(takeId: string, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> | void {
    let file: string;
    try {
      file = opts.core.takeFilePath(takeId);
    } catch (err) {
      const e = toApiError(err);
      return sendError(res, STATUS_FOR[e.code] ?? 500, e.toJSON());
    }
    return serveFile(file, req, res, { 'Content-Type': 'audio/wav', 'Cache-Control': 'private, max-age=3600' });
  }

  /** A dubbing project's source media or its dub preview (the Dub view's player; Range for seeking). */
  function serveDubMedia(
    projectId: string,
    what: 'source' | 'dub',
    req: http.IncomingMessage,
    res: http.ServerResponse,
  ): Promise<void> | void {
    let file: string;
    try {
      file = opts.core.dubMediaFile(projectId, what);
    } catch (err) {
      const e = toApiError(err);
      return sendError(res, STATUS_FOR[e.code] ?? 500, e.toJSON());
    }
    return serveFile(file, req, res, {
      'Content-Type':
        what === 'dub'
          ? 'audio/wav'
          : (DUB_MEDIA_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream'),
      'Cache-Control': 'private, no-store',
    });
  }

  /** A studio project's stored music bed, for the preview player (Range for seeking into a long bed). */
  function serveMusicBed(projectId: string, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> | void {
    let file: string;
    try {
      file = opts.core.musicBedFile(projectId);
    } catch (err) {
      const e = toApiError(err);
      return sendError(res, STATUS_FOR[e.code] ?? 500, e.toJSON());
    }
    return serveFile(file, req, res, { 'Content-Type': 'audio/wav', 'Cache-Control': 'private, no-store' });
  }

  /** A finished export's file, as a download. */
  function serveExport(
    exportId: string,
    index: number,
    req: http.IncomingMessage,
    res: http.ServerResponse,
  ): Promise<void> | void {
    let file: string;
    try {
      file = opts.core.exportFilePath(exportId, index);
    } catch (err) {
      const e = toApiError(err);
      return sendError(res, STATUS_FOR[e.code] ?? 500, e.toJSON());
    }
    const name = path.basename(file);
    return serveFile(file, req, res, {
      'Content-Type': EXPORT_TYPES[path.extname(name).toLowerCase()] ?? 'application/octet-stream',
      'Cache-Control': 'private, no-store',
      'Content-Disposition': contentDisposition(name),
    });
  }

  /**
   * Serve a file (with Range). The file is opened first and streamed from that descriptor: a file removed or replaced
   * meanwhile (a newer mix revision sweeps the older one, takes deleted) is served whole or answered 404, and a read
   * error or a client that goes away never becomes an unhandled stream 'error' that takes the server down (a page
   * reload during a mix render used to do exactly that).
   */
  async function serveFile(
    file: string,
    req: http.IncomingMessage,
    res: http.ServerResponse,
    extra: Record<string, string>,
  ): Promise<void> {
    let fh: fsp.FileHandle;
    try {
      fh = await fsp.open(file, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT')
        return sendError(res, 404, { code: 'NOT_FOUND', message: 'This audio is no longer there: reload the page.' });
      throw err;
    }
    let size: number;
    try {
      size = (await fh.stat()).size;
    } catch (err) {
      await fh.close();
      throw err;
    }
    const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
    const headers = {
      ...SECURITY_HEADERS,
      'Accept-Ranges': 'bytes',
      ...extra,
    };
    let start = 0;
    let end = size - 1;
    if (range && (range[1] || range[2])) {
      start = range[1] ? Number(range[1]) : Math.max(0, size - Number(range[2]));
      end = range[1] && range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
      if (start >= size || start > end) {
        await fh.close();
        res.writeHead(416, { ...headers, 'Content-Range': `bytes */${size}` });
        return void res.end();
      }
      res.writeHead(206, {
        ...headers,
        'Content-Range': `bytes ${start}-${end}/${size}`,
        'Content-Length': end - start + 1,
      });
    } else res.writeHead(200, { ...headers, 'Content-Length': size });
    if (size === 0) {
      await fh.close();
      return void res.end();
    }
    // pipeline destroys both ends on any error (the descriptor is closed with the stream): the client sees a cut
    // response, the server goes on.
    pipeline(fh.createReadStream({ start, end }), res, () => undefined);
  }

  /** Staged voice audio, decrypted in memory for the A/B player and trim editor (never cached by the browser). */
  async function serveStaged(id: string, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    let wav: Buffer;
    try {
      wav = await opts.core.stagingWav(id);
    } catch (err) {
      const e = toApiError(err);
      return sendError(res, STATUS_FOR[e.code] ?? 500, e.toJSON());
    }
    const size = wav.length;
    const headers = { ...SECURITY_HEADERS, 'Content-Type': 'audio/wav', 'Accept-Ranges': 'bytes' };
    const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
    let start = 0;
    let end = size - 1;
    if (range && (range[1] || range[2])) {
      start = range[1] ? Number(range[1]) : Math.max(0, size - Number(range[2]));
      end = range[1] && range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
      if (start >= size || start > end) {
        res.writeHead(416, { ...headers, 'Content-Range': `bytes */${size}` });
        return void res.end();
      }
      res.writeHead(206, {
        ...headers,
        'Content-Range': `bytes ${start}-${end}/${size}`,
        'Content-Length': end - start + 1,
      });
    } else {
      res.writeHead(200, { ...headers, 'Content-Length': size });
    }
    res.end(req.method === 'HEAD' ? undefined : wav.subarray(start, end + 1));
    wav.fill(0);
  }

  /**
   * PUT /api/uploads?name=<file name>&kind=audio|voice-file: a file the user picked in the browser (web mode has no
   * paths). The bytes stay in memory (capped) and are decoded and staged encrypted, never written as they are
   * (a .timbrevoice file is already encrypted with its passphrase). Answers like /api/rpc.
   */
  /**
   * Dubbing media (a video of any length) goes to disk as it arrives, never into memory. A refusal is answered at
   * once; over the size cap the connection is closed (the client would go on sending what will never be read).
   */
  async function receiveStreamedUpload(name: string, req: http.IncomingMessage, res: http.ServerResponse) {
    const declared = Number(req.headers['content-length'] ?? NaN);
    const out = await opts.core.uploadStream('dub-media', name, req, Number.isFinite(declared) ? declared : null);
    if (out.ok) return sendJson(res, 200, out);
    if (req.destroyed && !req.complete) return; // the client went away: nobody to answer
    const tooLarge = (out.error.details as { uploadProblem?: string } | undefined)?.uploadProblem === 'too-large';
    if (tooLarge || !req.complete) {
      res.setHeader('Connection', 'close');
      res.on('finish', () => req.destroy());
    }
    return sendJson(res, tooLarge ? 413 : (STATUS_FOR[out.error.code] ?? 500), out);
  }

  async function receiveUpload(url: URL, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const name = (url.searchParams.get('name') ?? 'upload').slice(0, 255);
    const kind = url.searchParams.get('kind') ?? 'audio';
    if (kind !== 'audio' && kind !== 'voice-file' && kind !== 'dub-media')
      return sendError(res, 400, { code: 'INVALID_INPUT', message: 'kind must be audio, voice-file or dub-media' });
    if (kind === 'dub-media') return receiveStreamedUpload(name, req, res);
    const max = opts.core.uploadMaxBytes;
    /**
     * Answer a refusal before the body has all arrived. The connection stays usable: what the client still sends (at
     * most `max` bytes, else the connection is closed) is read and dropped, never kept. Closing a socket on unread data
     * resets it, and a reset can lose the answer before the client reads it.
     */
    const refuse = (status: number, error: ApiErrorShape) => {
      let drained = 0;
      const drop = (c: Buffer) => {
        drained += c.length;
        if (drained > max) req.destroy();
      };
      const drain = () => {
        if (!req.listeners('data').includes(drop)) req.on('data', drop);
        req.resume();
      };
      req.removeAllListeners('data');
      drain();
      res.on('finish', drain); // Node dumps an unread body after the answer (dropping our listener): keep the cap
      sendError(res, status, error);
    };
    /** Over the size cap: answer and close (the client declared or sent more than will ever be read). */
    const tooLarge = () => {
      res.setHeader('Connection', 'close');
      sendError(res, 413, {
        code: 'INVALID_INPUT',
        message: `${name} is larger than ${Math.round(max / 1024 / 1024)} MiB: pick a shorter recording or cut it first.`,
      });
      res.on('finish', () => req.destroy());
    };
    const declaredLength = Number(req.headers['content-length'] ?? NaN);
    if (declaredLength > max) return tooLarge();
    // Enough of the head to hold any sane WAV header (fmt, ds64, the odd metadata chunk before the samples).
    const HEAD_BYTES = 64 * 1024;
    const parts: Buffer[] = [];
    let size = 0;
    let checked = kind !== 'audio';
    const outcome = await new Promise<'ok' | 'too-large' | ApiError | 'aborted'>((resolve) => {
      const check = (final: boolean): ApiError | null => {
        if (checked || (!final && size < HEAD_BYTES)) return null;
        checked = true;
        const head = parts.length === 1 ? parts[0] : Buffer.concat(parts);
        // At the end the real size is known (a chunked upload has no Content-Length).
        return uploadHeadProblem(head, final ? size : Number.isFinite(declaredLength) ? declaredLength : null, name);
      };
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > max) {
          req.pause();
          return resolve('too-large');
        }
        parts.push(c);
        const problem = check(false);
        if (problem) {
          req.pause();
          resolve(problem);
        }
      });
      req.on('end', () => resolve(check(true) ?? 'ok'));
      req.on('aborted', () => resolve('aborted'));
      req.on('close', () => resolve('aborted')); // after 'end' this changes nothing (a promise settles once)
      req.on('error', () => resolve('aborted')); // a client that goes away mid-upload: nothing to answer
    });
    const wipe = () => {
      for (const p of parts) p.fill(0);
      parts.length = 0;
    };
    if (outcome === 'aborted') {
      wipe();
      return void req.destroy();
    }
    if (outcome === 'too-large') {
      wipe();
      return tooLarge();
    }
    if (outcome instanceof ApiError) {
      wipe();
      const tooLong = (outcome.details as { audioProblem?: string } | undefined)?.audioProblem === 'too-long';
      return refuse(tooLong ? 413 : 400, outcome.toJSON());
    }
    const bytes = Buffer.concat(parts);
    wipe();
    const out = await opts.core.upload(kind, name, bytes);
    bytes.fill(0);
    if (out.ok) return sendJson(res, 200, out);
    const tooLong = (out.error.details as { audioProblem?: string } | undefined)?.audioProblem === 'too-long';
    return sendJson(res, tooLong ? 413 : (STATUS_FOR[out.error.code] ?? 500), out);
  }

  const handleRequest = (req: http.IncomingMessage, res: http.ServerResponse) => {
    // A client that resets the connection mid-request must not raise an unhandled 'error'.
    req.on('error', () => undefined);
    res.on('error', () => undefined);
    void (async () => {
      const url = parseRequestUrl(req.url);
      if (!url) return sendError(res, 400, { code: 'INVALID_INPUT', message: 'The request URL is malformed' });
      const g = gate(req, url);
      const v1 = url.pathname === '/v1' || url.pathname.startsWith('/v1/');
      const key = refused(g) ? g.key : g.kind === 'key' ? g.key : undefined;
      if (key) logKeyCall(key, req, res, url);
      if (refused(g))
        return v1
          ? sendOpenAiError(res, { ...SECURITY_HEADERS, ...g.headers }, g.status, g.error)
          : sendError(res, g.status, g.error);
      if (v1 && currentPolicy().policy.localApi === false) {
        const e = policyDenied('The local API is turned off').toJSON();
        return sendOpenAiError(res, SECURITY_HEADERS, 403, e);
      }
      if (v1)
        return handleV1(
          {
            core: opts.core,
            version: opts.version ?? 'dev',
            securityHeaders: SECURITY_HEADERS,
            readBody,
            serveTake,
            serveExport,
            subscribe: (l) => opts.core.subscribe(l),
          },
          url,
          req,
          res,
        );

      if (url.pathname === '/api/rpc') {
        if (req.method !== 'POST')
          return sendError(res, 405, { code: 'INVALID_INPUT', message: 'Use POST for /api/rpc' });
        if (!/^application\/json\b/i.test(req.headers['content-type'] ?? ''))
          return sendError(res, 415, { code: 'INVALID_INPUT', message: 'Send the call as application/json' });
        let body: unknown;
        try {
          const raw = await readBody(req, MAX_UPLOAD_BODY);
          body = JSON.parse(raw.toString('utf8'));
          const m = (body as { method?: unknown } | null)?.method;
          if (raw.length > MAX_BODY && !(typeof m === 'string' && UPLOAD_METHODS.has(m)))
            throw new ApiError('INVALID_INPUT', `The request is larger than ${MAX_BODY / 1024 / 1024} MiB`);
        } catch (err) {
          const e = err instanceof ApiError ? err : new ApiError('INVALID_INPUT', 'The request body is not valid JSON');
          return sendError(res, e.message.includes('larger') ? 413 : 400, e.toJSON());
        }
        if (!body || typeof body !== 'object' || Array.isArray(body))
          return sendError(res, 400, { code: 'INVALID_INPUT', message: 'Expected {"method": "...", "params": {...}}' });
        const { method, params } = body as { method?: unknown; params?: unknown };
        const out = await opts.core.dispatch(method, params);
        return out.ok ? sendJson(res, 200, out) : sendJson(res, STATUS_FOR[out.error.code] ?? 500, out);
      }
      const media = /^\/api\/media\/takes\/([A-Za-z0-9_-]{1,64})\.wav$/.exec(url.pathname);
      if (media && (req.method === 'GET' || req.method === 'HEAD')) return serveTake(media[1], req, res);
      const staged = /^\/api\/media\/staging\/([A-Za-z0-9_-]{1,64})\.wav$/.exec(url.pathname);
      if (staged && (req.method === 'GET' || req.method === 'HEAD')) return serveStaged(staged[1], req, res);
      if (url.pathname === '/api/uploads') {
        if (req.method !== 'PUT')
          return sendError(res, 405, { code: 'INVALID_INPUT', message: 'Use PUT for /api/uploads' });
        return receiveUpload(url, req, res);
      }
      const dubMedia = /^\/api\/media\/dub\/([A-Za-z0-9_-]{1,64})\/(source|dub)$/.exec(url.pathname);
      if (dubMedia && (req.method === 'GET' || req.method === 'HEAD'))
        return serveDubMedia(dubMedia[1], dubMedia[2] as 'source' | 'dub', req, res);
      const music = /^\/api\/media\/music\/([A-Za-z0-9_-]{1,64})\.wav$/.exec(url.pathname);
      if (music && (req.method === 'GET' || req.method === 'HEAD')) return serveMusicBed(music[1], req, res);
      const exp = /^\/api\/media\/exports\/([A-Za-z0-9_-]{1,64})\/(\d{1,3})$/.exec(url.pathname);
      if (exp && (req.method === 'GET' || req.method === 'HEAD')) return serveExport(exp[1], Number(exp[2]), req, res);
      // The page asks here whether its token still works when the event socket drops: a browser never sees the 401
      // of a refused WebSocket handshake, so this is how it tells "the server was restarted with a new token" (401,
      // from the gate above) from "the server is not reachable" (no answer).
      if (url.pathname === '/api/session' && (req.method === 'GET' || req.method === 'HEAD'))
        return sendJson(res, 200, { ok: true, result: { transport: 'web' } });
      if (url.pathname.startsWith('/api/'))
        return sendError(res, 404, { code: 'NOT_FOUND', message: `No API route ${url.pathname}` });
      if (req.method !== 'GET' && req.method !== 'HEAD')
        return sendError(res, 405, { code: 'INVALID_INPUT', message: 'Method not allowed' });
      return serveStatic(url, res);
    })().catch((err) => {
      const e = toApiError(err);
      if (!res.headersSent) sendError(res, STATUS_FOR[e.code] ?? 500, e.toJSON());
      else res.destroy();
    });
  };
  const server = http.createServer(handleRequest);

  // The event socket is one-way (server → page): a client never needs to send more than a close frame, so any
  // larger frame is refused (close 1009) before its payload is buffered.
  const wss = new WebSocketServer({ noServer: true, maxPayload: WS_MAX_PAYLOAD });
  wss.on('error', () => undefined);
  const sockets = new Set<WebSocket>();
  server.on('upgrade', (req, socket, head) => {
    // Until ws takes the socket over, a reset during the handshake must not raise an unhandled 'error'.
    socket.on('error', () => socket.destroy());
    const url = parseRequestUrl(req.url);
    const refusal = !url
      ? { status: 400, error: { code: 'INVALID_INPUT' as const, message: 'The request URL is malformed' } }
      : url.pathname === '/api/events'
        ? gate(req, url)
        : { status: 404, error: { code: 'NOT_FOUND' as const, message: 'Not found' } };
    if (!refused(refusal) && refusal.kind !== 'page') {
      socket.destroy();
      return;
    }
    if (refused(refusal)) {
      socket.write(
        `HTTP/1.1 ${refusal.status} ${http.STATUS_CODES[refusal.status]}\r\nConnection: close\r\nContent-Type: application/json\r\n\r\n${JSON.stringify({ ok: false, error: refusal.error })}`,
      );
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      // A malformed frame (unmasked, reserved opcode or RSV bit, invalid UTF-8, over maxPayload) makes ws close that
      // connection with the matching code and emit 'error': without a listener, that error would end the process.
      ws.on('error', () => ws.terminate());
      // The event socket is one-way; anything the client sends is ignored.
      ws.on('message', () => undefined);
    });
  });
  const unsubscribe = opts.core.subscribe((event, payload) => {
    const msg = JSON.stringify({ event, payload });
    for (const ws of sockets) {
      if (ws.readyState !== ws.OPEN) continue;
      // A client that stopped reading would make its queue grow without end: drop it (it reconnects and re-syncs).
      if (ws.bufferedAmount > WS_MAX_BUFFERED) ws.terminate();
      else ws.send(msg);
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, listen, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  const hostPort = (address: string, p: number) => `${address.includes(':') ? `[${address}]` : address}:${p}`;
  opts.core.setApiServer({
    baseUrl: `${url}/v1`,
    remote: remoteServing,
    listen: remoteServing ? hostPort(listen, port) : null,
  });

  // Settings → Local API can open (and close) a second listener for other computers while the studio runs. The
  // gate decides per request by where it comes from, so both listeners serve the same rules.
  let extra: { server: http.Server; listen: string } | null = null;
  const closeExtra = async () => {
    const e = extra;
    extra = null;
    if (!e) return;
    const closed = new Promise<void>((r) => e.server.close(() => r()));
    e.server.closeAllConnections();
    await closed;
  };
  opts.core.setApiServerControl(async (address, wantPort) => {
    if (remoteServing)
      throw new ApiError(
        'CONFLICT',
        'timbre serve was started with --listen: restart it without --listen to change this',
      );
    await closeExtra();
    if (address !== null) {
      const s2 = http.createServer(handleRequest);
      await new Promise<void>((resolve, reject) => {
        s2.once('error', (err: NodeJS.ErrnoException) =>
          reject(
            new ApiError(
              'INVALID_INPUT',
              err.code === 'EADDRINUSE'
                ? `Port ${wantPort ?? 0} is in use on ${address}: choose another port`
                : `Cannot listen on ${address}: ${err.code ?? err.message}`,
            ),
          ),
        );
        s2.listen(wantPort ?? 0, address, () => resolve());
      });
      s2.on('error', () => undefined);
      extra = { server: s2, listen: hostPort(address, (s2.address() as AddressInfo).port) };
    }
    const status = { baseUrl: `${url}/v1`, remote: extra !== null, listen: extra?.listen ?? null };
    opts.core.setApiServer(status);
    return status;
  });
  return {
    url,
    remote: remoteServing,
    studioUrl: `${url}/#token=${token}`,
    token,
    port,
    async close() {
      unsubscribe();
      await closeExtra();
      for (const ws of sockets) ws.terminate();
      wss.close();
      const closed = new Promise<void>((r) => server.close(() => r()));
      server.closeAllConnections();
      await closed;
    },
  };
}
