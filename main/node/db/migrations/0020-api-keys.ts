import type { Migration } from './types.js';

/**
 * API keys for scripts that outlive a launch (issue #12): only a SHA-256 of each key is stored (keys are 256 random
 * bits, so a fast hash is enough: there is nothing to guess), with its name, scope and use. Every call made with a
 * key is logged (time, key, endpoint, status) for the user to see; the log keeps the newest 10,000 calls.
 * Numbered 0020 to leave room for migrations of branches developed in parallel.
 */
export const migration0020: Migration = {
  version: 20,
  name: 'api-keys',
  up(db) {
    db.exec(`
      CREATE TABLE api_keys (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        prefix TEXT NOT NULL,
        hash TEXT NOT NULL UNIQUE,
        scope TEXT NOT NULL CHECK (scope IN ('speech', 'full')),
        created_at TEXT NOT NULL,
        last_used_at TEXT,
        revoked_at TEXT
      );
      CREATE TABLE api_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        key_id TEXT NOT NULL,
        key_name TEXT NOT NULL,
        method TEXT NOT NULL,
        path TEXT NOT NULL,
        status INTEGER NOT NULL,
        ms INTEGER NOT NULL,
        remote TEXT NOT NULL
      );
      CREATE INDEX api_log_at ON api_log (id DESC);
    `);
  },
};
