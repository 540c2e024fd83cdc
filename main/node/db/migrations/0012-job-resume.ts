import type { Migration } from './types.js';

/**
 * Resuming interrupted generation (crash or quit): each job keeps the line text it was queued for, so a resume can
 * skip a line whose text changed since (and say so) instead of speaking a text the user did not ask for.
 * Numbered 0012 to leave room for migrations of branches developed in parallel.
 */
export const migration0012: Migration = {
  version: 12,
  name: 'job-resume',
  up(db) {
    db.exec(`
      ALTER TABLE jobs ADD COLUMN line_text TEXT;
    `);
  },
};
