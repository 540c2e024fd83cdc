import type { Migration } from './types.js';

/**
 * Take QC (native-models/speech/qc.ts): each take's alignment to its text and what was found in it, stored as JSON
 * when QC ran (after generation, or when a project's QC is asked for) and removed with the take.
 */
export const migration0021: Migration = {
  version: 21,
  name: 'take-qc',
  up(db) {
    db.exec(`
      CREATE TABLE take_qc (
        take_id  TEXT PRIMARY KEY REFERENCES takes(id) ON DELETE CASCADE,
        status   TEXT NOT NULL CHECK (status IN ('ok', 'flagged', 'unchecked')),
        data     TEXT NOT NULL
      );
    `);
  },
};
