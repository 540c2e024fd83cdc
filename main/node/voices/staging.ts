/**
 * Staged audio: recordings, imports, cleaned versions, consent statements and previews for a voice that does not exist
 * yet. Each item is `<dataDir>/staging/<id>.enc` (a 16-bit mono WAV, AES-256-GCM through the vault, bound to the
 * logical name `staging/<id>`) plus `<id>.json` (its analysis: numbers only, no audio). Items are deleted when used or
 * discarded, and swept at startup once older than 24 h. Nothing here ever writes audio unencrypted.
 *
 * Long audio (up to VOICE_AUDIO_LIMITS, 2 hours) never sits in memory whole: files and uploads are decoded in blocks
 * into temporary files, analysed and cleaned in streaming passes (native-models/enhance/cleanup.ts), and the staged
 * WAV is encrypted and hashed as it is written. The temporary files live in `staging/work/<pid>.<random>/`, encrypted
 * under a key only this process holds (native-models/audio/pcm-store.ts); a folder whose process is gone is swept.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import type { RecorderPurpose, StagedAudio } from '../../../preload/contract/index.js';
import { ApiError, notFound } from '../../../native-models/common/errors.js';
import { writeFileAtomic } from '../atomic-fs.js';
import { VOICE_AUDIO_LIMITS, checkDecodedStats, decodeAudioToStore } from '../audio/decode.js';
import { countNonFinite } from '../../../native-models/audio/checks.js';
import { arraySource, tempFileStore, type PcmSource, type PcmStore } from '../../../native-models/audio/pcm-store.js';
import {
  decodeWav,
  decodeWavFrames,
  encodePcm,
  inspectWav,
  wavHeader,
  type WavInfo,
} from '../../../native-models/audio/wav.js';
import { newId, nowIso } from '../ids.js';
import type { Vault } from '../vault/index.js';
import { toQualityReport, type FullReport, type VoiceAudio } from './voice-audio.js';

export const STAGING_MAX_AGE_MS = 24 * 3600 * 1000;
/**
 * Longest staged item that becomes a voice sample (library.create, library.addSample): samples are decrypted, stored
 * and encoded whole, and a voice needs 10–30 s of speech. Longer recordings are cleaned with the best window first.
 */
export const VOICE_SAMPLE_MAX_SECONDS = 5 * 60;
/** Largest upload accepted from the browser (web mode). */
export const UPLOAD_MAX_BYTES = 1024 * 1024 * 1024;

export interface StagedItem extends StagedAudio {
  /** Level of the non-speech parts (from the full analysis), for the usability check. */
  noiseFloorDbfs: number | null;
  /** sha256 of the staged 16-bit WAV. */
  sha256: string;
  /** The library voice this was made from (previews): erased with the voice. */
  voiceId?: string;
  /** The VAD's speech segments (seconds), so a clean-up need not analyse the whole item again. */
  segments?: { start: number; end: number }[];
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
/** Audio up to this many frames stays in memory during a clean-up (about 1.5 min at 48 kHz); longer goes to disk. */
const WORK_MEMORY_FRAMES = 1 << 22;
/** Samples per block when writing a staged WAV. */
const WAV_BLOCK = 1 << 16;

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

  /** The folder for this process's temporary audio (made on first use). */
  private workDir: string | null = null;

  /**
   * A store for the temporary audio of one operation (decoding, clean-up): short audio in memory, long audio in
   * encrypted temporary files under `staging/work/`. The caller disposes it.
   */
  workStore(memoryFrames = WORK_MEMORY_FRAMES): PcmStore {
    if (!this.workDir) {
      this.workDir = path.join(this.dir, 'work', `${process.pid}.${randomBytes(4).toString('hex')}`);
      mkdirSync(this.workDir, { recursive: true, mode: 0o700 });
    }
    return tempFileStore(this.workDir, { memoryFrames });
  }

  /**
   * Analyse, encrypt and keep mono audio; returns its staged description. Whatever made the samples (a file, an
   * upload, the recorder, a clean-up), they pass the same checks as decoded files first (checkDecodedAudio), and a
   * failure part-way leaves no half item behind.
   */
  async put(samples: Float32Array, sampleRate: number, opts: PutOptions): Promise<StagedItem> {
    checkDecodedStats(
      samples.length,
      countNonFinite(samples),
      sampleRate,
      nameFor(opts),
      undefined,
      VOICE_AUDIO_LIMITS,
    );
    const store = this.workStore();
    try {
      return await diskFullAsApiError(() => this.putSource(arraySource(samples, sampleRate), opts, store));
    } finally {
      store.dispose();
    }
  }

  /**
   * Stage audio of any length read in blocks: analysed in streaming passes (unless `full`, its analysis, is given),
   * written as a 16-bit WAV that is encrypted and hashed block by block. `store` holds the analysis's temporary audio.
   */
  async putSource(src: PcmSource, opts: PutOptions, store: PcmStore, full?: FullReport): Promise<StagedItem> {
    checkDecodedStats(src.length, 0, src.sampleRate, nameFor(opts), undefined, VOICE_AUDIO_LIMITS);
    const vault = await this.vault();
    full ??= await this.audio.analyzeSource(src, store, opts.channels);
    const report = toQualityReport(full);
    const id = newId('stg');
    const item: StagedItem = {
      stagingId: id,
      source: opts.source,
      purpose: opts.purpose ?? null,
      durationSeconds: src.length / src.sampleRate,
      sampleRate: src.sampleRate,
      report,
      noiseFloorDb: opts.noiseFloorDb ?? null,
      derivedFrom: opts.derivedFrom ?? null,
      createdAt: nowIso(),
      noiseFloorDbfs: full.noiseFloorDbfs,
      sha256: '',
      ...(opts.voiceId ? { voiceId: opts.voiceId } : {}),
      segments: full.segments,
    };
    try {
      const out = await vault.encryptedWriter(this.file(id, 'enc'), `staging/${id}`);
      const hash = createHash('sha256');
      try {
        const head = wavHeader(src.length, src.sampleRate, 16);
        hash.update(head);
        await out.write(head);
        for await (const x of src.blocks(0, src.length, WAV_BLOCK)) {
          const pcm = encodePcm(x, 16);
          hash.update(pcm);
          await out.write(pcm);
          pcm.fill(0);
        }
        await out.commit();
      } catch (err) {
        await out.abort();
        throw err;
      }
      item.sha256 = hash.digest('hex');
      await writeFileAtomic(this.file(id, 'json'), JSON.stringify(item));
    } catch (err) {
      this.remove(id);
      throw err;
    }
    return item;
  }

