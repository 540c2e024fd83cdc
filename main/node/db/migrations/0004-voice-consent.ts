import type { Migration } from './types.js';

/**
 * Consent records get their own table (one per voice, erased with it): attestation or statement, the statement text
 * and verification words, the sha256 of the sample and of the statement recording, the encrypted statement audio's
 * file name and the per-check results. Existing voices' attestations move over from `voices.meta`.
 */
export const migration0004: Migration = {
  version: 4,
  name: 'voice-consent',
  up(db) {
    db.exec(`
      CREATE TABLE voice_consents (
        voice_id               TEXT PRIMARY KEY REFERENCES voices(id) ON DELETE CASCADE,
        status                 TEXT NOT NULL CHECK (status IN ('attested', 'verified', 'failed')),
        method                 TEXT NOT NULL CHECK (method IN ('attestation', 'statement')),
        name                   TEXT NOT NULL,
        purpose                TEXT NOT NULL,
        statement              TEXT,
        words                  TEXT,
        audio_sha256           TEXT NOT NULL,
        statement_audio_sha256 TEXT,
        statement_file         TEXT,
        checks                 TEXT NOT NULL DEFAULT '[]',
        created_at             TEXT NOT NULL
      );
      INSERT INTO voice_consents (voice_id, status, method, name, purpose, audio_sha256, created_at)
        SELECT id,
               json_extract(meta, '$.consent.status'),
               json_extract(meta, '$.consent.method'),
               json_extract(meta, '$.consent.name'),
               json_extract(meta, '$.consent.purpose'),
               json_extract(meta, '$.consent.audioSha256'),
               json_extract(meta, '$.consent.at')
          FROM voices
         WHERE json_extract(meta, '$.consent.status') IS NOT NULL;
    `);
  },
};
