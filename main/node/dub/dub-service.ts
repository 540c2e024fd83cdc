/**
 * Dubbing projects (issue #11, docs/dubbing.md "Dubbing projects"): what the Dub view edits, saved in SQLite
 * (migration 0030) like studio projects, served over the contract (`dub.*` in preload/contract/dub.ts).
 *
 * A project holds the media (a path read only, never modified; a browser upload is kept as a copy in the data
 * folder), its probe, the settings, the segments (cue times, speaker, source and target text, lock, the current take
 * and its fit) and the voice of each speaker. Takes are fitted WAV files (`dub/<project>/takes/`), written atomically
 * before the row that names them, so a crash never lists a partial take; files no row names are swept at start.
 *
 * Generate-all runs segment by segment on the core's synthesis worker (models stay loaded; one segment's regenerate
 * takes seconds), reports `dub.progress` with an ETA, is cancellable, and is resumed at start-up when the process
 * died while it ran (`dub_projects.generation = 'running'`): only segments without a current take are made, so
 * nothing is generated twice. Export and the player's preview run the streaming pipeline (pipeline.ts) on the
 * stored takes.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Db } from '../db/database.js';
import { ApiError, notFound } from '../../../native-models/common/errors.js';
import { decodeWav, encodeWav } from '../../../native-models/audio/wav.js';
import { checkInputFile } from '../../../native-models/common/safe-fs.js';
import {
  DUB_PROJECT_LIMITS,
  DubProjectSettings,
  DubSegment,
  type DubExportFormat,
  type DubExportInfo,
  type DubGeneration,
  type DubMediaInfo,
  type DubMediaSource,
  type DubPrediction,
  type DubProjectDetail,
  type DubProjectSegment,
  type DubProjectSummary,
  type DubReport,
  type DubSubtitleSource,
  type EventName,
  type EventPayload,
} from '../../../preload/contract/index.js';
import { borrowLimit, predictSegment, SpeakingRateModel } from '../../common/dub/fit.js';
import {
  parseSubtitleFile,
  SubtitleLimitError,
  SubtitleParseError,
  type DubCue,
  type ParsedSubtitles,
} from '../../common/dub/subtitle-file.js';
import { writeFileAtomic } from '../atomic-fs.js';
import { newId, nowIso } from '../ids.js';
import { extractAudio, probeMedia, RawF32Reader } from './media.js';
import { SileroVad } from '../../../native-models/vad/index.js';
import { SEPARATION_PACK_MISSING } from '../../../native-models/separation/pack.js';
import { gatherSpeakerClip, type GatheredClip } from './clone.js';
import { DubAnalysis } from './dub-analysis.js';
import {
  DUB_DEFAULT_VOICE,
  makeSegmentTake,
  readSubtitles,
  runDub,
  writeBilingualSrt,
  type DubDeps,
} from './pipeline.js';

type Emit = <E extends EventName>(event: E, payload: EventPayload<E>) => void;

export const DEFAULT_DUB_SETTINGS: DubProjectSettings = {
  background: 'duck',
  maxStretch: 1.15,
  maxBorrow: 1,
  duckDb: 20,
  loudness: -16,
  language: null,
  defaultVoice: DUB_DEFAULT_VOICE,
};

interface ProjectRow {
  id: string;
  name: string;
  media_path: string;
  media_name: string;
  media_upload: number;
  probe: string;
  settings: string;
  generation: string;
  generation_error: string | null;
  revision: number;
  last_export: string | null;
  warnings: string;
  created_at: string;
  updated_at: string;
}

interface SegmentRow {
  id: string;
  project_id: string;
  start_s: number;
  end_s: number;
  speaker: string | null;
  source_text: string;
  text: string;
  locked: number;
  take_file: string | null;
  take_key: string | null;
  fit: string | null;
}

export interface DubServiceOptions {
  db: Db;
  /** The data folder (`dub/` is made in it). */
  root: string;
  deps: DubDeps;
  emit: Emit;
  log?: (msg: string) => void;
  /** The Silero VAD model file (the `silero-vad` pack), or null when it is not installed. */
  locateVad?: () => string | null;
  /** The GTCRN model file (the `gtcrn` pack, clone-from-video's optional denoise), or null when not installed. */
  locateGtcrn?: () => string | null;
  /** The speaker-embedding pack's folder (`speaker-wespeaker-en`), or null when it is not installed. */
  locateSpeakerPack?: () => string | null;
  /** The ASR pack's folder (`parakeet-ctc-en`), or null when it is not installed. */
  locateAsrPack?: () => string | null;
}

interface Running {
  abort: AbortController;
  done: number;
  total: number;
  startedAt: number;
  /** Takes made in this run (the ETA's pace). */
  made: number;
  promise: Promise<void>;
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;
const spokenOf = (text: string) => text.replace(/\s*\n\s*/g, ' ');

/** Subtitle bytes from a path or an upload, parsed (bounded before reading), with a plain error on bad input. */
async function loadSubtitles(src: DubSubtitleSource): Promise<ParsedSubtitles> {
  if ('path' in src) return readSubtitles(path.resolve(src.path), true);
  const bytes = Buffer.from(src.base64, 'base64');
  try {
    return parseSubtitleFile(bytes, src.fileName, { speakerPrefix: true });
  } catch (err) {
    if (err instanceof SubtitleParseError || err instanceof SubtitleLimitError)
      throw new ApiError('INVALID_INPUT', `${src.fileName}: ${err.message}`);
    throw err;
  }
}

export class DubService {
  private readonly db: Db;
  private readonly dir: string;
  private readonly running = new Map<string, Running>();
  /** Clones from the video in progress, per project (one at a time per project). */
  private readonly clones = new Map<string, AbortController>();
  /** Preview files being built, per project (one build at a time; callers of the same revision share it). */
  private readonly previews = new Map<string, { revision: number; promise: Promise<string> }>();
  private closed = false;
  /** Each list of segment rows' slots (takeKey's borrow limits), while the list is in use. */
  private readonly slotsOf = new WeakMap<SegmentRow[], { start: number; end: number }[]>();
  /** Speakers and transcripts from the installed packs (dub-analysis.ts). */
  readonly analysis: DubAnalysis;

  constructor(private readonly o: DubServiceOptions) {
    this.db = o.db;
    this.dir = path.join(o.root, 'dub');
    mkdirSync(this.dir, { recursive: true });
    this.analysis = new DubAnalysis({
      db: this.db,
      emit: o.emit,
      get: (id) => this.get(id),
      touched: (id) => this.touched(id),
      locateSpeakerPack: o.locateSpeakerPack,
      locateAsrPack: o.locateAsrPack,
    });
  }

  /** The report's take similarity of the core's engine (`timbre dub` reports it too); absent: none. */
  get takeSimilarity(): DubDeps['similarity'] {
    return this.o.deps.similarity;
  }