  /** Decode a file on this computer (any format ffmpeg reads) and stage it; long files are decoded in blocks. */
  async putFile(file: string): Promise<StagedItem> {
    const store = this.workStore();
    try {
      return await diskFullAsApiError(async () => {
        const audio = await decodeAudioToStore({ file }, store);
        return this.putSource(audio.source, { source: 'import', channels: audio.channels }, store);
      });
    } finally {
      store.dispose();
    }
  }

  /** Decode uploaded bytes (never written to disk unencrypted) and stage them. */
  async putBytes(bytes: Buffer, name: string): Promise<StagedItem> {
    const store = this.workStore();
    try {
      return await diskFullAsApiError(async () => {
        const audio = await decodeAudioToStore({ bytes, name }, store);
        return this.putSource(audio.source, { source: 'upload', channels: audio.channels }, store);
      });
    } finally {
      store.dispose();
    }
  }

  /**
   * A staged item's samples as a source in `store`, decrypted block by block (for clean-up: never the whole item in
   * memory). The file is authenticated at the end of the pass, before the source is returned.
   */
  async source(id: string, store: PcmStore): Promise<PcmSource> {
    this.item(id);
    const vault = await this.vault();
    let head: Buffer | null = Buffer.alloc(0);
    let info: WavInfo | null = null;
    let rest = Buffer.alloc(0);
    let writer: ReturnType<PcmStore['create']> | null = null;
    await vault.decryptFileChunks(this.file(id, 'enc'), `staging/${id}`, (p) => {
      let bytes = p;
      if (head) {
        // The header (this store's own 16-bit mono WAV: 44 bytes) arrives in the first chunk.
        head = Buffer.concat([head, p]);
        if (head.length < 44) return;
        info = inspectWav({ size: Number.MAX_SAFE_INTEGER, read: (o, n) => head!.subarray(o, o + n) });
        writer = store.create(info.sampleRate);
        bytes = head.subarray(info.dataOffset);
        head = null;
      }
      const all = rest.length ? Buffer.concat([rest, bytes]) : bytes;
      const frames = Math.floor(all.length / info!.blockAlign);
      const x = new Float32Array(frames);
      decodeWavFrames(info!, all.subarray(0, frames * info!.blockAlign), x, 0);
      writer!.write(x);
      rest = Buffer.from(all.subarray(frames * info!.blockAlign));
    });
    if (!writer) throw new ApiError('INVALID_INPUT', `Staged audio ${id} is damaged: it holds no WAV header.`);
    return (writer as ReturnType<PcmStore['create']>).finish();
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
    const { noiseFloorDbfs: _n, sha256: _s, voiceId: _v, segments: _g, ...pub } = this.item(id);
    return pub;
  }

  /** The full analysis made when the item was staged (with its speech segments), or null for an older item. */
  fullReport(id: string): FullReport | null {
    const item = this.item(id);
    if (!item.segments) return null;
    return { ...item.report, noiseFloorDbfs: item.noiseFloorDbfs, segments: item.segments };
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
    // Temporary audio of processes that are gone (its key went with them: it cannot be read by anyone).
    const work = path.join(this.dir, 'work');
    for (const name of existsSync(work) ? readdirSync(work) : []) {
      const pid = Number(/^(\d+)\./.exec(name)?.[1]);
      if (Number.isInteger(pid) && pid > 0 && processAlive(pid)) continue;
      rmSync(path.join(work, name), { recursive: true, force: true });
      removed++;
    }
    if (existsSync(work) && readdirSync(work).length === 0) rmSync(work, { recursive: true, force: true });
    const names = existsSync(this.dir) ? readdirSync(this.dir).filter((n) => n !== 'work') : [];
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

  /** Remove this process's temporary audio folder (at shutdown). */
  closeWork(): void {
    if (this.workDir) rmSync(this.workDir, { recursive: true, force: true });
    this.workDir = null;
  }

  /** Every staged id (for tests and clean-up). */
  ids(): string[] {
    return readdirSync(this.dir)
      .filter((n) => n.endsWith('.enc'))
      .map((n) => n.slice(0, -4));
  }
}

const nameFor = (opts: PutOptions) => (opts.source === 'recording' ? 'The recording' : 'The audio');

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A full disk while staging or cleaning (the temporary audio, the staged file) as the user's error: DISK_FULL, what
 * needs the space, and that nothing was kept (the store and the atomic writers remove what they made).
 */
export async function diskFullAsApiError<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (!(err instanceof ApiError) && (code === 'ENOSPC' || code === 'EDQUOT'))
      throw new ApiError(
        'DISK_FULL',
        'The disk is full: the audio could not be staged or cleaned (long recordings need temporary space, about 4 GB per hour at 48 kHz for a clean-up). Nothing was kept; free some space and try again.',
      );
    throw err;
  }
}
