import type { PreloadBridge } from '../../../preload/contract/index.js';
import { createElectronApi } from './bridge';
import type { ClientApi } from './types';
import { createWebApi, forgetWebToken, readWebToken, rememberWebToken } from './web';
export { takeTokenFromHash, tokenFromPasted } from './web';

export { ApiError, errorMessage, isApiError, redactSecrets } from './errors';
export type { ClientApi, ConnectionState } from './types';

declare global {
  interface Window {
    timbreBridge?: PreloadBridge;
  }
}

export type Boot = { kind: 'ready'; api: ClientApi } | { kind: 'no-token' };

let current: ClientApi | null = null;
const unauthorizedListeners = new Set<() => void>();

/** The API of this window; throws before boot. */
export function api(): ClientApi {
  if (!current) throw new Error('The API is not connected yet');
  return current;
}

/** Called when the server rejects the token (e.g. `timbre serve` was restarted with a new one). */
export function onUnauthorized(listener: () => void): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

let booting: Promise<Boot> | null = null;

/** Pick the transport once: the Electron bridge when present, else the loopback web server with its token. */
export function bootApi(): Promise<Boot> {
  booting ??= doBoot();
  return booting;
}

async function doBoot(): Promise<Boot> {
  if (import.meta.env.DEV && new URLSearchParams(window.location.search).has('mock')) {
    const { createMockApi } = await import('./mock');
    current = createMockApi();
    return { kind: 'ready', api: current };
  }
  if (window.timbreBridge) {
    current = createElectronApi(window.timbreBridge);
    return { kind: 'ready', api: current };
  }
  const token = readWebToken();
  if (!token) return { kind: 'no-token' };
  current = createWebApi({
    token,
    onUnauthorized: () => {
      forgetWebToken();
      for (const l of [...unauthorizedListeners]) l();
    },
  });
  return { kind: 'ready', api: current };
}

/**
 * Web mode: use a new access token (the restarted server's). With a connection, the server is asked first and the
 * token kept only when it accepts it (true; false when it refuses it; rejects when unreachable). Before boot (no
 * token yet) it is kept and the next `bootApi` uses it.
 */
export async function switchWebToken(token: string): Promise<boolean> {
  if (window.timbreBridge) return true;
  if (!current) {
    rememberWebToken(token);
    booting = null;
    return true;
  }
  if (!current.switchToken) return true;
  const ok = await current.switchToken(token);
  if (ok) rememberWebToken(token);
  return ok;
}
