/**
 * The main window: its (secure) options, the privileged schemes, and the app:// protocol that serves the built
 * renderer from dist/renderer. The renderer is never loaded from file://.
 */
import { readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { BrowserWindowConstructorOptions, CustomScheme, WebPreferences } from 'electron';
import { APP_HOST, APP_SCHEME, MEDIA_SCHEME } from './origin.js';
import { APP_RESPONSE_HEADERS } from './security.js';

/**
 * Registered with `protocol.registerSchemesAsPrivileged` before `app.ready`. `standard` gives app://timbre a real
 * origin (so 'self', localStorage and relative URLs work); `secure` makes it a secure context (getUserMedia needs
 * one). Neither scheme bypasses CSP. `stream` lets <audio> seek in takes with Range requests.
 */
export const PRIVILEGED_SCHEMES: CustomScheme[] = [
  {
    scheme: APP_SCHEME,
    privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true, codeCache: true },
  },
  {
    scheme: MEDIA_SCHEME,
    privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true, corsEnabled: true },
  },
];

export interface WindowOptionsInput {
  /** Absolute path of the bundled preload (dist/electron/preload.cjs). */
  preloadPath: string;
  /** False for packaged builds. */
  devTools: boolean;
}

export function secureWebPreferences({ preloadPath, devTools }: WindowOptionsInput): WebPreferences {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    spellcheck: false,
    experimentalFeatures: false,
    enableWebSQL: false,
    navigateOnDragDrop: false,
    safeDialogs: true,
    devTools,
  };
}

export function mainWindowOptions(input: WindowOptionsInput): BrowserWindowConstructorOptions {
  return {
    title: 'Timbre',
    width: 1280,
    height: 820,
    minWidth: 880,
    minHeight: 560,
    show: false, // shown on 'ready-to-show' to avoid a white flash
    backgroundColor: '#14161a',
    webPreferences: secureWebPreferences(input),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// app:// protocol
// ---------------------------------------------------------------------------------------------------------------

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
  '.wav': 'audio/wav',
  '.txt': 'text/plain; charset=utf-8',
};

export const contentTypeFor = (file: string) =>
  CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';

function textResponse(status: number, body: string): Response {
  return new Response(body, {
    status,
    headers: { ...APP_RESPONSE_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' },
  });
}

/**
 * Maps an app:// URL to a file inside `root`, or null when it is not ours or would escape the root (`..`,
 * encoded separators, NUL bytes, absolute or drive paths). Symlinks are checked again after realpath.
 */
export function resolveAppPath(root: string, url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.host !== APP_HOST) return null;
  let rel: string;
  try {
    rel = decodeURIComponent(u.pathname);
  } catch {
    return null; // malformed percent-encoding
  }
  if (rel.includes('\0') || rel.includes('\\')) return null;
  const segments = rel.split('/').filter((s) => s.length > 0);
  if (segments.some((s) => s === '..' || s === '.' || /^[A-Za-z]:/.test(s))) return null;
  if (segments.length === 0) segments.push('index.html');
  const base = path.resolve(root);
  const full = path.resolve(base, ...segments);
  if (full !== base && !full.startsWith(base + path.sep)) return null;
  return full;
}

async function isInside(root: string, file: string): Promise<boolean> {
  const [realRoot, realFile] = await Promise.all([realpath(root), realpath(file)]);
  return realFile.startsWith(realRoot + path.sep);
}

/**
 * Handler for `protocol.handle('app', …)`: serves the built renderer from `rendererRoot` with the CSP and
 * hardening headers. Extension-less paths that do not exist fall back to index.html (client-side routes).
 */
export function createAppProtocolHandler(rendererRoot: string): (request: Request) => Promise<Response> {
  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return textResponse(405, 'Method not allowed');
    let file = resolveAppPath(rendererRoot, request.url);
    if (file === null) return textResponse(403, 'Forbidden');
    try {
      let info = await stat(file).catch(() => null);
      if ((info === null || info.isDirectory()) && path.extname(file) === '') {
        file = path.join(rendererRoot, 'index.html');
        info = await stat(file).catch(() => null);
      }
      if (info === null || !info.isFile()) return textResponse(404, 'Not found');
      if (!(await isInside(rendererRoot, file))) return textResponse(403, 'Forbidden');
      const body = request.method === 'HEAD' ? null : await readFile(file);
      return new Response(body, {
        status: 200,
        headers: {
          ...APP_RESPONSE_HEADERS,
          'Content-Type': contentTypeFor(file),
          'Content-Length': String(info.size),
          'Cache-Control': 'no-cache',
        },
      });
    } catch {
      return textResponse(500, 'Internal error');
    }
  };
}
