/**
 * A cache of onnxruntime sessions keyed by model file + session options. Loading a graph costs tens to hundreds of
 * milliseconds and its weights stay in memory, so engines share sessions while they are in use and the cache releases
 * them after they have been idle for `idleMs`. Used inside worker threads; plain Node.
 */
import path from 'node:path';
import { createSessionWithFallback, type SessionOptions, type SessionWithProvider, type ort } from './session.js';

export interface SessionLease {
  session: ort.InferenceSession;
  provider: string;
  notice?: string;
  /** Give the session back; it is released once no lease holds it and it has been idle for the cache's idleMs. */
  release(): void;
}

export interface SessionCacheOptions {
  /** Release a session this long after its last lease ended (default 5 minutes). */
  idleMs?: number;
  /** Injectable for tests. */
  create?: (file: string, opts: SessionOptions) => Promise<SessionWithProvider>;
}

interface Entry {
  key: string;
  pending: Promise<SessionWithProvider>;
  value?: SessionWithProvider;
  leases: number;
  timer?: NodeJS.Timeout;
}

export function sessionKey(file: string, opts: SessionOptions = {}): string {
  return JSON.stringify([
    path.resolve(file),
    opts.executionProviders ?? ['cpu'],
    opts.intraOpThreads ?? 0,
    opts.interOpThreads ?? 0,
  ]);
}

export class SessionCache {
  private readonly entries = new Map<string, Entry>();
  private readonly idleMs: number;
  private readonly create: (file: string, opts: SessionOptions) => Promise<SessionWithProvider>;
  private created = 0;
  private releasedCount = 0;

  constructor(options: SessionCacheOptions = {}) {
    this.idleMs = options.idleMs ?? 5 * 60_000;
    this.create = options.create ?? createSessionWithFallback;
  }

  /** Get a session for `file` with `opts`, reusing a cached one; call `release()` on the lease when done. */
  async acquire(file: string, opts: SessionOptions = {}): Promise<SessionLease> {
    const key = sessionKey(file, opts);
    let entry = this.entries.get(key);
    if (!entry) {
      const pending = this.create(file, opts);
      entry = { key, pending, leases: 0 };
      this.entries.set(key, entry);
      this.created++;
      const e = entry;
      pending.then(
        (v) => (e.value = v),
        () => {
          // A failed load is not cached: the next acquire tries again.
          if (this.entries.get(key) === e) this.entries.delete(key);
        },
      );
    }
    entry.leases++;
    if (entry.timer) {
      clearTimeout(entry.timer);
      entry.timer = undefined;
    }
    let value: SessionWithProvider;
    try {
      value = await entry.pending;
    } catch (err) {
      entry.leases--;
      throw err;
    }
    let released = false;
    const e = entry;
    return {
      session: value.session,
      provider: value.provider,
      notice: value.notice,
      release: () => {
        if (released) return;
        released = true;
        e.leases--;
        if (e.leases === 0 && this.entries.get(e.key) === e) this.scheduleRelease(e);
      },
    };
  }

  /** Run `fn` with a leased session and give it back afterwards. */
  async use<T>(file: string, opts: SessionOptions, fn: (lease: SessionLease) => Promise<T>): Promise<T> {
    const lease = await this.acquire(file, opts);
    try {
      return await fn(lease);
    } finally {
      lease.release();
    }
  }

  private scheduleRelease(e: Entry): void {
    e.timer = setTimeout(() => {
      if (e.leases > 0 || this.entries.get(e.key) !== e) return;
      this.entries.delete(e.key);
      void this.dispose(e);
    }, this.idleMs);
    // An idle session must not keep the worker (or a test) alive.
    e.timer.unref();
  }

  private async dispose(e: Entry): Promise<void> {
    this.releasedCount++;
    const v = e.value ?? (await e.pending.catch(() => undefined));
    await v?.session.release().catch(() => undefined);
  }

  /** Numbers for tests and diagnostics. */
  stats(): { cached: number; inUse: number; created: number; released: number } {
    let inUse = 0;
    for (const e of this.entries.values()) if (e.leases > 0) inUse++;
    return { cached: this.entries.size, inUse, created: this.created, released: this.releasedCount };
  }

  /** Release every session now (worker shutdown): leases still held must not be used afterwards. */
  async clear(): Promise<void> {
    const all = [...this.entries.values()];
    this.entries.clear();
    for (const e of all) if (e.timer) clearTimeout(e.timer);
    await Promise.all(all.map((e) => this.dispose(e)));
  }
}
