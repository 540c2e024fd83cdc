/**
 * The timbre-media:// protocol: serves a take's WAV file by id, `timbre-media://takes/<takeId>.wav`, staged voice
 * audio (decrypted in memory), `timbre-media://staging/<stagingId>.wav`, and a finished export's file
 * `timbre-media://exports/<exportId>/<index>`, with HTTP Range support so <audio> can seek. Nothing else is
 * served: no directory listing, no other paths, no other files.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { MEDIA_SCHEME, APP_ORIGIN } from './origin.js';
import type { ShellCore } from './types.js';

const TAKE_PATH = /^\/([A-Za-z0-9_-]{1,64})\.wav$/;

/** The take id a media URL points at, or null when the URL is not a well-formed take URL. */
export function parseTakeUrl(url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.protocol !== `${MEDIA_SCHEME}:` || u.host !== 'takes' || u.username || u.password || u.port) return null;
  return TAKE_PATH.exec(u.pathname)?.[1] ?? null;
}

/** The staged-audio id a media URL points at, or null. */
export function parseStagingUrl(url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.protocol !== `${MEDIA_SCHEME}:` || u.host !== 'staging' || u.username || u.password || u.port) return null;
  return TAKE_PATH.exec(u.pathname)?.[1] ?? null;
}

/** A media URL other than a take: an export file. */
export function parseMediaUrl(
  url: string,
):
  | { kind: 'export'; exportId: string; index: number }
  | { kind: 'dub'; projectId: string; what: 'source' | 'dub' }
  | { kind: 'music'; projectId: string }
  | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.protocol !== `${MEDIA_SCHEME}:` || u.username || u.password || u.port) return null;
  if (u.host === 'exports') {
    const m = /^\/([A-Za-z0-9_-]{1,64})\/(\d{1,3})$/.exec(u.pathname);
    return m ? { kind: 'export', exportId: m[1], index: Number(m[2]) } : null;
  }
  if (u.host === 'dub') {
    const m = /^\/([A-Za-z0-9_-]{1,64})\/(source|dub)$/.exec(u.pathname);
    return m ? { kind: 'dub', projectId: m[1], what: m[2] as 'source' | 'dub' } : null;
  }
  if (u.host === 'music') {
    const m = /^\/([A-Za-z0-9_-]{1,64})\.wav$/.exec(u.pathname);
    return m ? { kind: 'music', projectId: m[1] } : null;
  }
  return null;
}

export type ByteRange = { start: number; end: number };

/**
 * Parses a single `bytes=` range against a file of `size` bytes. Returns null for no (or an unsupported
 * multi-range) header — serve the whole file — and 'unsatisfiable' for a range outside the file.
 */
export function parseRange(header: string | null, size: number): ByteRange | null | 'unsatisfiable' {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m) return null;
  const [, a, b] = m;
  if (a === '' && b === '') return null;
  let start: number;
  let end: number;
  if (a === '') {
    const suffix = Number(b);
    if (suffix === 0) return 'unsatisfiable';
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(a);
    end = b === '' ? size - 1 : Math.min(Number(b), size - 1);
  }
  if (start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}

const baseHeaders = (): Record<string, string> => ({
  'Content-Type': 'audio/wav',
  'Accept-Ranges': 'bytes',
  'Cache-Control': 'no-cache',
  'X-Content-Type-Options': 'nosniff',
  // timbre-media:// is a different origin from app://timbre; let the app (and only the app) read takes.
  'Access-Control-Allow-Origin': APP_ORIGIN,
});

const plain = (status: number, body: string) =>
  new Response(body, { status, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });

function body(file: string, range: ByteRange): ReadableStream<Uint8Array> {
  return Readable.toWeb(createReadStream(file, { start: range.start, end: range.end })) as ReadableStream<Uint8Array>;
}

