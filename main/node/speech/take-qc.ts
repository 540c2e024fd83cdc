/**
 * Take QC in the core: align each take to the text it was made from (the embedded aligner, in its worker) and
 * store what was found (take_qc). New takes are checked in the background one at a time, after generation, so
 * QC never slows generating down; `projects.qc` / `timbre qc` check whatever has not been checked yet.
 *
 * QC never blocks anything: a flagged take stays the active take until the user picks another.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { LineQc, ProjectQc, TakeQc } from '../../../preload/contract/index.js';
import { TakeQc as TakeQcSchema } from '../../../preload/contract/index.js';
import { ApiError } from '../../../native-models/common/errors.js';
import { decodeWav } from '../../../native-models/audio/wav.js';
import { AlignError, MAX_ALIGN_SECONDS } from '../../../native-models/speech/aligner.js';
import {
  frameLevels,
  scanClipping,
  takeQc,
  uncheckedQc,
  withPackChecks,
  type PackChecks,
} from '../../../native-models/speech/qc.js';
import { VoiceSimilarity, type SpeakerEmbedderLike, type VoiceReference } from './voice-similarity.js';
import { MAX_ALIGN_WORDS, normaliseForAlignment, spokenText } from '../../../native-models/speech/text.js';
import { parseInlineTags } from '../../common/script/tags.js';
import { SPEAKER_PACK_ID } from '../../../native-models/speaker/embedder.js';
import type { Repos } from '../db/repositories.js';
import type { AlignerHost } from './aligner-host.js';

/** Languages the embedded aligner has models for, from a voice's language code ("en-us" → "en"). */
export function alignLanguage(language: string | null | undefined): 'en' | 'fr' | null {
  const base = (language ?? '').toLowerCase().split(/[-_]/)[0];
  return base === 'en' || base === 'fr' ? base : null;
}

export interface TakeQcDeps {
  repos: Repos;
  takesDir: string;
  aligner: AlignerHost;
  /** The language of a voice id as takes record it (e.g. "espeak:en-us", "library:vc_…"); null when unknown. */
  languageOf: (voiceId: string) => Promise<string | null>;
  /**
   * Called before a model runs on a take (the privacy ledger's model run): `aligner`, the speaker-embedding pack
   * (voice drift) or the speech-recognition pack (word errors), by its id.
   */
  onModelRun?: (takeId: string, engine: string, language: string) => void;
  /** Called after a background check stored its result. */
  onChecked?: (projectId: string, qc: TakeQc) => void;
  log?: (message: string) => void;
  /**
   * The installed speaker-embedding pack's embedder, or null (looked up before each check, so a pack installed later
   * is used). With it, each take's speaker similarity to its voice's samples is measured (voice drift).
   */
  speakerEmbedder?: () => TakeSpeakerEmbedder | null;
  /**
   * A voice's own samples (the reference for voice drift), with a key that changes whenever they change (their
   * sha256s); null for voices without samples (engine voices). `load` decodes them (the vault may be locked: it
   * throws, and the take is checked without the similarity).
   */
  voiceSamples?: (voiceId: string) => VoiceReference | null;
  /**
   * The installed speech-recognition pack (English), or null. With it, each English take is transcribed and its word
   * error rate against the text decides about the words; the aligner stays the fallback.
   */
  transcriber?: () => TakeTranscriber | null;
}

export type TakeSpeakerEmbedder = SpeakerEmbedderLike;

export interface TakeTranscriber {
  /** The pack's id (the ledger's engine). */
  readonly engine: string;
  /** The text heard in the audio. */
  transcribe(samples: Float32Array, sampleRate: number, signal?: AbortSignal): Promise<string>;
}

export class TakeQcService {
  private readonly waiting: { takeId: string; projectId: string }[] = [];
  /** Voice drift: a take against the mean embedding of its voice's samples (cached in memory only; voice-similarity.ts). */
  private readonly similarity: VoiceSimilarity;
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(private readonly d: TakeQcDeps) {
    this.similarity = new VoiceSimilarity({
      speakerEmbedder: () => d.speakerEmbedder?.() ?? null,
      voiceSamples: (voiceId) => d.voiceSamples?.(voiceId) ?? null,
    });
  }