  // -----------------------------------------------------------------------------------------------------------------
  // Start-up: sweep, resume
  // -----------------------------------------------------------------------------------------------------------------

  /** Remove files no row names (a crash between a take file and its row; deleted projects), resume generation. */
  start(): { resumed: string[]; filesRemoved: number } {
    let filesRemoved = 0;
    const projects = new Set(
      (this.db.prepare('SELECT id FROM dub_projects').all() as { id: string }[]).map((r) => r.id),
    );
    const takes = new Set(
      (
        this.db.prepare('SELECT take_file FROM dub_segments WHERE take_file IS NOT NULL').all() as {
          take_file: string;
        }[]
      ).map((r) => r.take_file),
    );
    const uploads = new Set(
      (
        this.db.prepare('SELECT media_path FROM dub_projects WHERE media_upload = 1').all() as { media_path: string }[]
      ).map((r) => path.dirname(path.resolve(r.media_path))),
    );
    for (const entry of readdirSync(this.dir, { withFileTypes: true })) {
      const abs = path.join(this.dir, entry.name);
      if (entry.name === 'uploads') {
        // Uploads that never became a project (the page closed between the upload and dub.create).
        for (const f of readdirSync(abs))
          if (!uploads.has(path.join(abs, f))) rmSync(path.join(abs, f), { recursive: true, force: true });
        continue;
      }
      if (!entry.isDirectory() || !projects.has(entry.name)) {
        rmSync(abs, { recursive: true, force: true });
        filesRemoved++;
        continue;
      }
      const takeDir = path.join(abs, 'takes');
      for (const f of existsSync(takeDir) ? readdirSync(takeDir) : []) {
        if (!takes.has(path.join(entry.name, 'takes', f))) {
          rmSync(path.join(takeDir, f), { force: true });
          filesRemoved++;
        }
      }
      for (const f of readdirSync(abs)) if (f.startsWith('preview-')) rmSync(path.join(abs, f), { force: true });
    }
    const interrupted = (
      this.db.prepare("SELECT id FROM dub_projects WHERE generation = 'running'").all() as { id: string }[]
    ).map((r) => r.id);
    for (const id of interrupted) this.startGeneration(id, false);
    return { resumed: interrupted, filesRemoved };
  }

  // -----------------------------------------------------------------------------------------------------------------
  // Reading
  // -----------------------------------------------------------------------------------------------------------------

  private row(id: string): ProjectRow {
    const r = this.db.prepare('SELECT * FROM dub_projects WHERE id = ?').get(id) as ProjectRow | undefined;
    if (!r) throw notFound('Dubbing project', id);
    return r;
  }

  private segRows(projectId: string): SegmentRow[] {
    return this.db
      .prepare('SELECT * FROM dub_segments WHERE project_id = ? ORDER BY start_s, rowid')
      .all(projectId) as SegmentRow[];
  }

  private segRow(id: string): SegmentRow {
    const r = this.db.prepare('SELECT * FROM dub_segments WHERE id = ?').get(id) as SegmentRow | undefined;
    if (!r) throw notFound('Segment', id);
    return r;
  }

  private settingsOf(r: ProjectRow): DubProjectSettings {
    return DubProjectSettings.parse(JSON.parse(r.settings));
  }

  private probeOf(r: ProjectRow): DubMediaInfo {
    return JSON.parse(r.probe) as DubMediaInfo;
  }

  private speakerVoices(projectId: string): Map<string, string | null> {
    const rows = this.db
      .prepare('SELECT name, voice_id FROM dub_speakers WHERE project_id = ? ORDER BY name')
      .all(projectId) as { name: string; voice_id: string | null }[];
    return new Map(rows.map((x) => [x.name.toLowerCase(), x.voice_id]));
  }

  /** The voice a segment speaks with: its speaker's, else the project's default. */
  private voiceOf(seg: Pick<SegmentRow, 'speaker'>, voices: Map<string, string | null>, settings: DubProjectSettings) {
    return (seg.speaker && voices.get(seg.speaker.toLowerCase())) || settings.defaultVoice;
  }

  /** What a take depends on: when any of it changes, the take is stale. */
  private takeKey(
    segs: SegmentRow[],
    i: number,
    voice: string,
    settings: DubProjectSettings,
    duration: number,
  ): { key: string; limit: number } {
    const s = segs[i];
    // The slots of this list of rows, made once per list (get() asks for every segment: n², not n, otherwise).
    let slots = this.slotsOf.get(segs);
    if (!slots) this.slotsOf.set(segs, (slots = segs.map((x) => ({ start: x.start_s, end: x.end_s }))));
    const limit = borrowLimit(slots, i, duration, settings.maxBorrow);
    return {
      key: JSON.stringify([spokenOf(s.text), voice, r3(s.start_s), r3(s.end_s), r3(limit), settings.maxStretch]),
      limit,
    };
  }

  /**
   * Each voice's speaking rate, calibrated on the project's takes made with it (their text and natural length; the
   * voice is the one the take was made with, from its take key), for fit before generating.
   */
  private speakingRates(segs: SegmentRow[]): SpeakingRateModel {
    const rates = new SpeakingRateModel();
    for (const s of segs) {
      if (!s.take_file || !s.fit || !s.take_key) continue;
      try {
        const key = JSON.parse(s.take_key) as unknown[];
        const f = JSON.parse(s.fit) as { text?: unknown; takeSeconds?: unknown };
        if (typeof key[1] === 'string' && typeof f.text === 'string' && typeof f.takeSeconds === 'number')
          rates.observe(key[1], spokenOf(f.text), f.takeSeconds);
      } catch {
        // a row from an older version without these: no calibration from it
      }
    }
    return rates;
  }

  private generationOf(r: ProjectRow, segs: SegmentRow[]): DubGeneration {
    const run = this.running.get(r.id);
    if (run) {
      const elapsed = (Date.now() - run.startedAt) / 1000;
      return {
        status: 'running',
        done: run.done,
        total: run.total,
        etaSeconds: run.made > 0 ? Math.round((elapsed / run.made) * (run.total - run.done)) : null,
        error: null,
      };
    }
    const status = r.generation === 'running' ? 'idle' : (r.generation as DubGeneration['status']);
    const spoken = segs.filter((s) => s.text.trim());
    return {
      status,
      done: spoken.filter((s) => s.take_file).length,
      total: spoken.length,
      etaSeconds: null,
      error: r.generation_error,
    };
  }

  private summaryOf(r: ProjectRow, segs: SegmentRow[]): DubProjectSummary {
    const probe = this.probeOf(r);
    return {
      id: r.id,
      name: r.name,
      mediaName: r.media_name,
      durationSeconds: probe.durationSeconds,
      hasVideo: !!probe.video,
      segments: segs.length,
      generated: segs.filter((s) => s.take_file).length,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    };
  }

