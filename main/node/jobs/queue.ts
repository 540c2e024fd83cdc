import path from 'node:path';
import { rmSync } from 'node:fs';
import type { ApiErrorShape, EventName, EventPayload, Job } from '../../../preload/contract/index.js';
import { ApiError, toApiError } from '../../../native-models/common/errors.js';
import { writeFileAtomic } from '../atomic-fs.js';
import { encodeWav } from '../../../native-models/audio/wav.js';
import { newId } from '../ids.js';
import { randomInt } from 'node:crypto';
import type { SynthesisOptions } from '../../../preload/contract/index.js';
import { parseOptions } from '../db/repositories.js';
import type { Db } from '../db/database.js';
import { parseDictionary, type Repos } from '../db/repositories.js';
import type { Line, SkippedJob } from '../../../preload/contract/index.js';
import {
  compileProjectDictionary,
  DEFAULT_VOICE,
  parseInlineTags,
  resolveVoice,
  type MadeFrom,
} from '../studio/line-state.js';
import { timeStretch } from '../../../native-models/dsp/stretch.js';
import { analyseTake, encodeAnalysis } from '../../../native-models/dsp/take-analysis.js';
import type { WorkerHost } from './worker-host.js';
import { noLedger, type LedgerSink } from '../privacy/ledger.js';

export type Emit = <E extends EventName>(event: E, payload: EventPayload<E>) => void;

export { DEFAULT_VOICE };

export interface SkippedLine {
  lineId: string;
  reason: 'locked' | 'empty' | 'tags-only' | 'up-to-date';
  message: string;
}

/** Split an API voice id `engine:voice` (the engine-local part may itself contain ':'). */
export function parseVoiceId(voiceId: string): { engineId: string; voiceId: string } {
  const i = voiceId.indexOf(':');
  if (i <= 0 || i === voiceId.length - 1)
    throw new ApiError(
      'INVALID_INPUT',
      `"${voiceId}" is not a voice id (expected engine:voice, e.g. ${DEFAULT_VOICE})`,
    );
  return { engineId: voiceId.slice(0, i), voiceId: voiceId.slice(i + 1) };
}

function pcm16Base64(pcm: Float32Array): string {
  const buf = Buffer.alloc(pcm.length * 2);
  for (let i = 0; i < pcm.length; i++) buf.writeInt16LE(Math.round(Math.max(-1, Math.min(1, pcm[i])) * 32767), i * 2);
  return buf.toString('base64');
}

/**
 * The synthesis queue. Jobs are rows in the DB (so a crash is visible after restart), run one at a time in the
 * worker, stream audio and progress as events, and end in exactly one take written atomically: the WAV is renamed
 * into place first, then the take row is inserted in a transaction. A crash between the two leaves an orphan file
 * that the startup sweep removes, never a listed take without audio.
 */
export class JobQueue {
  private readonly queue: string[] = [];
  private current: string | null = null;
  private readonly cancelled = new Set<string>();
  private idleWaiters: (() => void)[] = [];
  private stopped = false;
  /** Turns voices that are not engine voices (e.g. `library:<id>`) into an engine voice plus engine options. */
  resolveVoice: (
    engineId: string,
    voiceId: string,
  ) => Promise<{ engineId: string; voiceId: string; options?: Record<string, string> } | null> = async () => null;
  /** Told about every take made (take QC checks it in the background). */
  onTakeCreated: (takeId: string, projectId: string) => void = () => {};
  /** The privacy ledger (the core sets it): each generation records which model ran on which line. */
  ledger: LedgerSink = noLedger;
  /**
   * Why a voice cannot speak at all right now (a library voice with no cloning data: no cloning pack), or null. Checked
   * before anything is queued, so generating refuses at once with that reason instead of failing line by line.
   */
  voiceProblem: (voiceId: string) => string | null = () => null;
  /**
   * Auto-retake (main/node/speech/auto-retake.ts): the seed and the line text of a retake job, null for an ordinary
   * job. A retake uses that seed, is skipped when the line changed since, and does not make its take active (auto-retake
   * chooses once the take is checked).
   */
  retakeOf: (jobId: string) => { seed: number; lineText: string } | null = () => null;

