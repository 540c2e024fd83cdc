/**
 * The voice library: voices cloned from recordings, kept encrypted at rest.
 *
 * Layout: `<dataDir>/voices/<voiceId>/sample-<n>.enc` (16-bit mono WAV of each reference sample),
 * `conditioning-<engine>.enc` (the cloning engine's voice conditioning, from the first sample) and `consent.enc` (the
 * consent statement recording, when consent was given that way), all AES-256-GCM through the vault, bound to their
 * logical names `voices/<voiceId>/<file>`. The DB row (`voices`) holds name, language and a JSON `meta` with samples,
 * tags and engines; the consent record is a row of `voice_consents` (migration 0004). Deleting a voice erases its
 * folder and rows. Export/import: voice-file.ts.
 */
import { createHash } from 'node:crypto';
import { existsSync, rmSync, statSync } from 'node:fs';
import { checkInputFile, checkOutputTarget } from '../../../native-models/common/safe-fs.js';
import path from 'node:path';
import type { Consent, ConsentCheck, LibraryVoice } from '../../../preload/contract/index.js';
import { ApiError, notFound } from '../../../native-models/common/errors.js';
import { decodeAudioFile } from '../audio/decode.js';
import { decodeWav, encodeWav } from '../../../native-models/audio/wav.js';
import { writeFileAtomic } from '../atomic-fs.js';
import {
  VOICE_FILE_EXTENSION,
  VOICE_FILE_MAX_BYTES,
  openVoiceFile,
  readVoiceFileFrom,
  sealVoiceFile,
} from './voice-file.js';
import type { Db } from '../db/database.js';
import { newId, nowIso } from '../ids.js';
import type { WorkerHost } from '../jobs/worker-host.js';
import { Vault, VaultError, keychainKeySource, passphraseKeySource, readVaultConfig } from '../vault/index.js';

interface SampleMeta {
  id: string;
  seconds: number;
  sampleRate: number;
  file: string;
  addedAt?: string;
  sha256?: string;
}

interface VoiceMeta {
  tags: string[];
  samples: SampleMeta[];
  /** Before migration 0004 the consent lived here; now in voice_consents. */
  consent?: Consent | null;
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
  updated_at: string;
}

/** Engines that can clone, in order of preference. */
const CLONING_ENGINES = ['pocket-tts'];
const MIN_SECONDS = 3;
const MAX_SAMPLES = 10;

export const LIBRARY_ENGINE = 'library';

const PREVIEW_TEXT: Record<string, string> = {
  en: 'Hello! This is a short preview of my voice, made on this computer with Timbre.',
  'zh-CN': '你好！这是我的声音预览，由 Timbre 在这台电脑上生成。',
};

/** A sample ready to store: mono PCM and its 16-bit WAV. */
export interface NewSample {
  samples: Float32Array;
  sampleRate: number;
  wav: Buffer;
}

/** The consent record to store with a new voice. */
export type NewConsent =
  | { kind: 'attest'; name: string; purpose: string }
  | {
      kind: 'statement';
      speakerName: string;
      voicePurpose: string;
      statement: string;
      words: string[];
      checks: ConsentCheck[];
      status: 'verified' | 'failed';
      /** 16-bit WAV of the statement recording (stored encrypted as consent.enc). */
      audio: Buffer;
      /** Keep this time (import of an exported voice); default now. */
      at?: string;
    };

interface ConsentRow {
  voice_id: string;
  status: Consent['status'];
  method: Consent['method'];
  name: string;
  purpose: string;
  statement: string | null;
  words: string | null;
  audio_sha256: string;
  statement_audio_sha256: string | null;
  statement_file: string | null;
  checks: string;
  created_at: string;
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

export class VoiceLibrary {
  private vault: Vault | null = null;

  constructor(
    private readonly db: Db,
    private readonly dataDir: string,
    private readonly voicesDir: string,
    private readonly engines: WorkerHost,
  ) {}