  list(): DubProjectSummary[] {
    const rows = this.db.prepare('SELECT * FROM dub_projects ORDER BY updated_at DESC').all() as ProjectRow[];
    return rows.map((r) => this.summaryOf(r, this.segRows(r.id)));
  }

  get(id: string): DubProjectDetail {
    const r = this.row(id);
    const segs = this.segRows(id);
    const settings = this.settingsOf(r);
    const probe = this.probeOf(r);
    const voices = this.speakerVoices(id);
    const names = new Map<string, string>();
    for (const s of segs)
      if (s.speaker && !names.has(s.speaker.toLowerCase())) names.set(s.speaker.toLowerCase(), s.speaker);
    const rates = this.speakingRates(segs);
    const segmentList: DubProjectSegment[] = segs.map((s, i) => {
      const voice = this.voiceOf(s, voices, settings);
      const { key, limit } = this.takeKey(segs, i, voice, settings, probe.durationSeconds);
      const fit = s.fit ? DubSegment.parse({ ...JSON.parse(s.fit), index: i }) : null;
      let predicted: DubPrediction | null = null;
      if (s.text.trim()) {
        const spoken = spokenOf(s.text);
        const pr = predictSegment(rates, voice, spoken, s.end_s - s.start_s, limit, settings.maxStretch);
        predicted = {
          predictedSeconds: r3(pr.predictedSeconds),
          fit: pr.fit.fit,
          stretch: Math.round(pr.fit.stretch * 1000) / 1000,
          borrowedSeconds: r3(pr.fit.borrowedSeconds),
          tooLongBySeconds: r3(pr.fit.tooLongBySeconds),
          rate: Math.round(rates.rate(voice) * 100) / 100,
          calibrated: pr.calibrated,
        };
      }
      return {
        predicted,
        id: s.id,
        index: i,
        start: s.start_s,
        end: s.end_s,
        speaker: s.speaker,
        sourceText: s.source_text,
        text: s.text,
        locked: !!s.locked,
        fit,
        stale: !!s.take_file && s.take_key !== key,
      };
    });
    return {
      ...this.summaryOf(r, segs),
      media: probe,
      settings,
      speakers: [...names.entries()].map(([k, name]) => ({ name, voiceId: voices.get(k) ?? null })),
      segmentList,
      generation: this.generationOf(r, segs),
      revision: r.revision,
      lastExport: r.last_export ? (JSON.parse(r.last_export) as DubExportInfo) : null,
      warnings: JSON.parse(r.warnings) as string[],
    };
  }

  // -----------------------------------------------------------------------------------------------------------------
  // Creating and deleting
  // -----------------------------------------------------------------------------------------------------------------

  /** The file of a browser upload of media (web mode), kept as `dub/uploads/<id>/<name>` until dub.create takes it. */
  uploadPath(uploadId: string): string {
    const dir = path.join(this.dir, 'uploads', uploadId);
    const f = existsSync(dir) ? readdirSync(dir).filter((x) => !x.includes('.tmp-')) : [];
    if (f.length !== 1)
      throw new ApiError(
        'NOT_FOUND',
        'The uploaded file is no longer there (uploads are kept until a project is made): upload it again.',
      );
    return path.join(dir, f[0]);
  }

  /** Keep uploaded media bytes (web mode) for dub.create, under a safe version of its name (the player needs its type). */
  async keepUpload(name: string, bytes: Buffer): Promise<string> {
    return (await this.keepUploadStream(name, [bytes], bytes.length)).uploadId;
  }

  /**
   * Keep an upload of media (web mode) as it arrives: written chunk by chunk to a temporary file beside its final
   * name and renamed when complete, so a video of any size never sits in memory. Over the size cap, a failed write
   * (a full disk) or a client that goes away: the partial file is removed and nothing is kept.
   */
  async keepUploadStream(
    name: string,
    body: AsyncIterable<Buffer> | Iterable<Buffer>,
    declaredBytes: number | null,
  ): Promise<{ uploadId: string; bytes: number }> {
    const max = DUB_PROJECT_LIMITS.mediaUploadBytesMax;
    const tooLarge = () =>
      new ApiError('INVALID_INPUT', `${name} is larger than ${max / 1048576} MiB.`, { uploadProblem: 'too-large' });
    if (declaredBytes !== null && declaredBytes > max) throw tooLarge();
    const safe =
      path
        .basename(name)
        .replace(/[^\p{L}\p{N} ._-]+/gu, '_')
        .replace(/^\.+/, '')
        .slice(-120) || 'media';
    const id = newId('dubup');
    const dir = path.join(this.dir, 'uploads', id);
    await fsp.mkdir(dir, { recursive: true });
    // uploadPath() never takes a '.tmp-' name: until the rename, the upload does not exist.
    const tmp = path.join(dir, `${safe}.tmp-${randomBytes(4).toString('hex')}`);
    let size = 0;
    try {
      const fh = await fsp.open(tmp, 'wx', 0o600);
      try {
        for await (const chunk of body) {
          size += chunk.length;
          if (size > max) throw tooLarge();
          await fh.write(chunk);
        }
        await fh.sync();
      } finally {
        await fh.close();
      }
      await fsp.rename(tmp, path.join(dir, safe));
    } catch (err) {
      await fsp.rm(dir, { recursive: true, force: true });
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOSPC' || code === 'EDQUOT')
        throw new ApiError(
          'DISK_FULL',
          `The disk is full: ${name} could not be kept (${Math.round(size / 1048576)} MiB received).`,
        );
      if (err instanceof ApiError) throw err;
      if (code === 'ECONNRESET' || code === 'ABORT_ERR' || (err as Error).message === 'aborted')
        throw new ApiError('CANCELLED', `The upload of ${name} stopped before it was complete: nothing was kept.`);
      throw err;
    }
    return { uploadId: id, bytes: size };
  }