  constructor(
    private readonly db: Db,
    private readonly repos: Repos,
    private readonly takesDir: string,
    private readonly host: WorkerHost,
    private readonly emit: Emit,
  ) {}

  /** How the line would be generated now (voice, knobs, tags, dictionary), with a strict dictionary check. */
  private planFor(lineId: string) {
    const row = this.repos.lines.row(lineId);
    const ctx = this.repos.lines.context(row.project_id);
    ctx.dictionary = compileProjectDictionary(parseDictionary(this.repos.projects.row(row.project_id).dictionary));
    return { row, ...this.repos.lines.plan(row, ctx) };
  }

  /** Queue the given lines (all non-empty lines of the project when omitted). */
  enqueue(projectId: string, lineIds?: string[], scope?: 'all' | 'stale' | 'selection'): Job[] {
    return this.enqueueBatch(projectId, lineIds, scope).jobs;
  }

  /**
   * Queue a batch. 'selection': exactly the given lines (an empty or tags-only line is an error, locks do not
   * matter: the user asked for them). 'all': every unlocked line with text. 'stale': unlocked lines with text that
   * are stale or have no take yet.
   */
  enqueueBatch(
    projectId: string,
    lineIds?: string[],
    scope?: 'all' | 'stale' | 'selection',
  ): { batchId: string | null; jobs: Job[]; skipped: SkippedLine[] } {
    const project = this.repos.projects.row(projectId);
    const mode = scope ?? (lineIds ? 'selection' : 'all');
    if (mode === 'selection' && !lineIds)
      throw new ApiError('INVALID_INPUT', 'Generating a selection needs the ids of the selected lines (lineIds).');
    compileProjectDictionary(parseDictionary(project.dictionary)); // a looping dictionary fails here, clearly
    const lines = this.repos.lines.list(project.id);
    let candidates = lines;
    if (lineIds) {
      const byId = new Map(lines.map((l) => [l.id, l]));
      candidates = lineIds.map((id) => {
        const l = byId.get(id);
        if (!l)
          throw new ApiError(
            'NOT_FOUND',
            `Line "${id}" is not in project "${project.name}" (it may have been deleted)`,
          );
        return l;
      });
    }
    const skipped: SkippedLine[] = [];
    const chosen: Line[] = [];
    for (const l of candidates) {
      const n = l.position + 1;
      if (l.parsed.empty || l.parsed.tagsOnly) {
        const message = l.parsed.empty
          ? `Line ${n} is empty: type something to speak.`
          : `Line ${n} has nothing a voice can say (only tags like [pause 1s], symbols or emoji): add words or delete the line.`;
        if (mode === 'selection') throw new ApiError('UNSUPPORTED_TEXT', message, { lineId: l.id });
        skipped.push({ lineId: l.id, reason: l.parsed.empty ? 'empty' : 'tags-only', message });
        continue;
      }
      if (mode !== 'selection' && l.locked) {
        skipped.push({ lineId: l.id, reason: 'locked', message: `Line ${n} is locked.` });
        continue;
      }
      if (mode === 'stale' && l.activeTake && !l.stale) {
        skipped.push({ lineId: l.id, reason: 'up-to-date', message: `Line ${n} is up to date.` });
        continue;
      }
      chosen.push(l);
    }
    if (!chosen.length) {
      if (mode === 'stale' && skipped.some((s) => s.reason === 'up-to-date' || s.reason === 'locked'))
        return { batchId: null, jobs: [], skipped };
      throw new ApiError(
        'UNSUPPORTED_TEXT',
        skipped.some((s) => s.reason === 'locked')
          ? 'Nothing to generate: every line with text is locked.'
          : 'The script has no lines with text to generate.',
      );
    }
    const ctx = this.repos.lines.context(project.id);
    const checked = new Set<string>();
    for (const l of chosen) {
      const v = resolveVoice({ lineVoice: l.voiceId, speaker: l.speaker, ...ctx, speakers: ctx.speakers });
      if (!checked.has(v)) {
        parseVoiceId(v);
        const problem = this.voiceProblem(v);
        if (problem)
          throw new ApiError('ENGINE_UNAVAILABLE', `Line ${l.position + 1}: ${problem}`, { lineId: l.id, voiceId: v });
      }
      checked.add(v);
    }
    const batchId = newId('batch');
    const jobs = this.db.transaction(() =>
      chosen.map((l) => this.repos.jobs.create(project.id, l.id, batchId, l.text)),
    )();
    for (const j of jobs) {
      this.queue.push(j.id);
      this.emit('job.updated', j);
    }
    void this.pump();
    return { batchId, jobs, skipped };
  }

