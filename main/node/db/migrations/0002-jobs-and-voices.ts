import type { Migration } from './types.js';

/** Jobs are persisted so that a crash mid-generation is visible after restart; voices get their own table. */
export const migration0002: Migration = {
  version: 2,
  name: 'jobs-and-voices',
  up(db) {
    db.exec(`
      CREATE TABLE jobs (
        id          TEXT PRIMARY KEY,
        kind        TEXT NOT NULL,
        project_id  TEXT REFERENCES projects(id) ON DELETE CASCADE,
        line_id     TEXT REFERENCES lines(id) ON DELETE CASCADE,
        status      TEXT NOT NULL,
        progress    REAL NOT NULL DEFAULT 0,
        take_id     TEXT,
        error       TEXT,
        created_at  TEXT NOT NULL,
        updated_at  TEXT NOT NULL
      );
      CREATE INDEX jobs_status ON jobs(status);
      CREATE TABLE voices (
        id          TEXT PRIMARY KEY,
        name        TEXT NOT NULL,
        engine_id   TEXT NOT NULL,
        language    TEXT NOT NULL DEFAULT 'en',
        meta        TEXT NOT NULL DEFAULT '{}',
        created_at  TEXT NOT NULL,
        updated_at  TEXT NOT NULL
      );
      -- A take's line position is not enough to order history: keep the take's settings with it.
      ALTER TABLE takes ADD COLUMN settings TEXT NOT NULL DEFAULT '{}';
    `);
  },
};
