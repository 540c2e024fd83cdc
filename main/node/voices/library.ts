/**
 * The voice library: voices cloned from recordings, kept encrypted at rest.
 *
 * Layout: `<dataDir>/voices/<voiceId>/sample-<n>.enc` (16-bit WAV of the reference, mono) and `conditioning.enc`
 * (the cloning engine's voice conditioning), both AES-256-GCM through the vault, bound to their logical names.
 * The DB row (`voices`) holds name, language and a JSON `meta` with samples, consent and engines. Deleting a voice
 * erases its folder and row.
 */
import { createHash } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Consent, LibraryVoice } from '../../../preload/contract.js';
import { ApiError, notFound } from '../../common/errors.js';
import { decodeAudioFile } from '../audio/decode.js';
import { encodeWav } from '../audio/wav.js';
import { writeFileAtomic } from '../atomic-fs.js';
import type { Db } from '../db/database.js';
import { newId, nowIso } from '../ids.js';
import type { WorkerHost } from '../jobs/worker-host.js';
import { Vault, VaultError, keychainKeySource, passphraseKeySource, readVaultConfig } from '../vault/index.js';

interface VoiceMeta {
  tags: string[];
  samples: { id: string; seconds: number; sampleRate: number; file: string }[];
  consent: Consent | null;
  /** Engine id → conditioning file (relative to the voice folder). */
  conditioning: Record<string, string>;
}

interface VoiceRow {
  id: string;
  name: string;
  engine_id: string;
  language: string;
  meta: string;
  created_at: string;
}

/** Engines that can clone, in order of preference. */
const CLONING_ENGINES = ['pocket-tts'];
const MIN_SECONDS = 3;

export const LIBRARY_ENGINE = 'library';

export class VoiceLibrary {
  private vault: Vault | null = null;

  constructor(
    private readonly db: Db,
    private readonly dataDir: string,
    private readonly voicesDir: string,
    private readonly engines: WorkerHost,
  ) {}

  /** The vault (keychain key, or the passphrase given to unlock); throws VAULT_LOCKED. */
  async openVault(): Promise<Vault> {
    if (this.vault) return this.vault;
    const config = await readVaultConfig(this.dataDir);
    if (config?.keySource === 'passphrase')
      throw new ApiError('VAULT_LOCKED', 'Voice data is protected by a passphrase: unlock it to continue.');
    try {
      this.vault = await Vault.open({ dataDir: this.dataDir, keySource: keychainKeySource() });
    } catch (err) {
      if (err instanceof VaultError && err.code === 'KEYCHAIN_UNAVAILABLE')
        throw new ApiError(
          'VAULT_LOCKED',
          `${err.message} Voice recordings are never stored unencrypted: set a passphrase to protect them instead.`,
        );
      throw err;
    }
    return this.vault;
  }

  /** Use a passphrase-derived key (no keychain here, or the user chose it). */
  async unlock(passphrase: string): Promise<void> {
    try {
      const vault = await Vault.open({ dataDir: this.dataDir, keySource: passphraseKeySource(passphrase) });
      this.vault?.close();
      this.vault = vault;
    } catch (err) {
      if (err instanceof VaultError) throw new ApiError('VAULT_LOCKED', err.message, { vaultError: err.code });
      throw err;
    }
  }

  private row(id: string): VoiceRow {
    const row = this.db.prepare('SELECT * FROM voices WHERE id = ?').get(id) as VoiceRow | undefined;
    if (!row) throw notFound('Voice', id);
    return row;
  }

  private toApi(r: VoiceRow): LibraryVoice {
    const meta = JSON.parse(r.meta) as VoiceMeta;
    return {
      id: r.id,
      name: r.name,
      language: r.language,
      tags: meta.tags ?? [],
      samples: (meta.samples ?? []).map(({ id, seconds, sampleRate }) => ({ id, seconds, sampleRate })),
      consent: meta.consent ?? null,
      engines: Object.keys(meta.conditioning ?? {}),
      previewAvailable: Object.keys(meta.conditioning ?? {}).length > 0,
      voiceId: `${LIBRARY_ENGINE}:${r.id}`,
      createdAt: r.created_at,
    };
  }

  list(): LibraryVoice[] {
    return (this.db.prepare('SELECT * FROM voices ORDER BY created_at DESC, rowid DESC').all() as VoiceRow[]).map((r) =>
      this.toApi(r),
    );
  }

  get(id: string): LibraryVoice {
    return this.toApi(this.row(id));
  }

