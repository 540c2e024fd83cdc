import type { Migration } from './types.js';

export const migration0001: Migration = {
  version: 1,
  name: 'initial',
  up(db) {
    db.exec(`
      CREATE TABLE projects (
        id          TEXT PRIMARY KEY,
        name        TEXT NOT NULL,
        voice_id    TEXT,
        created_at  TEXT NOT NULL,
        updated_at  TEXT NOT NULL
      );
      CREATE TABLE lines (
        id              TEXT PRIMARY KEY,
        project_id      TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        position        INTEGER NOT NULL,
        text            TEXT NOT NULL DEFAULT '',
        voice_id        TEXT,
        active_take_id  TEXT,
        updated_at      TEXT NOT NULL
      );
      CREATE INDEX lines_project ON lines(project_id, position);
      CREATE TABLE takes (
        id           TEXT PRIMARY KEY,
        line_id      TEXT NOT NULL REFERENCES lines(id) ON DELETE CASCADE,
        project_id   TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        file         TEXT NOT NULL,
        engine_id    TEXT NOT NULL,
        voice_id     TEXT NOT NULL,
        text         TEXT NOT NULL,
        sample_rate  INTEGER NOT NULL,
        duration_ms  REAL NOT NULL,
        created_at   TEXT NOT NULL
      );
      CREATE INDEX takes_line ON takes(line_id, created_at);
      CREATE TABLE settings (
        key    TEXT PRIMARY KEY,
        value  TEXT NOT NULL
      );
    `);
  },
};
