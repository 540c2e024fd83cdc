import type { Migration } from './types.js';

/**
 * The privacy ledger (issue #13): an append-only, user-visible log of processing events without content
 * (docs/privacy.md). Triggers refuse every UPDATE, and every DELETE unless an erase of everything has armed
 * `privacy_ledger_erase` inside its own transaction (main/node/privacy/erase.ts): a bug elsewhere cannot rewrite or
 * trim the ledger. (Anyone who can write the database file can of course change it; the ledger is a record for the
 * user, not a tamper-proof audit log.)
 */
export const migration0040: Migration = {
  version: 40,
  name: 'privacy-ledger',
  up(db) {
    db.exec(`
      CREATE TABLE privacy_ledger (
        id      INTEGER PRIMARY KEY AUTOINCREMENT,
        at      TEXT NOT NULL,
        kind    TEXT NOT NULL,
        detail  TEXT NOT NULL DEFAULT '{}'
      );
      CREATE INDEX privacy_ledger_kind ON privacy_ledger (kind, id);
      CREATE TABLE privacy_ledger_erase (armed INTEGER NOT NULL);
      CREATE TRIGGER privacy_ledger_no_update BEFORE UPDATE ON privacy_ledger
      BEGIN
        SELECT RAISE(ABORT, 'The privacy ledger is append-only: its entries cannot be changed');
      END;
      CREATE TRIGGER privacy_ledger_no_delete BEFORE DELETE ON privacy_ledger
        WHEN NOT EXISTS (SELECT 1 FROM privacy_ledger_erase)
      BEGIN
        SELECT RAISE(ABORT, 'The privacy ledger is append-only: entries go only when everything is erased');
      END;
    `);
  },
};