  /**
   * Re-queue jobs interrupted by a crash or quit (`ids`: only those; else every interrupted job, or one project's), in
   * the order they were first queued, keeping their id and batch. An interrupted job never has a take: the take row
   * and the job's 'done' are committed in one transaction. A job is not resumed (it is cancelled, with the reason)
   * when its line is gone, its text changed since it was queued, or the line was queued again since.
   */
  resumeInterrupted(filter: { projectId?: string; ids?: readonly string[] } = {}): {
    jobs: Job[];
    skipped: SkippedJob[];
  } {
    if (filter.projectId) this.repos.projects.row(filter.projectId); // NOT_FOUND for an unknown project
    const { jobs, skipped, changed } = this.db.transaction(() => {
      const resumed: Job[] = [];
      const skippedJobs: SkippedJob[] = [];
      const changedJobs: Job[] = [];
      const lineStmt = this.db.prepare('SELECT text, position FROM lines WHERE id = ?');
      for (const j of this.repos.jobs.interrupted(filter)) {
        const line = j.lineId ? (lineStmt.get(j.lineId) as { text: string; position: number } | undefined) : undefined;
        let reason: SkippedJob['reason'] | null = null;
        let message = '';
        if (!line) {
          reason = 'line-deleted';
          message = 'Its line was deleted, so it was not resumed.';
        } else if (j.lineText !== null && j.lineText !== line.text) {
          reason = 'text-changed';
          message = `Line ${line.position + 1} changed since it was queued, so it was not resumed: generate it again.`;
        } else if (this.repos.jobs.hasNewerJob(j.lineId!, j.id, j.createdAt)) {
          reason = 'superseded';
          message = `Line ${line.position + 1} was generated again since, so this job was not resumed.`;
        }
        if (reason) {
          skippedJobs.push({ jobId: j.id, lineId: j.lineId, reason, message });
          changedJobs.push(
            this.repos.jobs.update(j.id, { status: 'cancelled', error: { code: 'CANCELLED', message } }),
          );
          continue;
        }
        const job = this.repos.jobs.update(j.id, { status: 'queued', progress: 0, error: null });
        resumed.push(job);
        changedJobs.push(job);
      }
      return { jobs: resumed, skipped: skippedJobs, changed: changedJobs };
    })();
    for (const j of jobs) this.queue.push(j.id);
    for (const j of changed) this.emit('job.updated', j);
    void this.pump();
    return { jobs, skipped };
  }

  /** Run a queued job row made elsewhere (auto-retake's retake jobs). */
  queueJob(jobId: string): Job {
    const job = this.repos.jobs.get(jobId);
    this.queue.push(jobId);
    this.emit('job.updated', job);
    void this.pump();
    return job;
  }

