import type { Migration } from './types.js';

/** Engine knobs (speed, temperature, flow steps, EOS threshold, seed) per project and per line, as JSON. */
export const migration0003: Migration = {
  version: 3,
  name: 'synthesis-options',
  up(db) {
    db.exec(`
      ALTER TABLE projects ADD COLUMN options TEXT NOT NULL DEFAULT '{}';
      ALTER TABLE lines ADD COLUMN options TEXT NOT NULL DEFAULT '{}';
    `);
  },
};
