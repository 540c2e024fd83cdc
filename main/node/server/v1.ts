/**
 * The public API under `/v1` (docs/api.md), behind the same gate as the studio's own API (Host allow-list, bearer
 * token, Origin allow-list; checked by web-server.ts before anything here runs):
 *   POST /v1/audio/speech         OpenAI-compatible speech, audio streamed as it is made
 *   GET  /v1/models               OpenAI-compatible model list
 *   GET  /v1/audio/voices         every voice usable for speech (a Timbre extension)
 *   POST /v1/rpc/<method>         every call of the typed contract (body: its params; answer: its result)
 *   GET  /v1/events               the core's events as Server-Sent Events
 *   GET  /v1/takes/<id>/audio     a take's WAV
 *   GET  /v1/exports/<id>/files/<n>  a finished export's file
 *   GET  /v1/openapi.json         the OpenAPI 3.1 document, generated from the contract
 * Errors use OpenAI's shape, `{ "error": { message, type, param, code } }`, on every /v1 route.
 */
import type http from 'node:http';
import { pipeline } from 'node:stream';
import type { ApiErrorShape } from '../../../preload/contract/index.js';
import { SpeechRequest, SpeechVoiceList, isMethodName } from '../../../preload/contract/index.js';
import { ApiError, toApiError } from '../../../native-models/common/errors.js';
import type { Core } from '../core.js';
import { createSpeechEncoder, SPEECH_CONTENT_TYPES } from '../api/speech-encoder.js';
import { buildOpenApi } from '../api/openapi.js';

/** Calls no API key may make, whatever its scope (docs/privacy.md), and why. */
const ERASES =
  'replaces or erases all of your data: only you can do it, in the studio (Privacy) or with timbre privacy';
const UPDATES =
  'contacts the update server or restarts Timbre: only you decide that, in the app (Settings → Updates or the Help menu)';
const STUDIO_ONLY_METHODS: ReadonlyMap<string, string> = new Map([
  ['privacy.erase', ERASES],
  ['privacy.import', ERASES],
  ['updates.check', UPDATES],
  ['updates.download', UPDATES],
  ['updates.install', UPDATES],
]);