  cancelBatch(batchId: string): Job[] {
    const all = this.repos.jobs.listBatch(batchId);
    if (!all.length) throw new ApiError('NOT_FOUND', `Batch "${batchId}" does not exist (or has no jobs).`);
    // Queued ones in one go (one transaction, one pass over the queue), then the running one.
    const queued = new Set(all.filter((j) => j.status === 'queued').map((j) => j.id));
    if (queued.size) {
      const keep = this.queue.filter((id) => !queued.has(id));
      this.queue.length = 0;
      this.queue.push(...keep);
      const error = { code: 'CANCELLED' as const, message: 'Cancelled' };
      const done = this.db.transaction(() =>
        [...queued].map((id) => this.repos.jobs.update(id, { status: 'cancelled', error })),
      )();
      for (const j of done) this.emit('job.updated', j);
    }
    for (const j of all) if (j.status === 'running') this.cancel(j.id);
    return this.repos.jobs.listBatch(batchId);
  }

  /** Synthesize a short text (dictionary preview) outside the queue; returns a 16-bit WAV as base64. */
  async previewWav(projectId: string, text: string, voiceId?: string): Promise<string> {
    const project = this.repos.projects.row(projectId);
    const api = voiceId ?? project.voice_id ?? this.repos.settings.get().defaultVoiceId ?? DEFAULT_VOICE;
    let voice = parseVoiceId(api);
    let extra: Record<string, string> = {};
    const resolved = await this.resolveVoice(voice.engineId, voice.voiceId);
    if (resolved) {
      voice = { engineId: resolved.engineId, voiceId: resolved.voiceId };
      extra = resolved.options ?? {};
    }
    const parsed = parseInlineTags(text);
    if (parsed.tagsOnly) throw new ApiError('UNSUPPORTED_TEXT', 'There is nothing to say in this text.');
    const chunks: Float32Array[] = [];
    const res = await this.host.synthesize(
      {
        jobId: newId('preview'),
        engineId: voice.engineId,
        voiceId: voice.voiceId,
        text: parsed.text,
        seed: 1,
        options: { ...parseOptions(project.options), ...extra },
      },
      { onChunk: (pcm) => chunks.push(pcm), onProgress: () => undefined },
    );
    return encodeWav(concat(chunks), res.sampleRate).toString('base64');
  }

  cancel(jobId: string): Job {
    const job = this.repos.jobs.get(jobId);
    if (job.status === 'queued') {
      const i = this.queue.indexOf(jobId);
      if (i >= 0) this.queue.splice(i, 1);
      return this.finish(jobId, 'cancelled', { code: 'CANCELLED', message: 'Cancelled' });
    }
    if (job.status === 'running') {
      this.cancelled.add(jobId);
      this.host.cancel(jobId);
    }
    return this.repos.jobs.get(jobId);
  }

  /** Cancel every queued or running job of a project (before it is deleted). */
  cancelProject(projectId: string): void {
    for (const j of this.repos.jobs.list(projectId, 10_000))
      if (j.status === 'queued' || j.status === 'running') this.cancel(j.id);
  }

  /** Stop taking work (shutdown): queued jobs stay queued in the DB and are marked interrupted at next start. */
  stop(): void {
    this.stopped = true;
    this.queue.length = 0;
  }

  /** Whether a job is queued or running. */
  get busy(): boolean {
    return this.current !== null || this.queue.length > 0;
  }

