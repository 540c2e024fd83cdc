/**
 * Erase everything (issue #13, docs/privacy.md): every file in the data folder, every row of the database, and the
 * keychain entry that held the data folder's key. The database is emptied in place with `secure_delete` on (deleted
 * content is overwritten with zeros), then VACUUMed and its write-ahead log checkpointed and truncated, so no line
 * text survives in its free pages or its -wal file. What is left: the empty database holding one ledger entry,
 * `data.erased`, with the counts (no content), so the user can see that it happened.
 */
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { EraseReport } from '../../../preload/contract/index.js';
import type { Db } from '../db/database.js';
import { VAULT_FILE } from '../vault/vault.js';
import { KEYCHAIN_SERVICE, keychainAccount } from '../vault/key-sources.js';
import { walk, WalkBudget } from './holdings.js';
import type { Clock, LedgerSink } from './ledger.js';

const DB_FILES = new Set(['timbre.sqlite', 'timbre.sqlite-wal', 'timbre.sqlite-shm']);
/** Folders the core makes again, empty, after an erase (not counted as left over). */
export const STANDARD_DIRS = ['takes', 'models', 'voices', 'staging'];

export interface KeychainEntry {
  service: string;
  account: string;
}

/** The keychain entry this data folder's vault uses (from vault.json), or the one it would use. */
export function keychainEntries(root: string): KeychainEntry[] {
  const file = path.join(root, VAULT_FILE);
  if (!existsSync(file)) return [];
  try {
    const c = JSON.parse(readFileSync(file, 'utf8')) as { keySource?: string; keychain?: KeychainEntry };
    if (c.keySource !== 'keychain') return [];
    if (c.keychain && typeof c.keychain.service === 'string' && typeof c.keychain.account === 'string')
      return [{ service: c.keychain.service, account: c.keychain.account }];
    return [{ service: KEYCHAIN_SERVICE, account: keychainAccount(root) }];
  } catch {
    return [];
  }
}

export type DeletePassword = (service: string, account: string) => Promise<boolean>;

/** keytar's deletePassword, loaded on use (the keychain may be absent: then the entry is reported not removed). */
export const keytarDelete: DeletePassword = async (service, account) => {
  const mod = (await import('keytar')) as unknown as {
    default?: { deletePassword: DeletePassword };
    deletePassword: DeletePassword;
  };
  return (mod.default ?? mod).deletePassword(service, account);
};

export interface EraseDeps {
  db: Db;
  root: string;
  clock: Clock;
  ledger: LedgerSink;
  deletePassword?: DeletePassword;
}

/** Tables never emptied: the schema's own bookkeeping. */
const KEEP_TABLES = new Set(['schema_migrations', 'sqlite_sequence']);

export async function eraseEverything(deps: EraseDeps): Promise<EraseReport> {
  const { db, root } = deps;
  // 1. The keychain entry (read from vault.json before the file goes).
  const keychain: EraseReport['keychain'] = [];
  for (const k of keychainEntries(root)) {
    let removed = false;
    try {
      removed = await (deps.deletePassword ?? keytarDelete)(k.service, k.account);
    } catch {
      removed = false;
    }
    keychain.push({ ...k, removed });
  }

  // 2. Every file but the database.
  let filesRemoved = 0;
  let bytesRemoved = 0;
  for (const name of existsSync(root) ? readdirSync(root) : []) {
    if (DB_FILES.has(name)) continue;
    const abs = path.join(root, name);
    const w = walk(abs, new WalkBudget(Number.MAX_SAFE_INTEGER));
    try {
      rmSync(abs, { recursive: true, force: true });
    } catch {
      // A file another program holds open (Windows locks them): the erase goes on, and `left` names what stayed.
      const still = walk(abs, new WalkBudget(Number.MAX_SAFE_INTEGER));
      w.files -= still.files;
      w.bytes -= still.bytes;
    }
    filesRemoved += w.files;
    bytesRemoved += w.bytes;
  }

  // 3. Every row, overwritten as it is deleted; then the file rebuilt and its log emptied.
  const tables = (
    db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as {
      name: string;
    }[]
  )
    .map((r) => r.name)
    .filter((t) => !KEEP_TABLES.has(t) && t !== 'privacy_ledger_erase');
  const rows: Record<string, number> = {};
  db.pragma('secure_delete = ON');
  const fk = db.pragma('foreign_keys', { simple: true }) as number;
  db.pragma('foreign_keys = OFF');
  try {
    db.transaction(() => {
      // The ledger's triggers let its rows go only while this erase has armed them, inside this transaction.
      db.prepare('INSERT INTO privacy_ledger_erase (armed) VALUES (1)').run();
      for (const t of tables) rows[t] = db.prepare(`DELETE FROM "${t}"`).run().changes;
      db.prepare('DELETE FROM privacy_ledger_erase').run();
      db.prepare("DELETE FROM sqlite_sequence WHERE name != 'privacy_ledger'").run();
    })();
  } finally {
    db.pragma(`foreign_keys = ${fk ? 'ON' : 'OFF'}`);
  }
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.exec('VACUUM');
  db.pragma('wal_checkpoint(TRUNCATE)');

  const at = new Date(deps.clock()).toISOString();
  deps.ledger.record('data.erased', {
    files: filesRemoved,
    bytes: bytesRemoved,
    rows: Object.values(rows).reduce((a, b) => a + b, 0),
    keychainEntries: keychain.filter((k) => k.removed).length,
  });
  db.pragma('wal_checkpoint(TRUNCATE)');
  const left = readdirSync(root).filter((n) => !STANDARD_DIRS.includes(n));
  return { at, filesRemoved, bytesRemoved, rows, keychain, left };
}
