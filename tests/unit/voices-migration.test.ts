/** Migration 0004: consent records move from voices.meta into voice_consents, and go with their voice. */
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { openDatabase } from '../../main/node/db/database.js';
import { migrations } from '../../main/node/db/migrations/index.js';
import { tempDir } from '../helpers/tmp.js';

describe('migration 0004-voice-consent', () => {
  it('moves existing attestations into voice_consents; deleting the voice deletes the record', () => {
    const { dir, cleanup } = tempDir();
    try {
      const file = path.join(dir, 'timbre.sqlite');
      const old = openDatabase(file, { migrations: migrations.filter((m) => m.version <= 3) });
      const consent = {
        status: 'attested',
        method: 'attestation',
        name: 'Old Operator',
        purpose: 'Podcast intro',
        at: '2026-01-02T03:04:05.000Z',
        audioSha256: 'a'.repeat(64),
      };
      const insert = old.prepare(
        "INSERT INTO voices (id, name, engine_id, language, meta, created_at, updated_at) VALUES (?, ?, 'library', 'en', ?, 't', 't')",
      );
      insert.run('voice_a', 'A', JSON.stringify({ tags: [], samples: [], consent, conditioning: {} }));
      insert.run('voice_b', 'B', JSON.stringify({ tags: [], samples: [], consent: null, conditioning: {} }));
      old.close();

      const db = openDatabase(file);
      const rows = db.prepare('SELECT * FROM voice_consents').all();
      expect(rows).toEqual([
        {
          voice_id: 'voice_a',
          status: 'attested',
          method: 'attestation',
          name: 'Old Operator',
          purpose: 'Podcast intro',
          statement: null,
          words: null,
          audio_sha256: 'a'.repeat(64),
          statement_audio_sha256: null,
          statement_file: null,
          checks: '[]',
          created_at: '2026-01-02T03:04:05.000Z',
        },
      ]);
      expect(() =>
        db
          .prepare(
            "INSERT INTO voice_consents (voice_id, status, method, name, purpose, audio_sha256, created_at) VALUES ('voice_b', 'maybe', 'attestation', 'x', 'y', 'z', 't')",
          )
          .run(),
      ).toThrow(/CHECK constraint/);
      db.prepare("DELETE FROM voices WHERE id = 'voice_a'").run();
      expect(db.prepare('SELECT COUNT(*) AS n FROM voice_consents').get()).toEqual({ n: 0 });
      db.close();
    } finally {
      cleanup();
    }
  });
});