  /** Resolves when nothing is queued or running. */
  idle(): Promise<void> {
    if (!this.current && !this.queue.length) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private finish(
    jobId: string,
    status: 'done' | 'failed' | 'cancelled',
    error: ApiErrorShape | null,
    takeId?: string,
  ): Job {
    const job = this.repos.jobs.update(jobId, { status, error, takeId, progress: status === 'done' ? 1 : undefined });
    this.emit('job.updated', job);
    return job;
  }

  private async pump(): Promise<void> {
    if (this.current || this.stopped) return;
    const jobId = this.queue.shift();
    if (!jobId) {
      const w = this.idleWaiters;
      this.idleWaiters = [];
      w.forEach((r) => r());
      return;
    }
    this.current = jobId;
    try {
      await this.run(jobId);
    } catch {
      // Only recording the job's end can fail here (e.g. the database's disk is full): the row stays 'running' and
      // the next start marks it interrupted. Never let it take the process down.
    } finally {
      this.current = null;
      void this.pump();
    }
  }

  private async run(jobId: string): Promise<void> {
    let job = this.repos.jobs.find(jobId);
    if (!job || job.status !== 'queued' || !job.lineId || !job.projectId) return;
    let plan: ReturnType<JobQueue['planFor']>;
    let voice: { engineId: string; voiceId: string };
    let options: SynthesisOptions & { seed: number };
    const retake = this.retakeOf(jobId);
    try {
      plan = this.planFor(job.lineId);
      if (retake && retake.lineText !== plan.row.text) {
        this.finish(jobId, 'cancelled', {
          code: 'CANCELLED',
          message: `Line ${plan.row.position + 1} changed since this retake was queued, so it was not made.`,
        });
        return;
      }
      voice = parseVoiceId(plan.voiceId);
      options = { ...plan.options, seed: retake?.seed ?? plan.options.seed ?? randomInt(0, 2 ** 31 - 1) };
      if (!plan.segments.some((sg) => 'text' in sg))
        throw new ApiError(
          'UNSUPPORTED_TEXT',
          plan.row.text.trim()
            ? `Line ${plan.row.position + 1} has nothing a voice can say (only tags, symbols or emoji): add words or delete the line.`
            : `Line ${plan.row.position + 1} is empty: type something to speak.`,
        );
    } catch (err) {
      this.finish(jobId, 'failed', toApiError(err).toJSON());
      return;
    }
    const lineText = plan.row.text;
    const apiVoiceId = `${voice.engineId}:${voice.voiceId}`;
    let extraOptions: Record<string, string> = {};
    try {
      const resolved = await this.resolveVoice(voice.engineId, voice.voiceId);
      if (resolved) {
        voice = { engineId: resolved.engineId, voiceId: resolved.voiceId };
        extraOptions = resolved.options ?? {};
      }
    } catch (err) {
      this.finish(jobId, 'failed', toApiError(err).toJSON());
      return;
    }
    job = this.repos.jobs.update(jobId, { status: 'running', progress: 0 });
    this.emit('job.updated', job);
    const running: Job = job;
    // The privacy ledger: which model ran on which item (ids only, never the text).
    this.ledger.record('model.run', {
      engine: voice.engineId,
      voice: apiVoiceId,
      item: 'line',
      lineId: job.lineId,
      projectId: job.projectId,
      jobId,
    });
    const speed = plan.parsed.settings.speed ?? 1;
    const gain = Math.pow(10, (plan.parsed.settings.gainDb ?? 0) / 20);
    const out: Float32Array[] = [];
    let sampleRate = 0;
    let pendingPause = 0;
    let seq = 0;
    let lastProgressEmit = 0;
    const send = (pcm: Float32Array) => {
      if (gain !== 1) for (let i = 0; i < pcm.length; i++) pcm[i] *= gain;
      out.push(pcm);
      if (pcm.length) this.emit('job.audio', { jobId, seq: seq++, sampleRate, pcm16: pcm16Base64(pcm) });
    };
    const texts = plan.segments.filter((sg) => 'text' in sg).length;
    let done = 0;
    try {
      for (const seg of plan.segments) {
        if (this.cancelled.has(jobId)) throw new ApiError('CANCELLED', 'Cancelled');
        if ('pause' in seg) {
          if (sampleRate) send(new Float32Array(Math.round(seg.pause * sampleRate)));
          else pendingPause += seg.pause;
          continue;
        }
        const segChunks: Float32Array[] = [];
        const res = await this.host.synthesize(
          {
            jobId,
            engineId: voice.engineId,
            voiceId: voice.voiceId,
            text: seg.text,
            seed: options.seed,
            options: {
              ...Object.fromEntries(Object.entries(options).filter(([k]) => k !== 'seed')),
              ...extraOptions,
            },
          },
          {
            onChunk: (pcm, rate) => {
              if (!sampleRate) {
                sampleRate = rate;
                if (pendingPause) send(new Float32Array(Math.round(pendingPause * rate)));
                pendingPause = 0;
              }
              // With a [speed] tag the segment is stretched as a whole once it is complete.
              if (speed === 1) send(pcm);
              else segChunks.push(pcm);
            },
            onProgress: (fraction) => {
              const now = Date.now();
              if (now - lastProgressEmit < 100 && fraction < 1) return;
              lastProgressEmit = now;
              // The row is gone when its project was deleted meanwhile; the cancel is already on its way.
              if (!this.repos.jobs.find(jobId)) return;
              const progress = Math.min(0.99, (done + Math.min(1, fraction)) / texts);
              // Events every 100 ms, never written to the database: a page that reloads gets the next event within
              // 100 ms, and a running job writes only its start and its end. Progress writes grew the write-ahead
              // log with the take's length (slower on a loaded machine), so a nearly full disk sometimes had no
              // room left for the job's final state, which then stayed 'running'.
              this.emit('job.updated', { ...running, progress, updatedAt: new Date(now).toISOString() });
            },
          },
        );
        sampleRate ||= res.sampleRate;
        if (speed !== 1) send(timeStretch(concat(segChunks), sampleRate, speed));
        done++;
      }
      if (this.cancelled.has(jobId)) throw new ApiError('CANCELLED', 'Cancelled');
      if (pendingPause && sampleRate) send(new Float32Array(Math.round(pendingPause * sampleRate)));
      const pcm = concat(out);
      const takeId = newId('tk');
      const rel = path.join(job.projectId!, `${takeId}.wav`);
      const abs = path.join(this.takesDir, rel);
      await writeFileAtomic(abs, encodeWav(pcm, sampleRate));
      // Loudness statistics and waveform peaks, stored with the take: export and the timeline never decode it again.
      const analysis = encodeAnalysis(analyseTake(pcm, sampleRate));
      const madeFrom: MadeFrom = { voiceId: apiVoiceId, options: plan.options };
      try {
        this.db.transaction(() => {
          const line = this.repos.lines.row(job!.lineId!); // throws NOT_FOUND if deleted meanwhile
          this.repos.takes.insert({
            id: takeId,
            line_id: line.id,
            project_id: line.project_id,
            file: rel,
            engine_id: voice.engineId,
            voice_id: apiVoiceId,
            text: lineText,
            sample_rate: sampleRate,
            duration_ms: (pcm.length / sampleRate) * 1000,
            settings: JSON.stringify(options),
            spoken_text: plan.spokenText,
            made_from: JSON.stringify(madeFrom),
          });
          this.repos.takes.setAnalysis(takeId, analysis);
          if (!retake) this.repos.lines.setActiveTake(line.id, takeId);
          this.finish(jobId, 'done', null, takeId);
        })();
      } catch (err) {
        rmSync(abs, { force: true });
        throw err;
      }
      this.emit('project.changed', { projectId: job.projectId! });
      this.onTakeCreated(takeId, job.projectId!);
    } catch (err) {
      if (this.stopped) return;
      const e = this.cancelled.has(jobId) ? new ApiError('CANCELLED', 'Cancelled') : toApiError(err);
      this.cancelled.delete(jobId);
      if (this.repos.jobs.find(jobId)) this.finish(jobId, e.code === 'CANCELLED' ? 'cancelled' : 'failed', e.toJSON());
    }
  }
}

function concat(chunks: Float32Array[]): Float32Array {
  const total = chunks.reduce((n, c) => n + c.length, 0);
  const pcm = new Float32Array(total);
  let off = 0;
  for (const c of chunks) {
    pcm.set(c, off);
    off += c.length;
  }
  return pcm;
}
