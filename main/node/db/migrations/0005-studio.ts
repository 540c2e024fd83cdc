import type { Migration } from './types.js';

/**
 * Studio: speakers, locks and chapters on lines; what each take was made from (for staleness); the project's
 * speakers → voices map, pronunciation dictionary, gap and music bed; batches of jobs; a trash for deleted lines
 * (undo brings them back with their takes); exports.
 */
export const migration0005: Migration = {
  version: 5,
  name: 'studio',
  up(db) {
    db.exec(`
      ALTER TABLE lines ADD COLUMN speaker TEXT;
      ALTER TABLE lines ADD COLUMN locked INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE lines ADD COLUMN chapter TEXT;
      ALTER TABLE takes ADD COLUMN spoken_text TEXT;
      ALTER TABLE takes ADD COLUMN made_from TEXT;
      ALTER TABLE projects ADD COLUMN speakers TEXT NOT NULL DEFAULT '[]';
      ALTER TABLE projects ADD COLUMN dictionary TEXT NOT NULL DEFAULT '[]';
      ALTER TABLE projects ADD COLUMN gap_ms INTEGER NOT NULL DEFAULT 400;
      ALTER TABLE projects ADD COLUMN music_bed TEXT;
      ALTER TABLE jobs ADD COLUMN batch_id TEXT;
      CREATE INDEX jobs_batch ON jobs(batch_id);
      -- Deleting a line cascades to its jobs: without this index each delete scans every job.
      CREATE INDEX jobs_line ON jobs(line_id);
      CREATE TABLE line_trash (
        line_id     TEXT PRIMARY KEY,
        project_id  TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        position    INTEGER NOT NULL,
        line        TEXT NOT NULL,
        takes       TEXT NOT NULL,
        deleted_at  TEXT NOT NULL
      );
      CREATE INDEX line_trash_project ON line_trash(project_id);
      CREATE TABLE exports (
        id          TEXT PRIMARY KEY,
        project_id  TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        data        TEXT NOT NULL,
        created_at  TEXT NOT NULL
      );
    `);
  },
};
