/** Generation jobs: the queue, batches, crash recovery. Part of the one contract: see index.ts. */
import { z } from 'zod';
import { ApiErrorShape, Id, IsoTime, LIMITS, call } from './common.js';

export const JobStatus = z.enum(['queued', 'running', 'done', 'failed', 'cancelled', 'interrupted']);
export type JobStatus = z.infer<typeof JobStatus>;

export const Job = z.object({
  id: Id,
  kind: z.literal('synthesize'),
  projectId: Id.nullable(),
  lineId: Id.nullable(),
  /** Jobs queued by the same generate call share a batch id (one queue in the UI). */
  batchId: Id.nullable(),
  status: JobStatus,
  /** 0..1 */
  progress: z.number().min(0).max(1),
  takeId: Id.nullable(),
  error: ApiErrorShape.nullable(),
  createdAt: IsoTime,
  updatedAt: IsoTime,
});
export type Job = z.infer<typeof Job>;

/** An interrupted job that was not resumed, and why. */
export const SkippedJob = z.object({
  jobId: Id,
  lineId: Id.nullable(),
  reason: z.enum(['line-deleted', 'text-changed', 'superseded']),
  message: z.string(),
});
export type SkippedJob = z.infer<typeof SkippedJob>;

export const jobsMethods = {
  /**
   * Queue synthesis. scope 'selection' (the default when lineIds is given): exactly those lines (an empty or
   * tags-only one is an error). 'all' (default otherwise): every unlocked line with text. 'stale': unlocked lines
   * that are stale or have no take. Returns the queued jobs (one batch).
   */
  'jobs.generate': call(
    z
      .object({
        projectId: Id,
        lineIds: z.array(Id).min(1).max(LIMITS.linesPerProjectMax).optional(),
        scope: z.enum(['all', 'stale', 'selection']).optional(),
      })
      .strict(),
    z.array(Job),
  ),
  /** Same as jobs.generate, also telling which lines were skipped and why. */
  'jobs.generateBatch': call(
    z
      .object({
        projectId: Id,
        lineIds: z.array(Id).min(1).max(LIMITS.linesPerProjectMax).optional(),
        scope: z.enum(['all', 'stale', 'selection']).optional(),
      })
      .strict(),
    z.object({
      batchId: Id.nullable(),
      jobs: z.array(Job),
      skipped: z.array(
        z.object({ lineId: Id, reason: z.enum(['locked', 'empty', 'tags-only', 'up-to-date']), message: z.string() }),
      ),
    }),
  ),
  /**
   * Jobs still queued or running (the UI re-attaches to them after a reload) plus finished ones: with `projectId`, the
   * latest job of every line of the project (a whole batch, however long); without, the 50 most recent.
   */
  'jobs.list': call(z.object({ projectId: Id.optional() }).strict(), z.array(Job)),
  'jobs.cancel': call(z.object({ id: Id }).strict(), Job),
  /** Cancel every queued or running job of a batch. */
  'jobs.cancelBatch': call(z.object({ batchId: Id }).strict(), z.array(Job)),
  /**
   * Re-queue jobs interrupted by a crash or quit (of one project, or all), in their original order and batch. A job
   * whose line was deleted, changed its text since it was queued, or was generated again since is not resumed: it is
   * cancelled and listed in `skipped` with the reason.
   */
  'jobs.resumeInterrupted': call(
    z.object({ projectId: Id.optional() }).strict(),
    z.object({ jobs: z.array(Job), skipped: z.array(SkippedJob) }),
  ),
  /**
   * What the last start did with interrupted generation (`startedAt` identifies the start, so a notice is shown once)
   * and how many jobs are interrupted now (of the project, or all).
   */
  'jobs.recovery': call(
    z.object({ projectId: Id.optional() }).strict(),
    z.object({
      startedAt: IsoTime,
      autoResume: z.boolean(),
      resumed: z.number().int().min(0),
      skipped: z.number().int().min(0),
      interrupted: z.number().int().min(0),
    }),
  ),
} as const;

export const jobsEvents = {
  /** A job changed state or progress. */
  'job.updated': Job,
  /** A chunk of audio of a running job: mono 16-bit little-endian PCM, base64. */
  'job.audio': z.object({
    jobId: Id,
    seq: z.number().int().nonnegative(),
    sampleRate: z.number().int().positive(),
    pcm16: z.string(),
  }),
} as const;
