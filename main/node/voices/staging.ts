/**
 * Staged audio: recordings, imports, cleaned versions, consent statements and previews for a voice that does not exist
 * yet. Each item is `<dataDir>/staging/<id>.enc` (a 16-bit mono WAV, AES-256-GCM through the vault, bound to the
 * logical name `staging/<id>`) plus `<id>.json` (its analysis: numbers only, no audio). Items are deleted when used or
 * discarded, and swept at startup once older than 24 h. Nothing here ever writes audio unencrypted.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import type { RecorderPurpose, StagedAudio } from '../../../preload/contract.js';
import { ApiError, notFound } from '../../../native-models/common/errors.js';
import { writeFileAtomic } from '../atomic-fs.js';
import { decodeAudioFile } from '../audio/decode.js';
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

  /** Analyse, encrypt and keep mono audio; returns its staged description. */
  async put(samples: Float32Array, sampleRate: number, opts: PutOptions): Promise<StagedItem> {
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
    await vault.encryptToFile(this.file(id, 'enc'), wav, `staging/${id}`);
    wav.fill(0);
    await writeFileAtomic(this.file(id, 'json'), JSON.stringify(item));
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
    return this.put(audio.samples, audio.sampleRate, { source: 'upload' });
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

/** Decode audio bytes: WAV directly, anything else through ffmpeg reading stdin (no temporary file). */
export async function decodeAudioBytes(
  bytes: Buffer,
  name: string,
): Promise<{ samples: Float32Array; sampleRate: number }> {
  if (bytes.length === 0) throw new ApiError('INVALID_INPUT', `${name} is empty.`, { audioProblem: 'unreadable' });
  if (bytes.subarray(0, 4).toString('latin1') === 'RIFF' && bytes.subarray(8, 12).toString('latin1') === 'WAVE') {
    try {
      const w = decodeWav(bytes);
      return { samples: w.samples, sampleRate: w.sampleRate };
    } catch {
      // an unusual WAV flavour: ffmpeg reads it
    }
  }
  return new Promise((resolve, reject) => {
    const args = [
      '-nostdin',
      '-v',
      'error',
      '-i',
      'pipe:0',
      '-vn',
      '-ac',
      '1',
      '-ar',
      '48000',
      '-f',
      'f32le',
      'pipe:1',
    ];
    // -nostdin only stops ffmpeg reading commands from stdin; `-i pipe:0` still reads the data from it.
    const proc = spawn('ffmpeg', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    proc.stdout.on('data', (c: Buffer) => out.push(c));
    proc.stderr.on('data', (c: Buffer) => (err += c.toString()));
    proc.stdin.on('error', () => {}); // ffmpeg may stop reading early (bad data): its exit status tells
    proc.on('error', (e: NodeJS.ErrnoException) =>
      reject(
        new ApiError(
          'ENGINE_UNAVAILABLE',
          e.code === 'ENOENT'
            ? 'Reading this audio format needs ffmpeg, which is not installed (Debian/Ubuntu: sudo apt-get install ffmpeg)'
            : `ffmpeg failed to start: ${e.message}`,
        ),
      ),
    );
    proc.on('close', (code) => {
      const buf = Buffer.concat(out);
      if (code !== 0 || buf.length < 4) {
        const noStream = /does not contain any stream|Output file .* does not contain|no audio/i.test(err);
        const seek = /moov atom not found/i.test(err);
        return reject(
          new ApiError(
            'INVALID_INPUT',
            noStream
              ? `${name} has no audio stream.`
              : seek
                ? `${name} cannot be read while uploading (its index is at the end of the file): open it in the desktop app, or convert it to WAV or MP3 first.`
                : `${name} is not a readable audio or video file (corrupt or unsupported).`,
            { audioProblem: noStream ? 'no-audio-stream' : 'unreadable' },
          ),
        );
      }
      const samples = new Float32Array(buf.buffer, buf.byteOffset, Math.floor(buf.length / 4)).slice();
      buf.fill(0);
      resolve({ samples, sampleRate: 48_000 });
    });
    proc.stdin.end(bytes);
  });
}