  /**
   * Whether a cloning model pack is installed now (the core checks the pack's files; a sync check, no worker). A voice
   * added before one was installed is cloned from its stored samples the first time it is used (`resolve`).
   */
  cloningInstalled: () => boolean = () => false;
  /** Told when a voice was cloned on first use (the core's privacy ledger). */
  onCloned: (voiceId: string, engines: string[]) => void = () => {};

  /** Conditioning being made from a voice's samples, per voice: concurrent first uses share one clone. */
  private readonly conditioning = new Map<string, Promise<string>>();

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
      if (err instanceof VaultError) throw new ApiError('VAULT_LOCKED', err.message, { vaultError: err.code });
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

  private meta(r: VoiceRow): VoiceMeta {
    const m = JSON.parse(r.meta) as VoiceMeta;
    return { tags: m.tags ?? [], samples: m.samples ?? [], conditioning: m.conditioning ?? {} };
  }

  private consentRow(id: string): ConsentRow | undefined {
    return this.db.prepare('SELECT * FROM voice_consents WHERE voice_id = ?').get(id) as ConsentRow | undefined;
  }

  private consentOf(id: string): Consent | null {
    const c = this.consentRow(id);
    if (!c) return null;
    const out: Consent = {
      status: c.status,
      method: c.method,
      name: c.name,
      purpose: c.purpose,
      at: c.created_at,
      audioSha256: c.audio_sha256,
    };
    if (c.statement !== null) out.statement = c.statement;
    if (c.statement_audio_sha256 !== null) out.statementAudioSha256 = c.statement_audio_sha256;
    if (c.method === 'statement') out.checks = JSON.parse(c.checks) as ConsentCheck[];
    return out;
  }

