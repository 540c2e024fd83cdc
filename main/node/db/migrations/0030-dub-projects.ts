import type { Migration } from './types.js';

/**
 * Dubbing projects (issue #11, docs/dubbing.md): the media (read only, never modified), its probe, the settings,
 * the segments (cue times, speaker, source and target text, lock, the current take and its fit) and the voice of
 * each speaker. `generation` is what the project's generate-all was doing: 'running' at start-up means it was
 * interrupted (crash or quit) and is resumed.
 */
export const migration0030: Migration = {
  version: 30,
  name: 'dub-projects',
  up(db) {
    db.exec(`
      CREATE TABLE dub_projects (
        id            TEXT PRIMARY KEY,
        name          TEXT NOT NULL,
        media_path    TEXT NOT NULL,
        media_name    TEXT NOT NULL,
        media_upload  INTEGER NOT NULL DEFAULT 0,
        probe         TEXT NOT NULL,
        settings      TEXT NOT NULL,
        generation    TEXT NOT NULL DEFAULT 'idle',
        generation_error TEXT,
        revision      INTEGER NOT NULL DEFAULT 0,
        last_export   TEXT,
        warnings      TEXT NOT NULL DEFAULT '[]',
        created_at    TEXT NOT NULL,
        updated_at    TEXT NOT NULL
      );
      CREATE TABLE dub_segments (
        id           TEXT PRIMARY KEY,
        project_id   TEXT NOT NULL REFERENCES dub_projects(id) ON DELETE CASCADE,
        start_s      REAL NOT NULL,
        end_s        REAL NOT NULL,
        speaker      TEXT,
        source_text  TEXT NOT NULL DEFAULT '',
        text         TEXT NOT NULL,
        locked       INTEGER NOT NULL DEFAULT 0,
        take_file    TEXT,
        take_key     TEXT,
        fit          TEXT,
        CHECK (end_s > start_s)
      );
      CREATE INDEX dub_segments_project ON dub_segments (project_id, start_s);
      CREATE TABLE dub_speakers (
        project_id  TEXT NOT NULL REFERENCES dub_projects(id) ON DELETE CASCADE,
        name        TEXT NOT NULL COLLATE NOCASE,
        voice_id    TEXT,
        PRIMARY KEY (project_id, name)
      );
    `);
  },
};