export interface V1Context {
  core: Core;
  version: string;
  securityHeaders: Record<string, string>;
  readBody(req: http.IncomingMessage, max: number): Promise<Buffer>;
  serveTake(takeId: string, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> | void;
  serveExport(id: string, index: number, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> | void;
  /** Subscribe to the core's events (for SSE); returns the unsubscribe function. */
  subscribe(listener: (event: string, payload: unknown) => void): () => void;
}

/** Largest JSON body on /v1 (a speech request's 100,000 characters fit several times over). */
const MAX_V1_BODY = 2 * 1024 * 1024;

const OPENAI_STATUS: Partial<Record<ApiErrorShape['code'], number>> = {
  INVALID_INPUT: 400,
  UNSUPPORTED_TEXT: 400,
  ENGINE_UNAVAILABLE: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  UNKNOWN_METHOD: 404,
  CONFLICT: 409,
  RATE_LIMITED: 429,
  DISK_FULL: 507,
  VAULT_LOCKED: 423,
};

function openAiType(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

/** An error in OpenAI's shape. `param` and `code` come from the error's details when it has them. */
export function sendOpenAiError(
  res: http.ServerResponse,
  headers: Record<string, string>,
  status: number,
  e: ApiErrorShape,
): void {
  if (res.headersSent) return void res.destroy();
  const plain = e.details && typeof e.details === 'object' && !Array.isArray(e.details);
  const {
    param,
    openaiCode,
    status: _status,
    ...rest
  } = (plain ? e.details : {}) as {
    param?: unknown;
    openaiCode?: unknown;
    status?: unknown;
  };
  const body = JSON.stringify({
    error: {
      message: e.message,
      type: openAiType(status),
      param: typeof param === 'string' ? param : null,
      code: typeof openaiCode === 'string' ? openaiCode : e.code.toLowerCase(),
      ...(plain
        ? Object.keys(rest).length
          ? { details: rest }
          : {}
        : e.details !== undefined
          ? { details: e.details }
          : {}),
    },
  });
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
    ...(status === 429 ? { 'Retry-After': '2' } : {}),
    ...(status === 413 ? { Connection: 'close' } : {}),
  });
  res.end(body);
}

export function statusForV1(e: ApiErrorShape): number {
  return OPENAI_STATUS[e.code] ?? 500;
}

/** Handle a request under /v1 (already through the gate). */
export async function handleV1(
  ctx: V1Context,
  url: URL,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<void> {
  const H = ctx.securityHeaders;
  const fail = (err: unknown) => {
    const e = toApiError(err).toJSON();
    sendOpenAiError(res, H, statusForV1(e), e);
  };
  const json = (status: number, body: unknown) => {
    const data = JSON.stringify(body);
    res.writeHead(status, { ...H, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) });
    res.end(data);
  };
  const method = req.method ?? 'GET';
  const p = url.pathname;
  const needs = (m: 'GET' | 'POST') => {
    if (method === m || (m === 'GET' && method === 'HEAD')) return true;
    sendOpenAiError(res, { ...H, Allow: m }, 405, { code: 'INVALID_INPUT', message: `Use ${m} for ${p}` });
    return false;
  };
  const readJson = async (): Promise<unknown> => {
    if (!/^application\/json\b/i.test(req.headers['content-type'] ?? ''))
      throw new ApiError('INVALID_INPUT', 'Send the body as application/json', { status: 415 });
    const raw = await ctx.readBody(req, MAX_V1_BODY).catch((err: unknown) => {
      throw new ApiError('INVALID_INPUT', (err as Error).message, { status: 413 });
    });
    if (raw.length === 0) return {};
    try {
      return JSON.parse(raw.toString('utf8'));
    } catch {
      throw new ApiError('INVALID_INPUT', 'The request body is not valid JSON');
    }
  };
  const withStatus = (err: unknown) => {
    const e = toApiError(err).toJSON();
    const st = (e.details as { status?: number } | undefined)?.status;
    sendOpenAiError(res, H, typeof st === 'number' ? st : statusForV1(e), e);
  };

  try {
    if (p === '/v1/openapi.json') {
      if (!needs('GET')) return;
      return json(200, buildOpenApi(ctx.version));
    }
    if (p === '/v1/models') {
      if (!needs('GET')) return;
      const ids = await ctx.core.speech.models();
      return json(200, {
        object: 'list',
        data: ids.map((id) => ({ id, object: 'model', created: 0, owned_by: 'timbre' })),
      });
    }
    if (p === '/v1/audio/voices') {
      if (!needs('GET')) return;
      return json(200, SpeechVoiceList.parse({ object: 'list', data: await ctx.core.speech.voiceList() }));
    }
    if (p === '/v1/audio/speech') {
      if (!needs('POST')) return;
      return await speech(ctx, req, res, await readJson());
    }
    const rpc = /^\/v1\/rpc\/([A-Za-z]+\.[A-Za-z]+)$/.exec(p);
    if (rpc) {
      if (!needs('POST')) return;
      if (!isMethodName(rpc[1])) throw new ApiError('UNKNOWN_METHOD', `No method ${rpc[1]} (see GET /v1/openapi.json)`);
      const studioOnly = STUDIO_ONLY_METHODS.get(rpc[1]);
      if (studioOnly) throw new ApiError('FORBIDDEN', `${rpc[1]} ${studioOnly}, not a script through the API.`);
      const out = await ctx.core.dispatch(rpc[1], await readJson());
      if (out.ok) return json(200, out.result);
      return sendOpenAiError(res, H, statusForV1(out.error), out.error);
    }
    if (p === '/v1/events') {
      if (!needs('GET')) return;
      return events(ctx, req, res);
    }
    const take = /^\/v1\/takes\/([A-Za-z0-9_-]{1,64})\/audio$/.exec(p);
    if (take) {
      if (!needs('GET')) return;
      return await ctx.serveTake(take[1], req, res);
    }
    const exp = /^\/v1\/exports\/([A-Za-z0-9_-]{1,64})\/files\/(\d{1,3})$/.exec(p);
    if (exp) {
      if (!needs('GET')) return;
      return await ctx.serveExport(exp[1], Number(exp[2]), req, res);
    }
    return sendOpenAiError(res, H, 404, { code: 'NOT_FOUND', message: `No API route ${p}` });
  } catch (err) {
    if ((toApiError(err).details as { status?: number } | undefined)?.status) return withStatus(err);
    return fail(err);
  }
}

/** POST /v1/audio/speech: validate, resolve, then stream the encoded audio as the engine makes it. */
async function speech(ctx: V1Context, req: http.IncomingMessage, res: http.ServerResponse, body: unknown) {
  const parsed = SpeechRequest.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ApiError('INVALID_INPUT', `${issue.path.join('.') || 'body'}: ${issue.message}`, {
      param: issue.path.join('.') || null,
    });
  }
  const r = parsed.data;
  // Resolve first: a wrong model or voice is answered with a status before any audio header goes out.
  const voice = await ctx.core.speech.resolve(r);
  const ac = new AbortController();
  const encoder = createSpeechEncoder(r.response_format);
  const gone = () => {
    if (!res.writableFinished) ac.abort();
  };
  res.on('close', gone);
  let started = false;
  const start = () => {
    if (started) return;
    started = true;
    res.writeHead(200, {
      ...ctx.securityHeaders,
      'Content-Type': SPEECH_CONTENT_TYPES[r.response_format],
      'Transfer-Encoding': 'chunked',
      'X-Timbre-Voice': voice.label,
    });
    pipeline(encoder.output, res, () => undefined);
  };
  try {
    await ctx.core.speech.speak(
      r,
      (pcm) => {
        start();
        encoder.write(pcm);
      },
      ac.signal,
      voice,
    );
    start();
    await encoder.end();
  } catch (err) {
    encoder.abort();
    res.off('close', gone);
    if (!started) throw err;
    // Audio already went out with a 200: all that can be said now is that the stream ends early.
    res.destroy();
  }
}

/** GET /v1/events: every core event as `event: <name>\ndata: <json>\n\n`, with a comment line every 15 s. */
function events(ctx: V1Context, req: http.IncomingMessage, res: http.ServerResponse) {
  res.writeHead(200, {
    ...ctx.securityHeaders,
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-store',
    Connection: 'keep-alive',
  });
  res.write(': timbre events\n\n');
  const unsubscribe = ctx.subscribe((event, payload) => {
    // A client that stopped reading is dropped rather than buffered without end.
    if (res.writableLength > 16 * 1024 * 1024) return void res.destroy();
    res.write(`event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`);
  });
  const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
  ping.unref();
  const stop = () => {
    clearInterval(ping);
    unsubscribe();
  };
  req.on('close', stop);
  res.on('close', stop);
}
