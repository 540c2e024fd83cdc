import type { Migration } from './types.js';

/**
 * Auto-retake (docs/speech.md): a project setting (how many retakes a take QC flags gets, 0 = off), the seed a retake
 * job must use (null for ordinary jobs), and each line's latest run of retakes (its tries, what was kept and why).
 * Numbered 0055: 0030–0049 belong to other branches, 0050 may too.
 */
export const migration0055: Migration = {
  version: 55,
  name: 'auto-retake',
  up(db) {
    db.exec(`
      ALTER TABLE projects ADD COLUMN auto_retake INTEGER NOT NULL DEFAULT 0 CHECK (auto_retake BETWEEN 0 AND 5);
      ALTER TABLE jobs ADD COLUMN retake_seed INTEGER;
      CREATE TABLE line_retakes (
        line_id         TEXT PRIMARY KEY REFERENCES lines(id) ON DELETE CASCADE,
        project_id      TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        state           TEXT NOT NULL CHECK (state IN ('retrying', 'done', 'stopped')),
        attempt         INTEGER NOT NULL CHECK (attempt BETWEEN 1 AND 5),
        max_retakes     INTEGER NOT NULL CHECK (max_retakes BETWEEN 1 AND 5),
        take_ids        TEXT NOT NULL,
        chosen_take_id  TEXT,
        auto_take_id    TEXT,
        pending_job_id  TEXT,
        line_text       TEXT NOT NULL,
        base_seed       INTEGER NOT NULL,
        outcome         TEXT CHECK (outcome IN ('passed', 'best', 'user', 'failed', 'changed')),
        message         TEXT NOT NULL,
        updated_at      TEXT NOT NULL
      );
      CREATE INDEX line_retakes_project ON line_retakes(project_id);
    `);
  },
};