  private toApi(r: VoiceRow): LibraryVoice {
    const meta = this.meta(r);
    const engines = Object.keys(meta.conditioning);
    return {
      id: r.id,
      name: r.name,
      language: r.language,
      tags: meta.tags,
      samples: meta.samples.map(({ id, seconds, sampleRate, addedAt, sha256: sum }) => ({
        id,
        seconds,
        sampleRate,
        ...(addedAt ? { addedAt } : {}),
        ...(sum ? { sha256: sum } : {}),
      })),
      consent: this.consentOf(r.id),
      engines,
      previewAvailable: engines.length > 0 || this.cloningInstalled(),
      voiceId: `${LIBRARY_ENGINE}:${r.id}`,
      takeCount: (
        this.db.prepare('SELECT COUNT(*) AS n FROM takes WHERE voice_id = ?').get(`${LIBRARY_ENGINE}:${r.id}`) as {
          n: number;
        }
      ).n,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
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

  /**
   * Clone with every installed cloning engine. An engine reporting its languages (Pocket TTS with its language
   * bundles) clones with the model of the voice's language when that is installed, else with its default model
   * (the voice then still speaks, with that model). Returns engine id → conditioning file.
   */
  private async cloneAll(vault: Vault, id: string, s: { samples: Float32Array; sampleRate: number }, language: string) {
    const out: Record<string, string> = {};
    const primary = language.split(/[-_]/)[0].toLowerCase();
    const engines = (await this.engines.listEngines()).filter((e) => e.available);
    for (const engineId of CLONING_ENGINES) {
      const e = engines.find((x) => x.id === engineId);
      if (!e) continue;
      const inLanguage = !e.languages || e.languages.some((l) => l.language === primary && l.cloning && l.available);
      const cond = await this.engines.cloneVoice(engineId, s.samples, s.sampleRate, inLanguage ? language : undefined);
      const file = `conditioning-${engineId}.enc`;
      await vault.encryptToFile(path.join(this.voicesDir, id, file), cond, `voices/${id}/${file}`);
      out[engineId] = file;
    }
    return out;
  }

  /**
   * Store a new voice: samples, consent (and its recording) encrypted, cloned once per installed cloning engine,
   * then the rows in one transaction. Nothing is left behind when any step fails.
   */
  async createVoice(req: {
    name: string;
    language: string;
    tags: string[];
    samples: NewSample[];
    consent: NewConsent;
    createdAt?: string;
  }): Promise<LibraryVoice> {
    if (req.samples.length === 0) throw new ApiError('INVALID_INPUT', 'A voice needs at least one sample.');
    if (req.consent.kind === 'statement' && req.consent.status !== 'verified')
      throw new ApiError(
        'INVALID_INPUT',
        `The consent statement did not pass its checks: ${req.consent.checks
          .filter((c) => c.result === 'failed')
          .map((c) => c.detail)
          .join(' ')}`,
        { checks: req.consent.checks },
      );
    const vault = await this.openVault();
    const id = newId('voice');
    const dir = path.join(this.voicesDir, id);
    const t = nowIso();
    const meta: VoiceMeta = { tags: req.tags, samples: [], conditioning: {} };
    try {
      for (const [i, s] of req.samples.entries()) {
        const file = `sample-${i + 1}.enc`;
        await vault.encryptToFile(path.join(dir, file), s.wav, `voices/${id}/${file}`);
        meta.samples.push({
          id: newId('smp'),
          seconds: s.samples.length / s.sampleRate,
          sampleRate: s.sampleRate,
          file,
          addedAt: t,
          sha256: sha256(s.wav),
        });
      }
      let statementFile: string | null = null;
      if (req.consent.kind === 'statement') {
        statementFile = 'consent.enc';
        await vault.encryptToFile(path.join(dir, statementFile), req.consent.audio, `voices/${id}/${statementFile}`);
      }
      meta.conditioning = await this.cloneAll(vault, id, req.samples[0], req.language);
      const c = req.consent;
      this.db.transaction(() => {
        this.db
          .prepare(
            'INSERT INTO voices (id, name, engine_id, language, meta, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
          )
          .run(id, req.name, LIBRARY_ENGINE, req.language, JSON.stringify(meta), req.createdAt ?? t, t);
        this.db
          .prepare(
            `INSERT INTO voice_consents (voice_id, status, method, name, purpose, statement, words, audio_sha256,
               statement_audio_sha256, statement_file, checks, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(
            id,
            c.kind === 'attest' ? 'attested' : c.status,
            c.kind === 'attest' ? 'attestation' : 'statement',
            c.kind === 'attest' ? c.name : c.speakerName,
            c.kind === 'attest' ? c.purpose : c.voicePurpose,
            c.kind === 'statement' ? c.statement : null,
            c.kind === 'statement' ? JSON.stringify(c.words) : null,
            meta.samples[0].sha256,
            c.kind === 'statement' ? sha256(c.audio) : null,
            statementFile,
            c.kind === 'statement' ? JSON.stringify(c.checks) : '[]',
            (c.kind === 'statement' && c.at) || t,
          );
      })();
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
    return this.get(id);
  }

  /** Add a voice from a file on this computer, with an attestation (the first, one-step import). */
  async import(req: {
    name: string;
    path: string;
    language: string;
    tags: string[];
    attest: { name: string; purpose: string };
  }): Promise<LibraryVoice> {
    // A pipe, a device or a folder is refused before anything else (it would never be opened anyway: safe-fs.ts).
    await checkInputFile(req.path, { what: 'The audio file' });
    await this.openVault();
    const audio = await decodeAudioFile(req.path);
    const seconds = audio.samples.length / audio.sampleRate;
    if (seconds < MIN_SECONDS)
      throw new ApiError(
        'INVALID_INPUT',
        `The recording is ${seconds.toFixed(1)} s long: a voice needs at least ${MIN_SECONDS} s of speech.`,
        { audioProblem: 'too-short' },
      );
    let peak = 0;
    let energy = 0;
    for (const v of audio.samples) {
      const a = Math.abs(v);
      if (a > peak) peak = a;
      energy += v * v;
    }
    if (peak < 1e-3 || Math.sqrt(energy / audio.samples.length) < 1e-4)
      throw new ApiError('INVALID_INPUT', 'The recording is silent: check the microphone or pick another file.', {
        audioProblem: 'silent',
      });
    return this.createVoice({
      name: req.name,
      language: req.language,
      tags: req.tags,
      samples: [{ ...audio, wav: encodeWav(audio.samples, audio.sampleRate) }],
      consent: { kind: 'attest', ...req.attest },
    });
  }

  rename(id: string, name: string): LibraryVoice {
    return this.update(id, { name });
  }

  update(id: string, p: { name?: string; language?: string; tags?: string[] }): LibraryVoice {
    const row = this.row(id);
    const meta = this.meta(row);
    if (p.tags) meta.tags = [...new Set(p.tags)];
    this.db
      .prepare('UPDATE voices SET name = ?, language = ?, meta = ?, updated_at = ? WHERE id = ?')
      .run(p.name ?? row.name, p.language ?? row.language, JSON.stringify(meta), nowIso(), id);
    return this.get(id);
  }

  private async readFile(vault: Vault, id: string, file: string): Promise<Buffer> {
    return Buffer.from(await vault.decryptFile(path.join(this.voicesDir, id, file), `voices/${id}/${file}`));
  }

  /** The decrypted 16-bit WAV of each sample, in order. */
  async sampleWavs(id: string): Promise<{ meta: SampleMeta; wav: Buffer }[]> {
    const vault = await this.openVault();
    const out: { meta: SampleMeta; wav: Buffer }[] = [];
    for (const s of this.meta(this.row(id)).samples) out.push({ meta: s, wav: await this.readFile(vault, id, s.file) });
    return out;
  }

  /** Copy a voice: every file decrypted and encrypted again under the new voice's names; the consent row copied. */
  async duplicate(id: string, name?: string): Promise<LibraryVoice> {
    const row = this.row(id);
    const meta = this.meta(row);
    const consent = this.consentRow(id);
    const vault = await this.openVault();
    const copy = newId('voice');
    const dir = path.join(this.voicesDir, copy);
    const files = [...meta.samples.map((s) => s.file), ...Object.values(meta.conditioning)];
    if (consent?.statement_file) files.push(consent.statement_file);
    const t = nowIso();
    try {
      for (const f of files) {
        const bytes = await this.readFile(vault, id, f);
        await vault.encryptToFile(path.join(dir, f), bytes, `voices/${copy}/${f}`);
        bytes.fill(0);
      }
      const newMeta: VoiceMeta = { ...meta, samples: meta.samples.map((s) => ({ ...s, id: newId('smp') })) };
      this.db.transaction(() => {
        this.db
          .prepare(
            'INSERT INTO voices (id, name, engine_id, language, meta, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
          )
          .run(copy, name ?? `${row.name} (copy)`, LIBRARY_ENGINE, row.language, JSON.stringify(newMeta), t, t);
        if (consent)
          this.db
            .prepare(
              `INSERT INTO voice_consents (voice_id, status, method, name, purpose, statement, words, audio_sha256,
                 statement_audio_sha256, statement_file, checks, created_at)
               SELECT ?, status, method, name, purpose, statement, words, audio_sha256, statement_audio_sha256,
                 statement_file, checks, created_at FROM voice_consents WHERE voice_id = ?`,
            )
            .run(copy, id);
      })();
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
    return this.get(copy);
  }

  async addSample(id: string, s: NewSample): Promise<LibraryVoice> {
    const row = this.row(id);
    const meta = this.meta(row);
    if (meta.samples.length >= MAX_SAMPLES)
      throw new ApiError('INVALID_INPUT', `A voice has at most ${MAX_SAMPLES} samples: remove one first.`);
    const vault = await this.openVault();
    const used = new Set(meta.samples.map((x) => x.file));
    let n = 1;
    while (used.has(`sample-${n}.enc`)) n++;
    const file = `sample-${n}.enc`;
    const abs = path.join(this.voicesDir, id, file);
    await vault.encryptToFile(abs, s.wav, `voices/${id}/${file}`);
    meta.samples.push({
      id: newId('smp'),
      seconds: s.samples.length / s.sampleRate,
      sampleRate: s.sampleRate,
      file,
      addedAt: nowIso(),
      sha256: sha256(s.wav),
    });
    try {
      this.db
        .prepare('UPDATE voices SET meta = ?, updated_at = ? WHERE id = ?')
        .run(JSON.stringify(meta), nowIso(), id);
    } catch (err) {
      rmSync(abs, { force: true });
      throw err;
    }
    return this.get(id);
  }

  /** Remove a sample (never the last). Removing the first sample clones the voice again from the new first one. */
  async removeSample(id: string, sampleId: string): Promise<LibraryVoice> {
    const row = this.row(id);
    const meta = this.meta(row);
    const idx = meta.samples.findIndex((s) => s.id === sampleId);
    if (idx < 0) throw notFound('Sample', sampleId);
    if (meta.samples.length === 1)
      throw new ApiError('CONFLICT', "This is the voice's only sample: add another first, or delete the voice.");
    const [removed] = meta.samples.splice(idx, 1);
    if (idx === 0) {
      const vault = await this.openVault();
      const wav = await this.readFile(vault, id, meta.samples[0].file);
      const d = decodeWav(wav);
      const old = Object.values(meta.conditioning);
      meta.conditioning = await this.cloneAll(vault, id, d, row.language);
      for (const f of old.filter((f) => !Object.values(meta.conditioning).includes(f)))
        rmSync(path.join(this.voicesDir, id, f), { force: true });
    }
    this.db.prepare('UPDATE voices SET meta = ?, updated_at = ? WHERE id = ?').run(JSON.stringify(meta), nowIso(), id);
    rmSync(path.join(this.voicesDir, id, removed.file), { force: true });
    return this.get(id);
  }

  /** Speak a short sentence with the voice (not stored as a take). */
  async preview(id: string, text?: string): Promise<{ samples: Float32Array; sampleRate: number }> {
    const row = this.row(id);
    const { engineId, conditioning } = await this.resolve(id);
    const chunks: Float32Array[] = [];
    const res = await this.engines.synthesize(
      {
        jobId: newId('pv'),
        engineId,
        voiceId: 'reference',
        text: text ?? PREVIEW_TEXT[row.language] ?? PREVIEW_TEXT.en,
        options: { conditioning },
        seed: 1,
      },
      { onChunk: (pcm) => chunks.push(pcm), onProgress: () => {} },
    );
    const out = new Float32Array(chunks.reduce((n, c) => n + c.length, 0));
    let off = 0;
    for (const c of chunks) {
      out.set(c, off);
      off += c.length;
    }
    return { samples: out, sampleRate: res.sampleRate };
  }

  /** Seal a voice into one `.timbrevoice` file (voice-file.ts) and write it atomically. */
  async exportTo(id: string, passphrase: string, target: string | undefined): Promise<{ path: string; bytes: number }> {
    const row = this.row(id);
    const meta = this.meta(row);
    const consent = this.consentRow(id);
    // A folder named as the target is refused (not turned into "<folder>.timbrevoice" next to it), and so is an
    // existing device, pipe or link to one (safe-fs.ts), before the passphrase is stretched.
    if (target && statSync(target, { throwIfNoEntry: false })?.isDirectory())
      throw new ApiError(
        'INVALID_INPUT',
        `The output path ${target} is a folder, not a file: name a file inside it. Nothing was written.`,
        { reason: 'not-a-file', file: target, kind: 'a folder' },
      );
    if (target)
      await checkOutputTarget(
        path.resolve(target.endsWith(VOICE_FILE_EXTENSION) ? target : `${target}${VOICE_FILE_EXTENSION}`),
        {
          what: 'The voice file',
        },
      );
    // A folder named as the target is refused (not turned into "<folder>.timbrevoice" next to it), and so is an
    // existing device, pipe or link to one (safe-fs.ts), before the passphrase is stretched.
    if (target && statSync(target, { throwIfNoEntry: false })?.isDirectory())
      throw new ApiError(
        'INVALID_INPUT',
        `The output path ${target} is a folder, not a file: name a file inside it. Nothing was written.`,
        { reason: 'not-a-file', file: target, kind: 'a folder' },
      );
    const vault = await this.openVault();
    const files: { name: string; bytes: Buffer }[] = [];
    for (const s of meta.samples)
      files.push({ name: s.file.replace(/\.enc$/, '.wav'), bytes: await this.readFile(vault, id, s.file) });
    if (consent?.statement_file)
      files.push({ name: 'consent.wav', bytes: await this.readFile(vault, id, consent.statement_file) });
    const sealed = await sealVoiceFile(
      {
        format: 'timbre-voice',
        version: 1,
        exportedAt: nowIso(),
        voice: { name: row.name, language: row.language, tags: meta.tags, createdAt: row.created_at },
        samples: meta.samples.map((s, i) => ({
          file: files[i].name,
          seconds: s.seconds,
          sampleRate: s.sampleRate,
          sha256: sha256(files[i].bytes),
          ...(s.addedAt ? { addedAt: s.addedAt } : {}),
        })),
        consent: consent
          ? {
              status: consent.status,
              method: consent.method,
              name: consent.name,
              purpose: consent.purpose,
              at: consent.created_at,
              audioSha256: consent.audio_sha256,
              ...(consent.statement !== null ? { statement: consent.statement } : {}),
              ...(consent.words !== null ? { words: JSON.parse(consent.words) as string[] } : {}),
              ...(consent.statement_audio_sha256 !== null
                ? { statementAudioSha256: consent.statement_audio_sha256 }
                : {}),
              checks: JSON.parse(consent.checks) as unknown[],
              ...(consent.statement_file ? { statementFile: 'consent.wav' } : {}),
            }
          : null,
      },
      files,
      passphrase,
    );
    for (const f of files) f.bytes.fill(0);
    if (sealed.length > VOICE_FILE_MAX_BYTES)
      throw new ApiError(
        'INVALID_INPUT',
        `This voice is too large to export (${Math.round(sealed.length / 1048576)} MiB; a voice file holds at most ${VOICE_FILE_MAX_BYTES / 1048576} MiB): remove a long sample first.`,
      );
    const safe =
      row.name
        .replace(/[^\p{L}\p{N} _-]+/gu, '')
        .trim()
        .slice(0, 60) || 'voice';
    const out = target
      ? path.resolve(target.endsWith(VOICE_FILE_EXTENSION) ? target : `${target}${VOICE_FILE_EXTENSION}`)
      : path.join(this.dataDir, 'exports', `${safe}-${new Date().toISOString().slice(0, 10)}${VOICE_FILE_EXTENSION}`);
    await writeFileAtomic(out, sealed).catch((err: NodeJS.ErrnoException) => {
      if (err instanceof ApiError) throw err;
      throw err.code === 'ENOSPC' || err.code === 'EDQUOT'
        ? new ApiError('DISK_FULL', `The disk is full: ${out} could not be written (nothing was left behind).`)
        : new ApiError('INVALID_INPUT', `Cannot write ${out}: ${err.code ?? err.message}`);
    });
    return { path: out, bytes: sealed.length };
  }

  /** Open a `.timbrevoice` file and add its voice (a new id; cloned again with the installed engines). */
  async importFrom(data: Buffer, passphrase: string, where: string): Promise<LibraryVoice> {
    const { manifest, files } = await openVoiceFile(data, passphrase, where);
    const damaged = (why: string) =>
      new ApiError('INVALID_INPUT', `${where} is damaged (${why}) and was not imported.`, {
        voiceFileError: 'tampered',
      });
    const samples: NewSample[] = [];
    for (const s of manifest.samples ?? []) {
      const wav = files.get(s.file);
      if (!wav) throw damaged(`missing ${s.file}`);
      const d = decodeWav(wav);
      samples.push({ samples: d.samples, sampleRate: d.sampleRate, wav: Buffer.from(wav) });
    }
    if (!samples.length) throw damaged('no samples');
    const c = manifest.consent;
    if (!c) throw damaged('no consent record');
    let consent: NewConsent;
    if (c.method === 'statement') {
      const audio = c.statementFile ? files.get(c.statementFile) : undefined;
      if (!audio) throw damaged('missing the consent statement recording');
      consent = {
        kind: 'statement',
        speakerName: c.name,
        voicePurpose: c.purpose,
        statement: c.statement ?? '',
        words: c.words ?? [],
        checks: (c.checks ?? []) as ConsentCheck[],
        status: c.status === 'verified' ? 'verified' : 'failed',
        audio: Buffer.from(audio),
        at: c.at,
      };
    } else {
      consent = { kind: 'attest', name: c.name, purpose: c.purpose };
    }
    const v = manifest.voice;
    const voice = await this.createVoice({
      name: v.name,
      language: v.language,
      tags: v.tags ?? [],
      samples,
      consent,
      ...(typeof v.createdAt === 'string' ? { createdAt: v.createdAt } : {}),
    });
    if (c.method === 'attestation')
      this.db.prepare('UPDATE voice_consents SET created_at = ? WHERE voice_id = ?').run(c.at, voice.id);
    return this.get(voice.id);
  }

  async importFile(file: string, passphrase: string): Promise<LibraryVoice> {
    const data = await readVoiceFileFrom(file, 'The voice file');
    return this.importFrom(data, passphrase, `The voice file ${path.basename(file)}`);
  }

  /** Erase the voice's files and rows; optionally the takes made with it. Returns the take files to remove. */
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
      this.db.prepare('DELETE FROM voice_consents WHERE voice_id = ?').run(id);
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
    const meta = this.meta(row);
    let engineId = CLONING_ENGINES.find((e) => meta.conditioning[e]);
    let file = engineId ? meta.conditioning[engineId] : undefined;
    if (!engineId || !file) {
      // Added before a cloning pack was installed: made now from the stored samples, once.
      let making = this.conditioning.get(id);
      if (!making) {
        making = this.conditionFromSamples(id).finally(() => this.conditioning.delete(id));
        this.conditioning.set(id, making);
      }
      engineId = await making;
      file = this.meta(this.row(id)).conditioning[engineId];
    }
    const vault = await this.openVault();
    const bytes = await this.readFile(vault, id, file);
    return { engineId, conditioning: bytes.toString('base64') };
  }

  /**
   * Clone a voice that has no conditioning yet from its first sample with every installed cloning engine, store the
   * files (encrypted, written atomically) and record them in the voice's row. Returns the engine to speak with. Never
   * replaces conditioning another process stored meanwhile (same data folder); the files it wrote then go again.
   */
  private async conditionFromSamples(id: string): Promise<string> {
    const row = this.row(id);
    const meta = this.meta(row);
    const have = CLONING_ENGINES.find((e) => meta.conditioning[e]);
    if (have) return have;
    const vault = await this.openVault();
    const first = meta.samples[0];
    if (!first) throw new ApiError('CONFLICT', `Voice "${row.name}" has no samples to clone it from.`);
    const made = await this.cloneAll(vault, id, decodeWav(await this.readFile(vault, id, first.file)), row.language);
    const engineId = CLONING_ENGINES.find((e) => made[e]);
    if (!engineId)
      throw new ApiError(
        'ENGINE_UNAVAILABLE',
        `Voice "${row.name}" needs a voice-cloning model pack to speak: install one (timbre models download pocket-tts); the voice is then cloned from its samples the first time it is used.`,
      );
    const stored = this.db.transaction(() => {
      const now = this.meta(this.row(id));
      if (CLONING_ENGINES.some((e) => now.conditioning[e])) return false; // stored meanwhile by another process
      if (now.samples[0]?.id !== first.id) return false; // its first sample changed meanwhile: not this clone
      now.conditioning = made;
      this.db.prepare('UPDATE voices SET meta = ?, updated_at = ? WHERE id = ?').run(JSON.stringify(now), nowIso(), id);
      return true;
    })();
    if (stored) this.onCloned(id, Object.keys(made));
    if (!stored) {
      const now = this.meta(this.row(id));
      for (const f of Object.values(made))
        if (!Object.values(now.conditioning).includes(f)) rmSync(path.join(this.voicesDir, id, f), { force: true });
      const other = CLONING_ENGINES.find((e) => now.conditioning[e]);
      if (other) return other;
      return this.conditionFromSamples(id);
    }
    return engineId;
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