/** Handler for `protocol.handle('timbre-media', …)`. */
export function createMediaHandler(
  core: Pick<ShellCore, 'takeFilePath'> &
    Partial<Pick<ShellCore, 'stagingWav' | 'exportFilePath' | 'dubMediaFile' | 'musicBedFile'>>,
): (request: Request) => Promise<Response> {
  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return plain(405, 'Method not allowed');
    const stagingId = parseStagingUrl(request.url);
    if (stagingId !== null && core.stagingWav) return serveStaged(core.stagingWav, stagingId, request);
    const takeId = parseTakeUrl(request.url);
    const other = takeId === null ? parseMediaUrl(request.url) : null;
    if (takeId === null && other === null) return plain(404, 'Not found');
    let file: string;
    try {
      if (takeId !== null) file = core.takeFilePath(takeId);
      else if (other?.kind === 'export' && core.exportFilePath) file = core.exportFilePath(other.exportId, other.index);
      else if (other?.kind === 'dub' && core.dubMediaFile) file = core.dubMediaFile(other.projectId, other.what);
      else if (other?.kind === 'music' && core.musicBedFile) file = core.musicBedFile(other.projectId);
      else return plain(404, 'Not found');
    } catch (err) {
      const code = (err as { code?: unknown } | null)?.code;
      return code === 'NOT_FOUND' ? plain(404, 'Not found') : plain(500, 'Internal error');
    }
    const info = await stat(file).catch(() => null);
    if (info === null || !info.isFile()) return plain(404, 'Not found');
    const size = info.size;
    // A dubbing source is video (or any audio): the browser sniffs its type; everything else served here is WAV.
    const typed = (h: Record<string, string>) =>
      other?.kind === 'dub' && other.what === 'source' ? { ...h, 'Content-Type': 'application/octet-stream' } : h;
    const range = parseRange(request.headers.get('range'), size);
    if (range === 'unsatisfiable')
      return new Response(null, { status: 416, headers: { ...baseHeaders(), 'Content-Range': `bytes */${size}` } });
    const head = request.method === 'HEAD';
    if (range === null) {
      return new Response(head || size === 0 ? null : body(file, { start: 0, end: size - 1 }), {
        status: 200,
        headers: typed({ ...baseHeaders(), 'Content-Length': String(size) }),
      });
    }
    return new Response(head ? null : body(file, range), {
      status: 206,
      headers: typed({
        ...baseHeaders(),
        'Content-Length': String(range.end - range.start + 1),
        'Content-Range': `bytes ${range.start}-${range.end}/${size}`,
      }),
    });
  };
}

/** Staged voice audio: decrypted in memory, served from the buffer (never written out). */
async function serveStaged(
  stagingWav: (id: string) => Promise<Buffer>,
  id: string,
  request: Request,
): Promise<Response> {
  let wav: Buffer;
  try {
    wav = await stagingWav(id);
  } catch (err) {
    const code = (err as { code?: unknown } | null)?.code;
    return code === 'NOT_FOUND'
      ? plain(404, 'Not found')
      : code === 'VAULT_LOCKED'
        ? plain(423, 'Locked')
        : plain(500, 'Internal error');
  }
  const size = wav.length;
  const headers = { ...baseHeaders(), 'Cache-Control': 'no-store' };
  const range = parseRange(request.headers.get('range'), size);
  if (range === 'unsatisfiable')
    return new Response(null, { status: 416, headers: { ...headers, 'Content-Range': `bytes */${size}` } });
  const head = request.method === 'HEAD';
  const r = range ?? { start: 0, end: size - 1 };
  const body = head || size === 0 ? null : new Uint8Array(wav.subarray(r.start, r.end + 1));
  wav.fill(0);
  return new Response(body, {
    status: range ? 206 : 200,
    headers: {
      ...headers,
      'Content-Length': String(r.end - r.start + 1),
      ...(range ? { 'Content-Range': `bytes ${r.start}-${r.end}/${size}` } : {}),
    },
  });
}
