/**
 * API keys (issue #12): for scripts that outlive a launch, created in Settings (or `timbre api-keys`), shown once,
 * stored as a SHA-256 hash only, revocable, scoped (`speech` or `full`). Every call made with a key is logged.
 * Comparison is by hash lookup (the hash of a 256-bit random key reveals nothing and cannot be guessed), so there is
 * no timing side channel on the key's bytes.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { ApiKey, ApiKeyScope, ApiLogEntry } from '../../../preload/contract/index.js';
import { ApiError } from '../../../native-models/common/errors.js';
import type { Db } from '../db/database.js';
import { newId } from '../ids.js';
import { noLedger, type LedgerSink } from '../privacy/ledger.js';

const KEY_PREFIX = 'tmb_';
/** Log rows kept (the oldest are removed as new ones arrive). */
export const API_LOG_KEEP = 10_000;

interface KeyRow {
  id: string;
  name: string;
  prefix: string;
  hash: string;
  scope: ApiKeyScope;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

const hashOf = (key: string) => createHash('sha256').update(key).digest('hex');

const toApi = (r: KeyRow): ApiKey => ({
  id: r.id,
  name: r.name,
  prefix: r.prefix,
  scope: r.scope,
  createdAt: r.created_at,
  lastUsedAt: r.last_used_at,
  revokedAt: r.revoked_at,
});

/** Paths a `speech` key may call. */
export function scopeAllows(scope: ApiKeyScope, pathname: string): boolean {
  if (scope === 'full') return pathname.startsWith('/v1/');
  return pathname === '/v1/audio/speech' || pathname === '/v1/models' || pathname === '/v1/audio/voices';
}

export class ApiKeys {
  private logCount = 0;

  constructor(
    private readonly db: Db,
    private readonly ledger: LedgerSink = noLedger,
  ) {}

  list(): ApiKey[] {
    return (this.db.prepare('SELECT * FROM api_keys ORDER BY created_at DESC, rowid DESC').all() as KeyRow[]).map(
      toApi,
    );
  }

  create(name: string, scope: ApiKeyScope): { key: string; apiKey: ApiKey } {
    const key = `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
    const row: KeyRow = {
      id: newId('key'),
      name,
      prefix: `${key.slice(0, KEY_PREFIX.length + 6)}…`,
      hash: hashOf(key),
      scope,
      created_at: new Date().toISOString(),
      last_used_at: null,
      revoked_at: null,
    };
    this.db
      .prepare(
        'INSERT INTO api_keys (id, name, prefix, hash, scope, created_at) VALUES (@id, @name, @prefix, @hash, @scope, @created_at)',
      )
      .run(row);
    return { key, apiKey: toApi(row) };
  }

  revoke(id: string): ApiKey {
    const now = new Date().toISOString();
    const r = this.db.prepare('UPDATE api_keys SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?').run(now, id);
    if (r.changes === 0) throw new ApiError('NOT_FOUND', `No API key ${id}`);
    return toApi(this.db.prepare('SELECT * FROM api_keys WHERE id = ?').get(id) as KeyRow);
  }

  /** The live key a bearer token is, or null (unknown, revoked, or not shaped like a key). */
  verify(token: string): ApiKey | null {
    if (!token.startsWith(KEY_PREFIX) || token.length > 200) return null;
    const row = this.db.prepare('SELECT * FROM api_keys WHERE hash = ?').get(hashOf(token)) as KeyRow | undefined;
    if (!row || row.revoked_at) return null;
    return toApi(row);
  }

  /** Record a call made with a key (and the key's last use). */
  record(e: Omit<ApiLogEntry, 'id'>): void {
    this.db.transaction(() => {
      this.db
        .prepare(
          'INSERT INTO api_log (at, key_id, key_name, method, path, status, ms, remote) VALUES (@at, @keyId, @keyName, @method, @path, @status, @ms, @remote)',
        )
        .run(e);
      this.db.prepare('UPDATE api_keys SET last_used_at = ? WHERE id = ?').run(e.at, e.keyId);
      // Trim now and then, not on every call.
      if (++this.logCount % 100 === 0)
        this.db.prepare('DELETE FROM api_log WHERE id <= (SELECT max(id) FROM api_log) - ?').run(API_LOG_KEEP);
    })();
    // The privacy ledger keeps every call made with a key (the api_log above keeps the newest 10,000 only).
    this.ledger.record('api.call', { keyId: e.keyId, method: e.method, path: e.path, status: e.status });
  }

  log(limit: number, beforeId?: number): ApiLogEntry[] {
    const rows = this.db
      .prepare(
        `SELECT id, at, key_id AS keyId, key_name AS keyName, method, path, status, ms, remote FROM api_log
         ${beforeId !== undefined ? 'WHERE id < @beforeId' : ''} ORDER BY id DESC LIMIT @limit`,
      )
      .all({ limit, beforeId }) as ApiLogEntry[];
    return rows;
  }
}
