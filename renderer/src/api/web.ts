import type {
  EventName,
  MethodInput,
  MethodName,
  MethodResult,
  StagedAudio,
  UploadableFile,
  UploadProgress,
} from '../../../preload/contract/index.js';
import { ApiError } from './errors';
import { EventHub, type ClientApi, type ConnectionState, type Listener } from './types';
import { parseEvent } from './validate';

const TOKEN_KEY = 'timbre.token';

/**
 * The access token of web mode. `timbre serve` prints a URL with `#token=…`; the token is moved to sessionStorage
 * (so a reload keeps working) and removed from the address bar and history.
 */
export function readWebToken(): string | null {
  const fromHash = takeTokenFromHash();
  if (fromHash) {
    rememberWebToken(fromHash);
    return fromHash;
  }
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

/**
 * The token in the address bar's fragment (`#token=…`), removed from it and from history; null when there is none.
 * Also read on `hashchange`: opening the URL of a restarted `timbre serve` in the same tab changes only the fragment.
 */
export function takeTokenFromHash(): string | null {
  const params = new URLSearchParams(window.location.hash.replace(/^#/, ''));
  const fromHash = params.get('token');
  if (!fromHash) return null;
  params.delete('token');
  const rest = params.toString();
  const { pathname, search } = window.location;
  history.replaceState(history.state, '', pathname + search + (rest ? `#${rest}` : ''));
  return fromHash;
}

/** The token out of what a person pasted: the whole studio URL (…#token=…) or the token alone; null if neither. */
export function tokenFromPasted(text: string): string | null {
  const s = text.trim();
  const m = /[#&]token=([A-Za-z0-9_-]+)/.exec(s);
  if (m) return m[1];
  return /^[A-Za-z0-9_-]{16,256}$/.test(s) ? s : null;
}

export function rememberWebToken(token: string): void {
  try {
    sessionStorage.setItem(TOKEN_KEY, token);
  } catch {
    // storage disabled: the token still works for this page load
  }
}

export function forgetWebToken(): void {
  try {
    sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    // ignore
  }
}

interface WebOptions {
  token: string;
  /** Base of the server, default: the page's origin. */
  origin?: string;
  onUnauthorized?: () => void;
}

/** Transport over the loopback HTTP + WebSocket server of `timbre serve`. */
export function createWebApi({
  token: firstToken,
  origin = window.location.origin,
  onUnauthorized,
}: WebOptions): ClientApi {
  const hub = new EventHub();
  const connListeners = new Set<(s: ConnectionState) => void>();
  let token = firstToken;
  let connection: ConnectionState = 'connecting';
  let attempt = 0;
  let socket: WebSocket | null = null;
  let retryTimer: number | undefined;
  /** The server refused the token: nothing retries until a new token comes (switchToken). */
  let refused = false;

  const setConnection = (s: ConnectionState) => {
    if (s === connection) return;
    connection = s;
    for (const l of [...connListeners]) l(s);
  };

  const wsUrl = () => {
    const u = new URL('/api/events', origin);
    u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
    u.searchParams.set('token', token);
    return u.toString();
  };

  /**
   * Does the server accept `candidate`? true / false (401), or null when it cannot be reached. A browser never sees
   * the status of a refused WebSocket handshake, so this plain request is how a restart with a new token (401) is
   * told apart from a server that is down (no answer).
   */
  const probe = async (candidate: string): Promise<boolean | null> => {
    try {
      const res = await fetch(new URL('/api/session', origin), {
        headers: { Authorization: `Bearer ${candidate}` },
        cache: 'no-store',
      });
      if (res.status === 401) return false;
      return res.ok ? true : null;
    } catch {
      return null;
    }
  };

  const refuse = () => {
    if (refused) return;
    refused = true;
    window.clearTimeout(retryTimer);
    setConnection('unauthorized');
    onUnauthorized?.();
  };

  const connect = () => {
    window.clearTimeout(retryTimer);
    if (refused) return;
    let ws: WebSocket;
    try {
      ws = new WebSocket(wsUrl());
    } catch {
      scheduleReconnect();
      return;
    }
    socket = ws;
    ws.onopen = () => {
      attempt = 0;
      setConnection('open');
    };
    ws.onmessage = (msg) => {
      if (typeof msg.data !== 'string') return;
      let data: unknown;
      try {
        data = JSON.parse(msg.data);
      } catch {
        return;
      }
      if (!data || typeof data !== 'object') return;
      const { event, payload } = data as { event?: unknown; payload?: unknown };
      const parsed = parseEvent(event, payload);
      if (parsed) hub.emit(parsed.event, parsed.payload);
    };
    ws.onclose = () => {
      if (socket !== ws) return;
      socket = null;
      if (!refused) setConnection('reconnecting');
      // Ask first whether the token still works: a refused token stops here (no retry can ever succeed with it).
      void probe(token).then((ok) => {
        if (socket || refused) return;
        if (ok === false) refuse();
        else scheduleReconnect(ok === null);
      });
    };
    ws.onerror = () => {
      // onclose follows and schedules the retry
    };
  };

  /** Try again after a backoff; while the server is unreachable, poll /api/session rather than the socket. */
  const scheduleReconnect = (unreachable = false) => {
    if (refused) return;
    setConnection('reconnecting');
    const delay = Math.min(10_000, 500 * 2 ** attempt) * (0.8 + Math.random() * 0.4);
    attempt = Math.min(attempt + 1, 6);
    window.clearTimeout(retryTimer);
    retryTimer = window.setTimeout(
      () => {
        if (!unreachable) return connect();
        void probe(token).then((ok) => {
          if (socket || refused) return;
          if (ok === false) refuse();
          else if (ok) connect();
          else scheduleReconnect(true);
        });
      },
      unreachable ? delay : Math.min(delay, 1000),
    );
  };

  // Reconnect at once when the machine wakes up or the tab comes back.
  window.addEventListener('online', () => {
    if (!socket && !refused) connect();
  });
  /**
   * PUT /api/uploads: the file's bytes, answered like an RPC call ({ ok, result } or { ok: false, error }). XHR rather
   * than fetch, because only XHR reports upload progress.
   */
  async function upload(
    file: UploadableFile,
    kind: 'audio' | 'voice-file' | 'dub-media',
    onProgress?: UploadProgress,
  ): Promise<unknown> {
    const u = new URL('/api/uploads', origin);
    u.searchParams.set('name', file.name);
    u.searchParams.set('kind', kind);
    const body = await file.arrayBuffer();
    const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open('PUT', u);
      xhr.setRequestHeader('Content-Type', 'application/octet-stream');
      xhr.setRequestHeader('Authorization', `Bearer ${token}`);
      if (onProgress) xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : file.size);
      xhr.onload = () => resolve({ status: xhr.status, text: xhr.responseText });
      xhr.onerror = () =>
        reject(new ApiError('NETWORK', 'Cannot reach the Timbre server. Is `timbre serve` still running?'));
      xhr.send(body);
    });
    let reply: { ok?: unknown; result?: unknown; error?: unknown };
    try {
      reply = JSON.parse(text) as typeof reply;
    } catch {
      throw new ApiError('BAD_RESPONSE', `The server answered HTTP ${status} without a readable body.`);
    }
    if (reply && reply.ok === true && status >= 200 && status < 300) return reply.result;
    const err = ApiError.from(reply?.error, `Uploading ${file.name} failed (HTTP ${status})`);
    if (err.code === 'UNAUTHORIZED' || status === 401) refuse();
    throw err;
  }

  connect();

  return {
    transport: 'web',
    get connection() {
      return connection;
    },
    async call<M extends MethodName>(method: M, params: MethodInput<M>): Promise<MethodResult<M>> {
      let res: Response;
      try {
        res = await fetch(new URL('/api/rpc', origin), {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
          body: JSON.stringify({ method, params }),
          cache: 'no-store',
        });
      } catch {
        throw new ApiError('NETWORK', 'Cannot reach the Timbre server. Is `timbre serve` still running?');
      }
      let body: unknown;
      try {
        body = await res.json();
      } catch {
        throw new ApiError('BAD_RESPONSE', `The server answered HTTP ${res.status} without a readable body.`);
      }
      const reply = body as { ok?: unknown; result?: unknown; error?: unknown };
      if (reply && reply.ok === true && res.ok) return reply.result as MethodResult<M>;
      const err = ApiError.from(reply?.error, `${method} failed (HTTP ${res.status})`);
      if (err.code === 'UNAUTHORIZED' || res.status === 401) refuse();
      throw err;
    },
    async switchToken(candidate: string) {
      const ok = await probe(candidate);
      if (ok === null) throw new ApiError('NETWORK', 'Cannot reach the Timbre server.');
      if (!ok) return false;
      token = candidate;
      refused = false;
      attempt = 0;
      socket?.close();
      socket = null;
      connect();
      return true;
    },
    on<E extends EventName>(event: E, listener: Listener<E>) {
      return hub.on(event, listener);
    },
    onConnection(listener) {
      connListeners.add(listener);
      return () => connListeners.delete(listener);
    },
    takeAudioUrl(takeId: string) {
      const u = new URL(`/api/media/takes/${encodeURIComponent(takeId)}.wav`, origin);
      u.searchParams.set('token', token);
      return u.toString();
    },
    stagingAudioUrl(stagingId: string) {
      const u = new URL(`/api/media/staging/${encodeURIComponent(stagingId)}.wav`, origin);
      u.searchParams.set('token', token);
      return u.toString();
    },
    async stageFile(file: UploadableFile, onProgress?: UploadProgress): Promise<StagedAudio> {
      return (await upload(file, 'audio', onProgress)) as StagedAudio;
    },
    async uploadVoiceFile(file: UploadableFile) {
      return (await upload(file, 'voice-file')) as { uploadId: string };
    },
    dubMediaUrl(projectId: string, what: 'source' | 'dub', revision?: number) {
      const u = new URL(`/api/media/dub/${encodeURIComponent(projectId)}/${what}`, origin);
      u.searchParams.set('token', token);
      if (revision !== undefined) u.searchParams.set('rev', String(revision));
      return u.toString();
    },
    musicBedUrl(projectId: string, revision?: string) {
      const u = new URL(`/api/media/music/${encodeURIComponent(projectId)}.wav`, origin);
      u.searchParams.set('token', token);
      if (revision !== undefined) u.searchParams.set('rev', revision);
      return u.toString();
    },
    async uploadDubMedia(file: UploadableFile, onProgress?: UploadProgress) {
      return (await upload(file, 'dub-media', onProgress)) as { uploadId: string };
    },
    exportFileUrl(exportId: string, index: number) {
      const u = new URL(`/api/media/exports/${encodeURIComponent(exportId)}/${index}`, origin);
      u.searchParams.set('token', token);
      return u.toString();
    },
  };
}