  /**
   * How much `audio` sounds like voice `voiceId` (0..1) with the installed speaker pack: the voice-drift measure,
   * also the dub report's per-segment similarity. Null without the pack, for voices without samples, for audio too
   * short to embed.
   */
  voiceSimilarity(voiceId: string, audio: { samples: Float32Array; sampleRate: number }): Promise<number | null> {
    return this.similarity.of(voiceId, audio);
  }

  /** The stored QC of a take, or null when it has none (or it cannot be read). */
  stored(takeId: string): TakeQc | null {
    const raw = this.d.repos.takes.qc(takeId);
    if (!raw) return null;
    const parsed = TakeQcSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  }

  /** The stored QC, or a fresh check (stored) when there is none. */
  async get(takeId: string, signal?: AbortSignal): Promise<TakeQc> {
    return this.stored(takeId) ?? this.check(takeId, signal);
  }

  /** Check a take now and store the result. */
  async check(takeId: string, signal?: AbortSignal): Promise<TakeQc> {
    const row = this.d.repos.takes.row(takeId);
    const qc = await this.compute(row, signal);
    this.d.repos.takes.setQc(takeId, qc.status, JSON.stringify(qc));
    return qc;
  }

  private async compute(
    row: { id: string; file: string; text: string; spoken_text: string | null; voice_id: string },
    signal?: AbortSignal,
  ): Promise<TakeQc> {
    const parsed = parseInlineTags(row.text);
    const text = row.spoken_text ?? parsed.text;
    const language = alignLanguage(await this.d.languageOf(row.voice_id));
    if (!language)
      return uncheckedQc(row.id, 'the aligner has no model for this voice’s language (English and French only).');
    let words = 0;
    try {
      words = normaliseForAlignment(text, language).tokens.length;
    } catch {
      words = MAX_ALIGN_WORDS + 1;
    }
    if (words === 0) return uncheckedQc(row.id, 'the line has no words to check.');
    if (words > MAX_ALIGN_WORDS)
      return uncheckedQc(row.id, `the line has more than ${MAX_ALIGN_WORDS} words: split it to have it checked.`);
    const data = await fsp.readFile(path.join(this.d.takesDir, row.file)).catch((err: NodeJS.ErrnoException) => {
      throw new ApiError(
        'NOT_FOUND',
        `The audio file of a take is missing (${path.basename(row.file)}): generate the line again. (${err.code ?? err.message})`,
      );
    });
    const wav = decodeWav(data);
    const duration = wav.samples.length / wav.sampleRate;
    if (duration > MAX_ALIGN_SECONDS)
      return uncheckedQc(
        row.id,
        `the take is ${Math.round(duration)} s long; takes of up to ${MAX_ALIGN_SECONDS} s are checked: split the line.`,
      );
    if (duration < 0.1) return uncheckedQc(row.id, 'the take is shorter than 0.1 s.');
    let alignment;
    this.d.onModelRun?.(row.id, 'aligner', language);
    try {
      alignment = await this.d.aligner.align(wav.samples, wav.sampleRate, text, language, { signal });
    } catch (err) {
      if (err instanceof AlignError && err.code === 'CANCELLED') throw new ApiError('CANCELLED', 'Cancelled');
      if (err instanceof AlignError && err.code === 'INVALID_INPUT')
        return uncheckedQc(row.id, lowerFirst(err.message));
      throw err;
    }
    const pauses = parsed.segments.map((s) => ('pause' in s ? s.pause : 0));
    const qc = takeQc({
      takeId: row.id,
      alignment,
      durationSeconds: duration,
      clipping: scanClipping(wav.samples, wav.sampleRate),
      levels: frameLevels(wav.samples, wav.sampleRate),
      deliberatePauseSeconds: Math.max(0, ...pauses),
    });
    return withPackChecks(qc, await this.packChecks(row, wav, text, language, signal));
  }

