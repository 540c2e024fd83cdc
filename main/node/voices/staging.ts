/**
 * Staged audio: recordings, imports, cleaned versions, consent statements and previews for a voice that does not exist
 * yet. Each item is `<dataDir>/staging/<id>.enc` (a 16-bit mono WAV, AES-256-GCM through the vault, bound to the
 * logical name `staging/<id>`) plus `<id>.json` (its analysis: numbers only, no audio). Items are deleted when used or
 * discarded, and swept at startup once older than 24 h. Nothing here ever writes audio unencrypted.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import type { RecorderPurpose, StagedAudio } from '../../../preload/contract/index.js';
import { ApiError, notFound } from '../../../native-models/common/errors.js';
import { writeFileAtomic } from '../atomic-fs.js';
import { checkDecodedAudio, decodeAudioBytes, decodeAudioFile } from '../audio/decode.js';
import { decodeWav, encodeWav } from '../../../native-models/audio/wav.js';
import { newId, nowIso } from '../ids.js';
import type { Vault } from '../vault/index.js';
import { toQualityReport, type VoiceAudio } from './voice-audio.js';

export const STAGING_MAX_AGE_MS = 24 * 3600 * 1000;
/** Largest upload accepted from the browser (web mode). */
export const UPLOAD_MAX_BYTES = 1024 * 1024 * 1024;

export interface StagedItem extends StagedAudio {
  /** Level of the non-speech parts (from the full analysis), for the usability check. */
  noiseFloorDbfs: number | null;
  /** sha256 of the staged 16-bit WAV. */
  sha256: string;
  /** The library voice this was made from (previews): erased with the voice. */
  voiceId?: string;
}

export interface PutOptions {
  source: StagedAudio['source'];
  purpose?: RecorderPurpose | null;
  derivedFrom?: string | null;
  channels?: number;
  noiseFloorDb?: number | null;
  voiceId?: string;
}

const ID = /^[A-Za-z0-9_-]{1,64}$/;

export class StagingStore {
  constructor(
    readonly dir: string,
    private readonly vault: () => Promise<Vault>,
    private readonly audio: VoiceAudio,
  ) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  private file(id: string, ext: 'enc' | 'json'): string {
    if (!ID.test(id)) throw new ApiError('INVALID_INPUT', `Not a staged audio id: ${id}`);
    return path.join(this.dir, `${id}.${ext}`);
  }

  /**
   * Analyse, encrypt and keep mono audio; returns its staged description. Whatever made the samples (a file, an
   * upload, the recorder, a clean-up), they pass the same checks as decoded files first (checkDecodedAudio), and a
   * failure part-way leaves no half item behind.
   */
  async put(samples: Float32Array, sampleRate: number, opts: PutOptions): Promise<StagedItem> {
    checkDecodedAudio(samples, sampleRate, opts.source === 'recording' ? 'The recording' : 'The audio');
    const vault = await this.vault();
    const full = await this.audio.analyzeFull(samples, sampleRate, opts.channels);
    const report = toQualityReport(full);
    const wav = encodeWav(samples, sampleRate);
    const id = newId('stg');
    const item: StagedItem = {
      stagingId: id,
      source: opts.source,
      purpose: opts.purpose ?? null,
      durationSeconds: samples.length / sampleRate,
      sampleRate,
      report,
      noiseFloorDb: opts.noiseFloorDb ?? null,
      derivedFrom: opts.derivedFrom ?? null,
      createdAt: nowIso(),
      noiseFloorDbfs: full.noiseFloorDbfs,
      sha256: createHash('sha256').update(wav).digest('hex'),
      ...(opts.voiceId ? { voiceId: opts.voiceId } : {}),
    };
    try {
      await vault.encryptToFile(this.file(id, 'enc'), wav, `staging/${id}`);
      await writeFileAtomic(this.file(id, 'json'), JSON.stringify(item));
    } catch (err) {
      this.remove(id);
      throw err;
    } finally {
      wav.fill(0);
    }
    return item;
  }

  /** Decode a file on this computer (any format ffmpeg reads) and stage it. */
  async putFile(file: string): Promise<StagedItem> {
    const audio = await decodeAudioFile(file);
    return this.put(audio.samples, audio.sampleRate, { source: 'import', channels: audio.channels });
  }

  /** Decode uploaded bytes in memory (never written to disk unencrypted) and stage them. */
  async putBytes(bytes: Buffer, name: string): Promise<StagedItem> {
    const audio = await decodeAudioBytes(bytes, name);
    return this.put(audio.samples, audio.sampleRate, { source: 'upload', channels: audio.channels });
  }

  item(id: string): StagedItem {
    const f = this.file(id, 'json');
    let text: string;
    try {
      text = readFileSync(f, 'utf8');
    } catch {
      throw notFound('Staged audio', id);
    }
    if (!existsSync(this.file(id, 'enc'))) throw notFound('Staged audio', id);
    return JSON.parse(text) as StagedItem;
  }

  /** The public description (without internal fields). */
  get(id: string): StagedAudio {
    const { noiseFloorDbfs: _n, sha256: _s, voiceId: _v, ...pub } = this.item(id);
    return pub;
  }

  /** The decrypted 16-bit WAV (for playback and for storing with a voice). */
  async wav(id: string): Promise<Buffer> {
    this.item(id);
    const vault = await this.vault();
    return Buffer.from(await vault.decryptFile(this.file(id, 'enc'), `staging/${id}`));
  }

  async samples(id: string): Promise<{ samples: Float32Array; sampleRate: number; wav: Buffer }> {
    const wav = await this.wav(id);
    const d = decodeWav(wav);
    return { samples: d.samples, sampleRate: d.sampleRate, wav };
  }

  discard(id: string): void {
    this.item(id);
    this.remove(id);
  }

  /** Remove an item if present (no error when it is gone). */
  remove(id: string): void {
    rmSync(this.file(id, 'enc'), { force: true });
    rmSync(this.file(id, 'json'), { force: true });
  }

  /** Delete items older than `maxAgeMs` and halves of items (an .enc without .json or the reverse). */
  sweep(maxAgeMs = STAGING_MAX_AGE_MS, now = Date.now()): number {
    let removed = 0;
    const names = existsSync(this.dir) ? readdirSync(this.dir) : [];
    const ids = new Set(names.map((n) => n.replace(/\.(enc|json|statement\.json|upload)$/, '')));
    for (const id of ids) {
      if (!ID.test(id)) continue;
      const parts = names.filter((n) => n.startsWith(`${id}.`));
      const hasBoth = parts.includes(`${id}.enc`) && parts.includes(`${id}.json`);
      const single = parts.length === 1 && (parts[0].endsWith('.statement.json') || parts[0].endsWith('.upload'));
      const oldest = Math.min(...parts.map((n) => statSync(path.join(this.dir, n)).mtimeMs));
      if ((hasBoth || single) && now - oldest < maxAgeMs) continue;
      for (const n of parts) rmSync(path.join(this.dir, n), { force: true });
      removed++;
    }
    return removed;
  }

  /** Remove every staged item made from a library voice (its previews), when the voice is deleted. */
  removeForVoice(voiceId: string): number {
    let n = 0;
    for (const id of this.ids()) {
      try {
        if (this.item(id).voiceId === voiceId) {
          this.remove(id);
          n++;
        }
      } catch {
        // half an item: the sweep takes it
      }
    }
    return n;
  }

  /** Every staged id (for tests and clean-up). */
  ids(): string[] {
    return readdirSync(this.dir)
      .filter((n) => n.endsWith('.enc'))
      .map((n) => n.slice(0, -4));
  }
}