  async create(p: {
    name?: string;
    media: DubMediaSource;
    targetSubs?: DubSubtitleSource;
    sourceSubs?: DubSubtitleSource;
    settings?: Partial<DubProjectSettings>;
  }): Promise<DubProjectDetail> {
    const settings = DubProjectSettings.parse({ ...DEFAULT_DUB_SETTINGS, ...(p.settings ?? {}) });
    if (settings.defaultVoice !== DEFAULT_DUB_SETTINGS.defaultVoice)
      await this.o.deps.resolveVoice(settings.defaultVoice);
    let mediaPath: string;
    let mediaName: string;
    const uploaded = 'uploadId' in p.media;
    if ('uploadId' in p.media) {
      mediaPath = this.uploadPath(p.media.uploadId);
      mediaName = path.basename(mediaPath);
    } else {
      mediaPath = path.resolve(p.media.path);
      mediaName = path.basename(mediaPath);
      await checkInputFile(mediaPath, { what: 'The video' });
    }
    const probe = await probeMedia(mediaPath);
    if (!probe.audio && !probe.video) throw new ApiError('INVALID_INPUT', `${mediaName} has neither video nor audio.`);
    const target = p.targetSubs ? await loadSubtitles(p.targetSubs) : null;
    const source = p.sourceSubs ? await loadSubtitles(p.sourceSubs) : null;
    const warnings: string[] = [...(target?.warnings ?? []), ...(source?.warnings ?? [])];
    // Segments: the target cues (source text from the source cues they overlap), else the source cues to translate.
    const base = target ?? source;
    const segments: { start: number; end: number; speaker: string | null; text: string; sourceText: string }[] = [];
    for (const c of base?.cues ?? []) {
      if (c.start >= probe.durationSeconds - 0.05) {
        warnings.push(`Cue ${c.index + 1} starts after the end of the media and was skipped.`);
        continue;
      }
      const end = Math.min(c.end, probe.durationSeconds);
      if (end - c.start < DUB_PROJECT_LIMITS.segmentSecondsMin) continue;
      const sourceText = !target
        ? c.text
        : (source?.cues ?? [])
            .filter((x) => Math.min(x.end, end) - Math.max(x.start, c.start) > 0.05)
            .map((x) => x.text)
            .join('\n');
      segments.push({ start: c.start, end, speaker: c.speaker, text: c.text, sourceText });
    }
    if (segments.length > DUB_PROJECT_LIMITS.segmentsMax)
      throw new ApiError('INVALID_INPUT', `At most ${DUB_PROJECT_LIMITS.segmentsMax} segments in a dubbing project.`);
    const speakers = [...new Set(segments.filter((s) => s.speaker).map((s) => s.speaker!.toLowerCase()))];
    if (speakers.length > 200) throw new ApiError('INVALID_INPUT', 'The subtitles name more than 200 speakers.');
    const id = newId('dub');
    const info: DubMediaInfo = {
      path: mediaPath,
      name: mediaName,
      uploaded,
      format: probe.format,
      durationSeconds: probe.durationSeconds,
      video: probe.video
        ? {
            codec: probe.video.codec,
            width: probe.video.width,
            height: probe.video.height,
            frameRate: probe.video.frameRate,
          }
        : null,
      audio: probe.audio
        ? { codec: probe.audio.codec, channels: probe.audio.channels, sampleRate: probe.audio.sampleRate }
        : null,
    };
    const now = nowIso();
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO dub_projects (id, name, media_path, media_name, media_upload, probe, settings, warnings, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          id,
          p.name ?? mediaName.replace(/\.[^.]+$/, '').slice(0, 200) ?? 'Dub',
          mediaPath,
          mediaName,
          uploaded ? 1 : 0,
          JSON.stringify(info),
          JSON.stringify(settings),
          JSON.stringify(warnings.slice(0, 200)),
          now,
          now,
        );
      const ins = this.db.prepare(
        'INSERT INTO dub_segments (id, project_id, start_s, end_s, speaker, source_text, text) VALUES (?, ?, ?, ?, ?, ?, ?)',
      );
      for (const s of segments) ins.run(newId('dseg'), id, s.start, s.end, s.speaker, s.sourceText, s.text);
      const sp = this.db.prepare('INSERT OR IGNORE INTO dub_speakers (project_id, name, voice_id) VALUES (?, ?, NULL)');
      for (const s of segments) if (s.speaker) sp.run(id, s.speaker);
    })();
    mkdirSync(path.join(this.dir, id, 'takes'), { recursive: true });
    return this.get(id);
  }

  async delete(id: string): Promise<void> {
    const r = this.row(id);
    await this.cancel(id);
    this.clones.get(id)?.abort(); // a clone from this project's media stops (nothing is created)
    await this.analysis.cancel(id);
    this.db.prepare('DELETE FROM dub_projects WHERE id = ?').run(id);
    rmSync(path.join(this.dir, id), { recursive: true, force: true });
    // An uploaded copy goes with its project; the user's own file is never touched.
    if (r.media_upload) rmSync(path.dirname(r.media_path), { recursive: true, force: true });
    this.previews.delete(id);
  }

  // -----------------------------------------------------------------------------------------------------------------
  // Editing
  // -----------------------------------------------------------------------------------------------------------------

  /** Bump the revision (the preview's cache key) and tell the pages. */
  private touched(projectId: string): void {
    this.db
      .prepare('UPDATE dub_projects SET revision = revision + 1, updated_at = ? WHERE id = ?')
      .run(nowIso(), projectId);
    this.o.emit('dub.changed', { projectId });
  }

  /** Segments must stay inside the media, at least the minimum long, and never overlap their neighbours. */
  private checkTimes(projectId: string, segId: string | null, start: number, end: number): void {
    const probe = this.probeOf(this.row(projectId));
    const min = DUB_PROJECT_LIMITS.segmentSecondsMin;
    if (!(end - start >= min - 1e-9))
      throw new ApiError('INVALID_INPUT', `A segment must last at least ${min} s (it would be ${r3(end - start)} s).`);
    if (end > probe.durationSeconds + 1e-6)
      throw new ApiError(
        'INVALID_INPUT',
        `A segment must end by the end of the media (${r3(probe.durationSeconds)} s).`,
      );
    const other = this.segRows(projectId).find(
      (s) => s.id !== segId && s.start_s < end - 1e-6 && s.end_s > start + 1e-6,
    );
    if (other)
      throw new ApiError(
        'INVALID_INPUT',
        `That would overlap the segment at ${r3(other.start_s)}–${r3(other.end_s)} s ("${other.text.slice(0, 40)}"): move or shorten that one first.`,
      );
  }

  updateSettings(projectId: string, patch: Partial<DubProjectSettings>): Promise<DubProjectDetail> {
    return (async () => {
      const r = this.row(projectId);
      const next = DubProjectSettings.parse({ ...this.settingsOf(r), ...patch });
      if (patch.defaultVoice) await this.o.deps.resolveVoice(patch.defaultVoice);
      if (next.background === 'center' && (this.probeOf(r).audio?.channels ?? 0) < 2)
        throw new ApiError('INVALID_INPUT', 'Centre cancellation needs a stereo source; this one is not. Use ducking.');
      if (next.background === 'separate' && !this.o.deps.separation?.())
        throw new ApiError('ENGINE_UNAVAILABLE', SEPARATION_PACK_MISSING);
      this.db.prepare('UPDATE dub_projects SET settings = ? WHERE id = ?').run(JSON.stringify(next), projectId);
      this.touched(projectId);
      return this.get(projectId);
    })();
  }

  updateSegment(p: {
    segmentId: string;
    text?: string;
    speaker?: string | null;
    start?: number;
    end?: number;
    locked?: boolean;
  }): DubProjectDetail {
    const s = this.segRow(p.segmentId);
    const start = p.start ?? s.start_s;
    const end = p.end ?? s.end_s;
    if (
      s.locked &&
      p.locked !== false &&
      (p.text !== undefined || p.start !== undefined || p.end !== undefined || p.speaker !== undefined)
    )
      throw new ApiError('CONFLICT', 'This segment is locked: unlock it to change it.');
    if (p.start !== undefined || p.end !== undefined) this.checkTimes(s.project_id, s.id, start, end);
    this.db.transaction(() => {
      this.db
        .prepare('UPDATE dub_segments SET text = ?, speaker = ?, start_s = ?, end_s = ?, locked = ? WHERE id = ?')
        .run(
          p.text ?? s.text,
          p.speaker === undefined ? s.speaker : p.speaker,
          start,
          end,
          p.locked === undefined ? s.locked : p.locked ? 1 : 0,
          s.id,
        );
      if (p.speaker)
        this.db
          .prepare('INSERT OR IGNORE INTO dub_speakers (project_id, name) VALUES (?, ?)')
          .run(s.project_id, p.speaker);
    })();
    this.touched(s.project_id);
    return this.get(s.project_id);
  }

  addSegment(p: {
    projectId: string;
    start: number;
    end: number;
    text: string;
    speaker?: string | null;
  }): DubProjectDetail {
    this.row(p.projectId);
    if (this.segRows(p.projectId).length >= DUB_PROJECT_LIMITS.segmentsMax)
      throw new ApiError('INVALID_INPUT', `At most ${DUB_PROJECT_LIMITS.segmentsMax} segments in a dubbing project.`);
    this.checkTimes(p.projectId, null, p.start, p.end);
    this.db.transaction(() => {
      this.db
        .prepare('INSERT INTO dub_segments (id, project_id, start_s, end_s, speaker, text) VALUES (?, ?, ?, ?, ?, ?)')
        .run(newId('dseg'), p.projectId, p.start, p.end, p.speaker ?? null, p.text);
      if (p.speaker)
        this.db
          .prepare('INSERT OR IGNORE INTO dub_speakers (project_id, name) VALUES (?, ?)')
          .run(p.projectId, p.speaker);
    })();
    this.touched(p.projectId);
    return this.get(p.projectId);
  }

  /**
   * Segments from speech regions (Silero VAD on the media's audio, decoded by ffmpeg to a private temporary file and
   * read in 10 s blocks, so memory does not grow with the length), where no segment is yet. Their text is empty, for
   * the user to type; generation and export skip segments without text.
   */
  async detectSpeech(projectId: string): Promise<DubProjectDetail> {
    const r = this.row(projectId);
    const probe = this.probeOf(r);
    if (!probe.audio) throw new ApiError('INVALID_INPUT', 'This media has no audio to find speech in.');
    const model = this.o.locateVad?.() ?? null;
    if (!model)
      throw new ApiError(
        'ENGINE_UNAVAILABLE',
        'Finding speech needs the "silero-vad" model pack, which is not installed: install it in Models (or "timbre models download silero-vad"), or load a subtitle file.',
      );
    const RATE = 16_000;
    const work = mkdtempSync(path.join(tmpdir(), 'timbre-dubvad-'));
    let regions: { start: number; end: number }[];
    try {
      const raw = path.join(work, 'speech.f32');
      await extractAudio(probe.path, raw, 1, RATE);
      const reader = await RawF32Reader.open(raw, 1);
      const vad = await SileroVad.load(model);
      try {
        const blocks = async function* () {
          for (let f = 0; f < reader.frames; f += RATE * 10)
            yield reader.read(f, Math.min(RATE * 10, reader.frames - f));
        };
        regions = (await vad.detectBlocks(blocks(), RATE, { minSilenceMs: 400, speechPadMs: 80 })).segments;
      } finally {
        await vad.dispose();
        await reader.close();
      }
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
    const existing = this.segRows(projectId);
    const room = DUB_PROJECT_LIMITS.segmentsMax - existing.length;
    const fresh = regions
      .map((g) => ({ start: r3(Math.max(0, g.start)), end: r3(Math.min(probe.durationSeconds, g.end)) }))
      .filter((g) => g.end - g.start >= 0.3)
      .filter((g) => !existing.some((s) => s.start_s < g.end && s.end_s > g.start))
      .slice(0, Math.max(0, room));
    if (fresh.length) {
      this.db.transaction(() => {
        const ins = this.db.prepare(
          "INSERT INTO dub_segments (id, project_id, start_s, end_s, text) VALUES (?, ?, ?, ?, '')",
        );
        for (const g of fresh) ins.run(newId('dseg'), projectId, g.start, g.end);
      })();
      this.touched(projectId);
    }
    return this.get(projectId);
  }

  deleteSegment(segmentId: string): DubProjectDetail {
    const s = this.segRow(segmentId);
    if (s.locked) throw new ApiError('CONFLICT', 'This segment is locked: unlock it to delete it.');
    this.db.prepare('DELETE FROM dub_segments WHERE id = ?').run(s.id);
    this.removeTake(s.project_id, s.take_file);
    this.touched(s.project_id);
    return this.get(s.project_id);
  }

  splitSegment(segmentId: string, at: number, textAt?: number): DubProjectDetail {
    const s = this.segRow(segmentId);
    if (s.locked) throw new ApiError('CONFLICT', 'This segment is locked: unlock it to split it.');
    const min = DUB_PROJECT_LIMITS.segmentSecondsMin;
    if (!(at - s.start_s >= min && s.end_s - at >= min))
      throw new ApiError(
        'INVALID_INPUT',
        `Split inside the segment (${r3(s.start_s)}–${r3(s.end_s)} s), leaving at least ${min} s on each side.`,
      );
    const words = s.text.split(/(\s+)/);
    let cut = textAt;
    if (cut === undefined) {
      // At the word boundary nearest the time's share of the text.
      const want = ((at - s.start_s) / (s.end_s - s.start_s)) * s.text.length;
      let pos = 0;
      let best = -1;
      for (const w of words) {
        pos += w.length;
        if (/^\s+$/.test(w) && (best < 0 || Math.abs(pos - want) < Math.abs(best - want))) best = pos;
      }
      cut = best;
    }
    const first = cut > 0 ? s.text.slice(0, cut).trim() : '';
    const second = cut > 0 ? s.text.slice(cut).trim() : '';
    if (!first || !second)
      throw new ApiError(
        'INVALID_INPUT',
        'The text cannot be split there: each part needs words (a segment of one word cannot be split).',
      );
    this.db.transaction(() => {
      this.db.prepare('UPDATE dub_segments SET end_s = ?, text = ? WHERE id = ?').run(at, first, s.id);
      this.db
        .prepare(
          'INSERT INTO dub_segments (id, project_id, start_s, end_s, speaker, source_text, text) VALUES (?, ?, ?, ?, ?, ?, ?)',
        )
        .run(newId('dseg'), s.project_id, at, s.end_s, s.speaker, s.source_text, second);
    })();
    this.touched(s.project_id);
    return this.get(s.project_id);
  }

  mergeSegments(ids: string[]): DubProjectDetail {
    const rows = [...new Set(ids)].map((id) => this.segRow(id));
    if (rows.length < 2) throw new ApiError('INVALID_INPUT', 'Pick at least two segments to merge.');
    const projectId = rows[0].project_id;
    if (rows.some((r) => r.project_id !== projectId))
      throw new ApiError('INVALID_INPUT', 'The segments to merge belong to different projects.');
    if (rows.some((r) => r.locked))
      throw new ApiError('CONFLICT', 'A locked segment cannot be merged: unlock it first.');
    const all = this.segRows(projectId);
    const idx = rows.map((r) => all.findIndex((x) => x.id === r.id)).sort((a, b) => a - b);
    if (idx.some((v, k) => k > 0 && v !== idx[k - 1] + 1))
      throw new ApiError('INVALID_INPUT', 'Only neighbouring segments can be merged.');
    const ordered = idx.map((k) => all[k]);
    const [head, ...rest] = ordered;
    const text = ordered.map((r) => r.text).join(' ');
    if (text.length > DUB_PROJECT_LIMITS.segmentTextMax)
      throw new ApiError(
        'INVALID_INPUT',
        `The merged text would be longer than ${DUB_PROJECT_LIMITS.segmentTextMax} characters.`,
      );
    this.db.transaction(() => {
      this.db.prepare('UPDATE dub_segments SET end_s = ?, text = ?, source_text = ? WHERE id = ?').run(
        ordered[ordered.length - 1].end_s,
        text,
        // A split copies the source text to both halves: merging them back keeps it once.
        [...new Set(ordered.map((r) => r.source_text).filter(Boolean))].join('\n'),
        head.id,
      );
      for (const r of rest) this.db.prepare('DELETE FROM dub_segments WHERE id = ?').run(r.id);
    })();
    for (const r of rest) this.removeTake(projectId, r.take_file);
    this.touched(projectId);
    return this.get(projectId);
  }

  async setSpeakerVoice(projectId: string, speaker: string, voiceId: string | null): Promise<DubProjectDetail> {
    this.row(projectId);
    const known = this.segRows(projectId).some((s) => s.speaker?.toLowerCase() === speaker.toLowerCase());
    if (!known) throw new ApiError('NOT_FOUND', `No segment has the speaker "${speaker}".`);
    if (voiceId) await this.o.deps.resolveVoice(voiceId);
    this.db
      .prepare(
        'INSERT INTO dub_speakers (project_id, name, voice_id) VALUES (?, ?, ?) ON CONFLICT(project_id, name) DO UPDATE SET voice_id = excluded.voice_id',
      )
      .run(projectId, speaker, voiceId);
    this.touched(projectId);
    return this.get(projectId);
  }

  // -----------------------------------------------------------------------------------------------------------------
  // Takes
  // -----------------------------------------------------------------------------------------------------------------

  private removeTake(projectId: string, file: string | null): void {
    if (file) rmSync(path.join(this.dir, file), { force: true });
    this.previews.delete(projectId);
  }

  /** Make (or remake) one segment's take, fitted, and store it. Returns false when the segment went meanwhile. */
  private async makeTake(projectId: string, segmentId: string, signal?: AbortSignal): Promise<boolean> {
    const r = this.row(projectId);
    const settings = this.settingsOf(r);
    const probe = this.probeOf(r);
    const segs = this.segRows(projectId);
    const i = segs.findIndex((s) => s.id === segmentId);
    if (i < 0) return false;
    const s = segs[i];
    const voiceArg = this.voiceOf(s, this.speakerVoices(projectId), settings);
    const { key, limit } = this.takeKey(segs, i, voiceArg, settings, probe.durationSeconds);
    const voice = await this.o.deps.resolveVoice(voiceArg);
    const cue: DubCue = { index: i, start: s.start_s, end: s.end_s, text: s.text, speaker: s.speaker };
    const made = await makeSegmentTake({
      cue,
      index: i,
      voice,
      slot: s.end_s - s.start_s,
      limit,
      maxStretch: settings.maxStretch,
      deps: this.o.deps,
      signal,
    });
    if (signal?.aborted) throw new ApiError('CANCELLED', 'The dub was cancelled.');
    const rel = path.join(projectId, 'takes', `${s.id}-${randomBytes(4).toString('hex')}.wav`);
    await fsp.mkdir(path.join(this.dir, projectId, 'takes'), { recursive: true });
    await writeFileAtomic(path.join(this.dir, rel), encodeWav(made.pcm, made.sampleRate, 32));
    // The row names the file only once it is complete; the text may have changed while the take was made.
    const now = this.db.prepare('SELECT * FROM dub_segments WHERE id = ?').get(s.id) as SegmentRow | undefined;
    if (!now || now.text !== s.text) {
      rmSync(path.join(this.dir, rel), { force: true });
      return !!now;
    }
    this.db
      .prepare('UPDATE dub_segments SET take_file = ?, take_key = ?, fit = ? WHERE id = ?')
      .run(rel, key, JSON.stringify(made.segment), s.id);
    this.removeTake(projectId, now.take_file);
    this.touched(projectId);
    return true;
  }

  async regenerate(segmentId: string): Promise<DubProjectSegment> {
    const s = this.segRow(segmentId);
    if (s.locked) throw new ApiError('CONFLICT', 'This segment is locked: unlock it to regenerate it.');
    if (!s.text.trim()) throw new ApiError('INVALID_INPUT', 'Type the line this segment says first.');
    await this.makeTake(s.project_id, s.id);
    const d = this.get(s.project_id);
    return d.segmentList.find((x) => x.id === s.id)!;
  }

  // -----------------------------------------------------------------------------------------------------------------
  // Generate all: progress, ETA, cancel, resume
  // -----------------------------------------------------------------------------------------------------------------

  generation(projectId: string): DubGeneration {
    return this.generationOf(this.row(projectId), this.segRows(projectId));
  }

  generate(projectId: string, all: boolean): DubGeneration {
    this.row(projectId);
    if (!this.running.has(projectId)) this.startGeneration(projectId, all);
    return this.generation(projectId);
  }

  private startGeneration(projectId: string, all: boolean): void {
    const d = this.get(projectId);
    const todo = d.segmentList.filter((s) => !s.locked && s.text.trim() && (all || !s.fit || s.stale)).map((s) => s.id);
    const run: Running = {
      abort: new AbortController(),
      done: d.segmentList.filter((s) => s.text.trim()).length - todo.length,
      total: d.segmentList.filter((s) => s.text.trim()).length,
      startedAt: Date.now(),
      made: 0,
      promise: Promise.resolve(),
    };
    this.db
      .prepare("UPDATE dub_projects SET generation = 'running', generation_error = NULL WHERE id = ?")
      .run(projectId);
    this.running.set(projectId, run);
    const progress = () => this.o.emit('dub.progress', { projectId, generation: this.generation(projectId) });
    run.promise = (async () => {
      let status: DubGeneration['status'] = 'done';
      let error: string | null = null;
      try {
        progress();
        for (const id of todo) {
          if (run.abort.signal.aborted || this.closed) throw new ApiError('CANCELLED', 'The dub was cancelled.');
          await this.makeTake(projectId, id, run.abort.signal);
          run.done++;
          run.made++;
          progress();
        }
      } catch (err) {
        const e = err instanceof ApiError ? err : null;
        status = e?.code === 'CANCELLED' ? 'cancelled' : 'failed';
        error = status === 'failed' ? (e?.message ?? (err instanceof Error ? err.message : String(err))) : null;
        if (status === 'failed') this.o.log?.(`[timbre] dub generation of ${projectId}: ${error}`);
      } finally {
        this.running.delete(projectId);
        // Closing (quit) leaves 'running' in the row: the next start resumes it.
        if (!this.closed && existsSync(path.join(this.dir, projectId))) {
          this.db
            .prepare('UPDATE dub_projects SET generation = ?, generation_error = ? WHERE id = ?')
            .run(status, error, projectId);
          if (this.db.prepare('SELECT 1 FROM dub_projects WHERE id = ?').get(projectId)) progress();
        }
      }
    })();
  }

  async cancel(projectId: string): Promise<DubGeneration> {
    const run = this.running.get(projectId);
    if (run) {
      run.abort.abort();
      await run.promise;
    }
    return this.generation(projectId);
  }

  /** Resolves when the project's generation (if any) has ended. */
  async idle(projectId?: string): Promise<void> {
    const runs = projectId ? [this.running.get(projectId)] : [...this.running.values()];
    await Promise.all(runs.map((r) => r?.promise));
  }

  // -----------------------------------------------------------------------------------------------------------------
  // Preview and export (the streaming pipeline on the stored takes)
  // -----------------------------------------------------------------------------------------------------------------

  private async pipeline(
    projectId: string,
    output: string,
    extra: { srt?: string; report?: string; keepOriginal?: boolean; stems?: string },
    onlyTakes: boolean,
    signal?: AbortSignal,
  ): Promise<DubReport> {
    const r = this.row(projectId);
    const settings = this.settingsOf(r);
    const probe = this.probeOf(r);
    const all = this.get(projectId).segmentList;
    const rows = this.segRows(projectId);
    const segs = (onlyTakes ? all.filter((s) => s.fit) : all).filter((s) => s.text.trim());
    if (!segs.length)
      throw new ApiError(
        'INVALID_INPUT',
        onlyTakes ? 'Nothing is generated yet: generate the dub first.' : 'This project has no segments to speak.',
      );
    const voices = this.speakerVoices(projectId);
    const speakerVoices = [...new Set(segs.filter((s) => s.speaker).map((s) => s.speaker!))].flatMap((name) => {
      const v = voices.get(name.toLowerCase());
      return v ? [{ speaker: name, voice: v }] : [];
    });
    const cues: DubCue[] = segs.map((s, index) => ({
      index,
      start: s.start,
      end: s.end,
      text: s.text,
      speaker: s.speaker,
    }));
    const sourceCues: DubCue[] = segs
      .filter((s) => s.sourceText)
      .map((s, index) => ({ index, start: s.start, end: s.end, text: s.sourceText, speaker: null }));
    const subtitles: ParsedSubtitles = { format: 'srt', encoding: 'utf-8', cues, warnings: [] };
    return runDub(
      {
        input: probe.path,
        subs: `${r.name}.srt`,
        voice: settings.defaultVoice,
        speakerVoices,
        background: settings.background,
        maxStretch: settings.maxStretch,
        maxBorrow: settings.maxBorrow,
        duckDb: settings.duckDb,
        loudness: settings.loudness,
        ...(settings.language ? { language: settings.language } : {}),
        keepOriginal: extra.keepOriginal ?? false,
        output,
        ...(extra.srt ? { srt: extra.srt } : {}),
        ...(extra.report ? { report: extra.report } : {}),
        ...(extra.stems ? { stems: extra.stems } : {}),
      },
      this.o.deps,
      { signal },
      {
        subtitles,
        sourceSubtitles: sourceCues.length ? { ...subtitles, cues: sourceCues } : null,
        takeOf: async (index) => {
          const seg = segs[index];
          // A stale take is made again (not stored: the project's own takes change only by generating).
          if (!seg.fit || seg.stale) return null;
          const row = rows.find((x) => x.id === seg.id);
          if (!row?.take_file) return null;
          const wav = decodeWav(await fsp.readFile(path.join(this.dir, row.take_file)));
          return { pcm: wav.samples, sampleRate: wav.sampleRate, segment: seg.fit };
        },
      },
    );
  }

  /** The dub of the current revision as a WAV (for the player; the takes made so far on the background). */
  async preview(projectId: string): Promise<{ revision: number; durationSeconds: number; file: string }> {
    const r = this.row(projectId);
    const cur = this.previews.get(projectId);
    const file = path.join(this.dir, projectId, `preview-${r.revision}.wav`);
    if (!cur || cur.revision !== r.revision) {
      const promise = (async () => {
        if (!existsSync(file)) await this.pipeline(projectId, file, {}, true);
        for (const f of readdirSync(path.join(this.dir, projectId)))
          if (f.startsWith('preview-') && f !== path.basename(file))
            rmSync(path.join(this.dir, projectId, f), { force: true });
        return file;
      })();
      promise.catch(() => this.previews.delete(projectId));
      this.previews.set(projectId, { revision: r.revision, promise });
    }
    await this.previews.get(projectId)!.promise;
    return { revision: r.revision, durationSeconds: this.probeOf(r).durationSeconds, file };
  }

  /** The newest preview file of a project (the media routes), or NOT_FOUND. */
  previewFile(projectId: string): string {
    const r = this.row(projectId);
    const file = path.join(this.dir, projectId, `preview-${r.revision}.wav`);
    if (!existsSync(file)) throw notFound('Dub preview', projectId);
    return file;
  }

  /** The project's source media (the media routes). */
  mediaFile(projectId: string): string {
    return this.row(projectId).media_path;
  }

  async export(p: {
    projectId: string;
    format: DubExportFormat;
    path?: string;
    srt: boolean;
    keepOriginal: boolean;
    stems?: boolean;
  }): Promise<{ export: DubExportInfo; report: DubReport }> {
    const r = this.row(p.projectId);
    if (this.running.has(p.projectId))
      throw new ApiError(
        'CONFLICT',
        'The dub is still being generated: wait for it to finish or cancel it, then export.',
      );
    const probe = this.probeOf(r);
    if (p.format !== 'wav' && !probe.video)
      throw new ApiError('INVALID_INPUT', 'This source has no video: export audio (WAV) instead.');
    const base = r.name.replace(/[^\p{L}\p{N} ._-]+/gu, '_').trim() || 'dub';
    const target = p.path
      ? path.resolve(p.path)
      : path.join(this.dir, '..', 'exports', 'dub', r.id, `${base}.dub.${p.format}`);
    if (path.extname(target).toLowerCase() !== `.${p.format}`)
      throw new ApiError('INVALID_INPUT', `The file name must end in .${p.format}.`);
    if (path.resolve(target) === path.resolve(r.media_path))
      throw new ApiError('INVALID_INPUT', 'The export must not overwrite the source media.');
    await fsp.mkdir(path.dirname(target), { recursive: true }).catch(() => undefined);
    const srtPath = p.srt ? target.replace(/\.[^.]+$/, '.srt') : null;
    // Stems into `<name>.stems/` next to the export (the pipeline writes dialogue.wav and background.wav there).
    const stemsDir = p.stems ? target.replace(/\.[^.]+$/, '.stems') : null;
    const stemsDirExisted = !stemsDir || existsSync(stemsDir);
    const report = await this.pipeline(
      p.projectId,
      target,
      { srt: srtPath ?? undefined, keepOriginal: p.keepOriginal, stems: stemsDir ?? undefined },
      false,
    ).catch(async (err: unknown) => {
      // The pipeline removes the stems it wrote; the folder it made for them goes too (only when empty).
      if (!stemsDirExisted) await fsp.rmdir(stemsDir!).catch(() => undefined);
      throw err;
    });
    // A bilingual sidecar (target line, then the source line) when the project has source text.
    const segs = this.get(p.projectId).segmentList.filter((x) => x.text.trim());
    let bilingualSrtPath: string | null = null;
    if (srtPath && segs.some((x) => x.sourceText)) {
      bilingualSrtPath = target.replace(/\.[^.]+$/, '.bilingual.srt');
      // The same text as the bilingual soft track inside the file (pipeline.ts `bilingualCues`).
      await writeFileAtomic(
        bilingualSrtPath,
        writeBilingualSrt(
          segs.map((x) => ({ start: x.start, end: x.end, text: x.text })),
          segs.filter((x) => x.sourceText).map((x) => ({ start: x.start, end: x.end, text: x.sourceText })),
        ),
      );
    }
    const info: DubExportInfo = {
      path: target,
      srtPath,
      bilingualSrtPath,
      reportPath: null,
      stems: stemsDir
        ? { dialogue: path.join(stemsDir, 'dialogue.wav'), background: path.join(stemsDir, 'background.wav') }
        : null,
      videoCopied: report.output.videoCopied,
      durationSeconds: report.output.durationSeconds,
      at: nowIso(),
    };
    this.db
      .prepare('UPDATE dub_projects SET last_export = ?, updated_at = ? WHERE id = ?')
      .run(JSON.stringify(info), nowIso(), r.id);
    this.o.emit('dub.changed', { projectId: r.id });
    return { export: info, report };
  }

  /** Stop generation (rows keep 'running', so the next start resumes them). */
  async close(): Promise<void> {
    this.closed = true;
    for (const c of this.clones.values()) c.abort();
    await this.analysis.close();
    for (const run of this.running.values()) run.abort.abort();
    await Promise.all([...this.running.values()].map((r) => r.promise));
    await Promise.all([...this.previews.values()].map((p) => p.promise.catch(() => undefined)));
  }

  // -----------------------------------------------------------------------------------------------------------------
  // Clone from this video (clone.ts; docs/dubbing.md "Clone a speaker from the video")
  // -----------------------------------------------------------------------------------------------------------------

  /**
   * Gather the speaker's cleanest 10–30 s (clone.ts), let `create` make the library voice from it (the core stages the
   * sample and runs `library.create`, consent included), then map the speaker to that voice. Cancellable until
   * `create` starts; a refusal or a cancel creates nothing.
   */
  async cloneSpeaker(
    projectId: string,
    speaker: string,
    denoise: boolean,
    create: (clip: GatheredClip, language: string, projectName: string) => Promise<{ voiceId: string }>,
  ): Promise<{ clip: GatheredClip; voiceId: string }> {
    const r = this.row(projectId);
    const probe = this.probeOf(r);
    const segs = this.segRows(projectId);
    const canonical = segs.find((s) => s.speaker?.toLowerCase() === speaker.toLowerCase())?.speaker;
    if (!canonical) throw new ApiError('NOT_FOUND', `No segment has the speaker "${speaker}".`);
    if (!probe.audio) throw new ApiError('INVALID_INPUT', 'This media has no audio to clone a voice from.');
    const vadModel = this.o.locateVad?.() ?? null;
    if (!vadModel)
      throw new ApiError(
        'ENGINE_UNAVAILABLE',
        'Cloning from the video needs the "silero-vad" model pack to find the speech, which is not installed: install it in Models (or "timbre models download silero-vad").',
      );
    if (this.clones.has(projectId))
      throw new ApiError('CONFLICT', 'A speaker of this project is being cloned already: wait for it or cancel it.');
    const abort = new AbortController();
    this.clones.set(projectId, abort);
    const progress = (phase: 'extracting' | 'analysing' | 'denoising' | 'creating' | 'done', fraction: number) =>
      this.o.emit('dub.cloneProgress', { projectId, speaker: canonical, phase, fraction });
    try {
      const clip = await gatherSpeakerClip({
        mediaPath: probe.path,
        mediaSeconds: probe.durationSeconds,
        segments: segs.map((s) => ({ id: s.id, start: s.start_s, end: s.end_s, speaker: s.speaker })),
        speaker: canonical,
        vadModel,
        gtcrnModel: denoise ? (this.o.locateGtcrn?.() ?? null) : null,
        denoise,
        signal: abort.signal,
        onProgress: progress,
      });
      if (abort.signal.aborted || this.closed)
        throw new ApiError('CANCELLED', 'Cloning the speaker was cancelled; nothing was created.');
      progress('creating', 0.9);
      const settings = this.settingsOf(r);
      const { voiceId } = await create(clip, settings.language ?? 'en', r.name);
      // Mapped directly: the voice was just made by the library (it speaks once a cloning pack is installed). A
      // project deleted meanwhile keeps nothing; the voice stays in the library (made with its consent).
      if (this.db.prepare('SELECT 1 FROM dub_projects WHERE id = ?').get(projectId)) {
        this.db
          .prepare(
            'INSERT INTO dub_speakers (project_id, name, voice_id) VALUES (?, ?, ?) ON CONFLICT(project_id, name) DO UPDATE SET voice_id = excluded.voice_id',
          )
          .run(projectId, canonical, voiceId);
        this.touched(projectId);
      }
      progress('done', 1);
      return { clip, voiceId };
    } finally {
      this.clones.delete(projectId);
    }
  }

  cancelClone(projectId: string): boolean {
    this.row(projectId);
    const c = this.clones.get(projectId);
    c?.abort();
    return !!c;
  }
}
