import path from 'node:path';
import { rmSync } from 'node:fs';
import type { ApiErrorShape, EventName, EventPayload, Job } from '../../../preload/contract.js';
import { ApiError, toApiError } from '../../common/errors.js';
import { writeFileAtomic } from '../atomic-fs.js';
import { encodeWav } from '../audio/wav.js';
import { newId } from '../ids.js';
import { randomInt } from 'node:crypto';
import type { SynthesisOptions } from '../../../preload/contract.js';
import { parseOptions } from '../db/repositories.js';
import type { Db } from '../db/database.js';
import type { Repos } from '../db/repositories.js';
import type { WorkerHost } from './worker-host.js';

export type Emit = <E extends EventName>(event: E, payload: EventPayload<E>) => void;

export const DEFAULT_VOICE = 'espeak:en-us';

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

  constructor(
    private readonly db: Db,
    private readonly repos: Repos,
    private readonly takesDir: string,
    private readonly host: WorkerHost,
    private readonly emit: Emit,
  ) {}

  /** Project knobs overlaid with the line's; a random seed when none is set (recorded with the take). */
  private optionsFor(lineId: string): SynthesisOptions & { seed: number } {
    const line = this.repos.lines.row(lineId);
    const project = this.repos.projects.row(line.project_id);
    const merged = { ...parseOptions(project.options), ...parseOptions(line.options) };
    return { ...merged, seed: merged.seed ?? randomInt(0, 2 ** 31 - 1) };
  }

  private voiceFor(lineId: string): string {
    const line = this.repos.lines.row(lineId);
    const project = this.repos.projects.row(line.project_id);
    return line.voice_id ?? project.voice_id ?? this.repos.settings.get().defaultVoiceId ?? DEFAULT_VOICE;
  }

  /** Queue the given lines (all non-empty lines of the project when omitted). */
  enqueue(projectId: string, lineIds?: string[]): Job[] {
    const project = this.repos.projects.row(projectId);
    const lines = this.repos.lines.list(project.id);
    let chosen = lines;
    if (lineIds) {
      const byId = new Map(lines.map((l) => [l.id, l]));
      chosen = lineIds.map((id) => {
        const l = byId.get(id);
        if (!l)
          throw new ApiError(
            'NOT_FOUND',
            `Line "${id}" is not in project "${project.name}" (it may have been deleted)`,
          );
        return l;
      });
      const empty = chosen.find((l) => !l.text.trim());
      if (empty)
        throw new ApiError('UNSUPPORTED_TEXT', `Line ${empty.position + 1} is empty: type something to speak.`);
    } else {
      chosen = lines.filter((l) => l.text.trim());
      if (!chosen.length) throw new ApiError('UNSUPPORTED_TEXT', 'The script has no lines with text to generate.');
    }
    for (const l of chosen) parseVoiceId(this.voiceFor(l.id));
    const jobs = this.db.transaction(() => chosen.map((l) => this.repos.jobs.create(project.id, l.id)))();
    for (const j of jobs) {
      this.queue.push(j.id);
      this.emit('job.updated', j);
    }
    void this.pump();
    return jobs;
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
    } finally {
      this.current = null;
      void this.pump();
    }
  }

  private async run(jobId: string): Promise<void> {
    let job = this.repos.jobs.find(jobId);
    if (!job || job.status !== 'queued' || !job.lineId || !job.projectId) return;
    let lineText: string;
    let voice: { engineId: string; voiceId: string };
    let options: SynthesisOptions & { seed: number };
    try {
      lineText = this.repos.lines.row(job.lineId).text;
      voice = parseVoiceId(this.voiceFor(job.lineId));
      options = this.optionsFor(job.lineId);
    } catch (err) {
      this.finish(jobId, 'failed', toApiError(err).toJSON());
      return;
    }
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
    const chunks: Float32Array[] = [];
    let seq = 0;
    let lastProgressEmit = 0;
    try {
      const res = await this.host.synthesize(
        {
          jobId,
          engineId: voice.engineId,
          voiceId: voice.voiceId,
          text: lineText,
          seed: options.seed,
          options: { ...Object.fromEntries(Object.entries(options).filter(([k]) => k !== 'seed')), ...extraOptions },
        },
        {
          onChunk: (pcm, sampleRate) => {
            chunks.push(pcm);
            this.emit('job.audio', { jobId, seq: seq++, sampleRate, pcm16: pcm16Base64(pcm) });
          },
          onProgress: (fraction) => {
            const now = Date.now();
            if (now - lastProgressEmit < 100 && fraction < 1) return;
            lastProgressEmit = now;
            // The row is gone when its project was deleted meanwhile; the cancel is already on its way.
            if (!this.repos.jobs.find(jobId)) return;
            this.emit('job.updated', this.repos.jobs.update(jobId, { progress: Math.min(0.99, fraction) }));
          },
        },
      );
      if (this.cancelled.has(jobId)) throw new ApiError('CANCELLED', 'Cancelled');
      const total = chunks.reduce((n, c) => n + c.length, 0);
      const pcm = new Float32Array(total);
      let off = 0;
      for (const c of chunks) {
        pcm.set(c, off);
        off += c.length;
      }
      const takeId = newId('tk');
      const rel = path.join(job.projectId!, `${takeId}.wav`);
      const abs = path.join(this.takesDir, rel);
      await writeFileAtomic(abs, encodeWav(pcm, res.sampleRate));
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
            sample_rate: res.sampleRate,
            duration_ms: (total / res.sampleRate) * 1000,
            settings: JSON.stringify(options),
          });
          this.repos.lines.setActiveTake(line.id, takeId);
          this.finish(jobId, 'done', null, takeId);
        })();
      } catch (err) {
        rmSync(abs, { force: true });
        throw err;
      }
      this.emit('project.changed', { projectId: job.projectId! });
    } catch (err) {
      if (this.stopped) return;
      const e = this.cancelled.has(jobId) ? new ApiError('CANCELLED', 'Cancelled') : toApiError(err);
      this.cancelled.delete(jobId);
      if (this.repos.jobs.find(jobId)) this.finish(jobId, e.code === 'CANCELLED' ? 'cancelled' : 'failed', e.toJSON());
    }
  }
}
