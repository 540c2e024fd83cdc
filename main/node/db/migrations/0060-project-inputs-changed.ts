import type { Migration } from './types.js';

/**
 * When a project-wide input of generation last changed (project voice, a speaker's voice, the engine knobs, the
 * pronunciation dictionary). A failed generation older than this is no longer shown as the line's state: something
 * that could have fixed it changed since, and that must hold after a reload too (#15).
 */
export const migration0060: Migration = {
  version: 60,
  name: 'project-inputs-changed',
  up(db) {
    db.exec(`ALTER TABLE projects ADD COLUMN inputs_changed_at TEXT`);
  },
};
