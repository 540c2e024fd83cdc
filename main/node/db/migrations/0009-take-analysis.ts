import type { Migration } from './types.js';

/**
 * Per-take analysis (native-models/dsp/take-analysis.ts): loudness statistics, peaks and waveform peaks, computed
 * once when the take is made (or lazily, the first time an older take is used) and removed with the take.
 */
export const migration0009: Migration = {
  version: 9,
  name: 'take-analysis',
  up(db) {
    db.exec(`
      CREATE TABLE take_analysis (
        take_id  TEXT PRIMARY KEY REFERENCES takes(id) ON DELETE CASCADE,
        data     BLOB NOT NULL
      );
    `);
  },
};