  async import(req: {
    name: string;
    path: string;
    language: string;
    tags: string[];
    attest: { name: string; purpose: string };
  }): Promise<LibraryVoice> {
    const vault = await this.openVault();
    const audio = await decodeAudioFile(req.path);
    const seconds = audio.samples.length / audio.sampleRate;
    if (seconds < MIN_SECONDS)
      throw new ApiError(
        'INVALID_INPUT',
        `The recording is ${seconds.toFixed(1)} s long: a voice needs at least ${MIN_SECONDS} s of speech.`,
      );
    let peak = 0;
    let energy = 0;
    for (const v of audio.samples) {
      const a = Math.abs(v);
      if (a > peak) peak = a;
      energy += v * v;
    }
    if (peak < 1e-3 || Math.sqrt(energy / audio.samples.length) < 1e-4)
      throw new ApiError('INVALID_INPUT', 'The recording is silent: check the microphone or pick another file.');

    const id = newId('voice');
    const dir = path.join(this.voicesDir, id);
    const wav = encodeWav(audio.samples, audio.sampleRate);
    const sampleId = newId('smp');
    const sampleFile = 'sample-1.enc';
    const meta: VoiceMeta = {
      tags: req.tags,
      samples: [{ id: sampleId, seconds, sampleRate: audio.sampleRate, file: sampleFile }],
      consent: {
        status: 'attested',
        method: 'attestation',
        name: req.attest.name,
        purpose: req.attest.purpose,
        at: nowIso(),
        audioSha256: createHash('sha256').update(wav).digest('hex'),
      },
      conditioning: {},
    };
    try {
      await vault.encryptToFile(path.join(dir, sampleFile), wav, `voices/${id}/${sampleFile}`);
      // Clone once with every installed cloning engine, so later generations start immediately.
      const available = new Set((await this.engines.listEngines()).filter((e) => e.available).map((e) => e.id));
      for (const engineId of CLONING_ENGINES.filter((e) => available.has(e))) {
        const cond = await this.engines.cloneVoice(engineId, audio.samples, audio.sampleRate);
        const file = `conditioning-${engineId}.enc`;
        await vault.encryptToFile(path.join(dir, file), cond, `voices/${id}/${file}`);
        meta.conditioning[engineId] = file;
      }
      const t = nowIso();
      this.db
        .prepare(
          'INSERT INTO voices (id, name, engine_id, language, meta, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
        )
        .run(id, req.name, LIBRARY_ENGINE, req.language, JSON.stringify(meta), t, t);
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
    return this.get(id);
  }

  rename(id: string, name: string): LibraryVoice {
    this.row(id);
    this.db.prepare('UPDATE voices SET name = ?, updated_at = ? WHERE id = ?').run(name, nowIso(), id);
    return this.get(id);
  }

  /** Erase the voice's files and row; optionally the takes made with it. Returns the take files to remove. */
  delete(id: string, deleteTakes: boolean): { takeFiles: string[] } {
    this.row(id);
    const voiceId = `${LIBRARY_ENGINE}:${id}`;
    const takeFiles = this.db.transaction(() => {
      let files: string[] = [];
      if (deleteTakes) {
        files = (this.db.prepare('SELECT file FROM takes WHERE voice_id = ?').all(voiceId) as { file: string }[]).map(
          (r) => r.file,
        );
        this.db
          .prepare(
            'UPDATE lines SET active_take_id = NULL WHERE active_take_id IN (SELECT id FROM takes WHERE voice_id = ?)',
          )
          .run(voiceId);
        this.db.prepare('DELETE FROM takes WHERE voice_id = ?').run(voiceId);
      }
      // Lines and projects that used the voice fall back to the project/default voice.
      this.db.prepare('UPDATE lines SET voice_id = NULL WHERE voice_id = ?').run(voiceId);
      this.db.prepare('UPDATE projects SET voice_id = NULL WHERE voice_id = ?').run(voiceId);
      this.db.prepare('DELETE FROM voices WHERE id = ?').run(id);
      return files;
    })();
    rmSync(path.join(this.voicesDir, id), { recursive: true, force: true });
    if (existsSync(path.join(this.voicesDir, id)))
      throw new ApiError('INTERNAL', `Could not erase the files of voice ${id}`);
    return { takeFiles };
  }

  /** What the synthesis worker needs to speak with a library voice: a cloning engine and its conditioning. */
  async resolve(id: string): Promise<{ engineId: string; conditioning: string }> {
    const row = this.row(id);
    const meta = JSON.parse(row.meta) as VoiceMeta;
    const engineId = CLONING_ENGINES.find((e) => meta.conditioning?.[e]);
    if (!engineId)
      throw new ApiError(
        'ENGINE_UNAVAILABLE',
        `Voice "${row.name}" has no cloning data: install a cloning model pack (timbre models download pocket-tts) and add the voice again.`,
      );
    const vault = await this.openVault();
    const file = meta.conditioning[engineId];
    const bytes = await vault.decryptFile(path.join(this.voicesDir, id, file), `voices/${id}/${file}`);
    return { engineId, conditioning: Buffer.from(bytes).toString('base64') };
  }

  /** Keep an uploaded `.timbrevoice` file (already encrypted with its passphrase) until library.importFile. */
  async keepUpload(dir: string, bytes: Buffer): Promise<string> {
    const id = newId('upl');
    await writeFileAtomic(path.join(dir, `${id}.upload`), bytes);
    return id;
  }

  close(): void {
    this.vault?.close();
    this.vault = null;
  }
}