  /** What the installed packs measure in a take: speaker similarity to its voice, the recogniser's transcript. */
  private async packChecks(
    row: { id: string; voice_id: string },
    wav: { samples: Float32Array; sampleRate: number },
    text: string,
    language: 'en' | 'fr',
    signal?: AbortSignal,
  ): Promise<PackChecks> {
    const p: PackChecks = {};
    try {
      if (this.d.speakerEmbedder?.() && this.d.voiceSamples?.(row.voice_id))
        this.d.onModelRun?.(row.id, SPEAKER_PACK_ID, language);
      const similarity = await this.similarity.of(row.voice_id, wav);
      if (similarity !== null) p.similarity = similarity;
      else if (this.d.speakerEmbedder?.() && this.d.voiceSamples?.(row.voice_id))
        this.d.log?.(`Speaker check of take ${row.id} skipped: the take is too short to compare (under 0.5 s)`);
    } catch (err) {
      this.d.log?.(`Speaker check of take ${row.id} skipped: ${(err as Error).message}`);
    }
    const asr = language === 'en' ? (this.d.transcriber?.() ?? null) : null;
    if (asr) {
      try {
        this.d.onModelRun?.(row.id, asr.engine, language);
        const transcript = await asr.transcribe(wav.samples, wav.sampleRate, signal);
        const reference = spokenText(text, language);
        p.asr = { transcript, reference };
      } catch (err) {
        if (signal?.aborted) throw new ApiError('CANCELLED', 'Cancelled');
        this.d.log?.(
          `Transcription of take ${row.id} failed (the aligner's word check stands): ${(err as Error).message}`,
        );
      }
    }
    return p;
  }

  /** QC of every active take of a project, checking those without one; flagged lines first. */
  async project(
    projectId: string,
    opts: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {},
  ): Promise<ProjectQc> {
    this.d.repos.projects.row(projectId); // NOT_FOUND for an unknown project
    const rows = this.d.repos.lines.rows(projectId);
    let withoutTake = 0;
    const withTake = rows.filter((l) => {
      if (l.active_take_id) return true;
      withoutTake++;
      return false;
    });
    const stored = this.d.repos.takes.qcOf(withTake.map((l) => l.active_take_id!));
    const lines: LineQc[] = [];
    let done = 0;
    for (const l of withTake) {
      if (opts.signal?.aborted) throw new ApiError('CANCELLED', 'Cancelled');
      const raw = stored.get(l.active_take_id!);
      let qc: TakeQc | null = null;
      if (raw) {
        const p = TakeQcSchema.safeParse(JSON.parse(raw));
        if (p.success) qc = p.data;
      }
      if (!qc) {
        try {
          qc = await this.check(l.active_take_id!, opts.signal);
        } catch (err) {
          if (err instanceof ApiError && err.code === 'CANCELLED') throw err;
          qc = uncheckedQc(l.active_take_id!, lowerFirst((err as Error).message));
        }
      }
      lines.push({ lineId: l.id, number: l.position + 1, speaker: l.speaker, text: parseInlineTags(l.text).text, qc });
      opts.onProgress?.(++done, withTake.length);
    }
    const rank = { flagged: 0, unchecked: 1, ok: 2 } as const;
    lines.sort((a, b) => rank[a.qc.status] - rank[b.qc.status] || a.number - b.number);
    const count = (s: TakeQc['status']) => lines.filter((l) => l.qc.status === s).length;
    return { projectId, lines, flagged: count('flagged'), unchecked: count('unchecked'), ok: count('ok'), withoutTake };
  }

  /** Check a new take in the background (after the ones already waiting). */
  schedule(takeId: string, projectId: string): void {
    if (this.stopped) return;
    this.waiting.push({ takeId, projectId });
    this.running ??= this.drain().finally(() => (this.running = null));
  }

  private async drain(): Promise<void> {
    for (let next = this.waiting.shift(); next && !this.stopped; next = this.waiting.shift()) {
      try {
        if (!this.d.repos.takes.rowOrNull(next.takeId)) continue;
        // Checked meanwhile (projects.qc): still announced, so auto-retake sees every new take's result.
        const qc = this.stored(next.takeId) ?? (await this.check(next.takeId));
        this.d.onChecked?.(next.projectId, qc);
      } catch (err) {
        this.d.log?.(`QC of take ${next.takeId} failed: ${(err as Error).message}`);
      }
    }
  }

  /** Resolves when every scheduled check has finished (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  stop(): void {
    this.stopped = true;
    this.waiting.length = 0;
  }
}

const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);
