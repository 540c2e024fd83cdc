import Database from 'better-sqlite3';
import { migrations as allMigrations } from './migrations/index.js';
import type { Migration } from './migrations/types.js';
import { sqliteNativeBinding } from './native-binding.js';

export type Db = Database.Database;

/**
 * Open (and create) the project database: WAL journal, foreign keys on, synchronous=NORMAL (durable with WAL
 * across process crashes), and every pending migration applied in one transaction each.
 */
export function openDatabase(file: string, options: { migrations?: readonly Migration[] } = {}): Db {
  const nativeBinding = sqliteNativeBinding();
  const db = nativeBinding ? new Database(file, { nativeBinding }) : new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  migrate(db, options.migrations ?? allMigrations);
  return db;
}

export interface AppliedMigration {
  version: number;
  name: string;
  applied_at: string;
}

export function migrate(db: Db, list: readonly Migration[] = allMigrations): number[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`);
  const applied = new Set(
    (db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version),
  );
  const sorted = [...list].sort((a, b) => a.version - b.version);
  // Versions strictly increase; gaps are allowed (migrations written on parallel branches are numbered ahead).
  sorted.forEach((m, i) => {
    if (!Number.isInteger(m.version) || m.version < 1 || (i > 0 && m.version === sorted[i - 1].version))
      throw new Error(`Migration ${m.name} has version ${m.version}: versions must be distinct positive integers`);
  });
  const known = sorted.length ? sorted[sorted.length - 1].version : 0;
  const newest = Math.max(0, ...applied);
  if (newest > known)
    throw new Error(
      `This data folder was written by a newer Timbre (schema ${newest}, this build knows ${known}). ` +
        'Update Timbre to open it.',
    );
  const ran: number[] = [];
  for (const m of sorted) {
    if (applied.has(m.version)) continue;
    db.transaction(() => {
      m.up(db);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
        m.version,
        m.name,
        new Date().toISOString(),
      );
      db.pragma(`user_version = ${m.version}`);
    })();
    ran.push(m.version);
  }
  return ran;
}

export function appliedMigrations(db: Db): AppliedMigration[] {
  return db
    .prepare('SELECT version, name, applied_at FROM schema_migrations ORDER BY version')
    .all() as AppliedMigration[];
}
