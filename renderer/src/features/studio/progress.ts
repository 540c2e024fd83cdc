/**
 * The studio's counters, computed from the same state everywhere they are shown (header, queue panel, toolbar), so
 * two places never disagree. Pure functions of the store's data (no store import: unit-tested in Node).
 */
import type { Job, Line } from '../../../../preload/contract/index.js';

const isActiveJob = (job: Job | undefined) => !!job && (job.status === 'queued' || job.status === 'running');

type LineLike = Pick<Line, 'id' | 'text' | 'stale' | 'locked' | 'activeTakeId' | 'updatedAt'> & {
  activeTake: { text: string } | null;
};

/**
 * A line is ready when its active take speaks what is on screen now: it has a take, is not being generated, is not
 * stale (voice, speaker, knobs or dictionary changed since) and its text (including an unsaved draft) is the take's.
 */
export function isReady(line: LineLike, job: Job | undefined, draft: string | undefined): boolean {
  if (!line.activeTake || isActiveJob(job) || line.stale) return false;
  return (draft ?? line.text).trim() === line.activeTake.text.trim();
}

export function readyCount(lines: LineLike[], jobs: Record<string, Job>, drafts: Record<string, string>): number {
  return lines.filter((l) => isReady(l, jobs[l.id], drafts[l.id])).length;
}

/** Lines "Generate stale" would queue: unlocked, stale or never generated, and not already queued or running. */
export function staleCount(lines: LineLike[], jobs: Record<string, Job>): number {
  return lines.filter((l) => !l.locked && (l.stale || !l.activeTakeId) && !isActiveJob(jobs[l.id])).length;
}

export interface BatchProgress {
  /** The jobs the queue shows: the latest batch's, plus any other queued or running job. */
  jobs: Job[];
  done: number;
  total: number;
  /** 0..1: finished jobs count whole, the running one by its progress. */
  fraction: number;
  active: number;
}

/**
 * Progress of the current batch. `jobs` holds the latest job of each line (the store's shape), so a line queued in
 * the batch counts once; jobs of lines that no longer exist are left out.
 */
export function batchProgress(jobs: Record<string, Job>, batchId: string | null, lineIds: Set<string>): BatchProgress {
  const shown = Object.values(jobs)
    .filter((j) => isActiveJob(j) || (batchId !== null && j.batchId === batchId))
    .filter((j) => !!j.lineId && lineIds.has(j.lineId));
  const done = shown.filter((j) => j.status === 'done').length;
  const sum = shown.reduce((s, j) => s + (j.status === 'done' ? 1 : j.status === 'running' ? j.progress : 0), 0);
  return {
    jobs: shown,
    done,
    total: shown.length,
    fraction: shown.length ? sum / shown.length : 0,
    active: shown.filter(isActiveJob).length,
  };
}

/**
 * A failed generation is shown on its line until something that could fix it changes: the line itself (text,
 * voice, speaker, knobs: its `updatedAt` moves past the job's) or a project-wide input (project voice, a speaker's
 * voice, knobs, dictionary: the project's `inputsChangedAt`). Both come from the server, so this holds after a reload.
 */
export function showsFailure(
  job: Job | undefined,
  line: Pick<Line, 'updatedAt'>,
  inputsChangedAt: string | null = null,
): boolean {
  if (!job || job.status !== 'failed') return false;
  const failedAt = Date.parse(job.updatedAt);
  return (
    Date.parse(line.updatedAt) <= failedAt && (inputsChangedAt === null || Date.parse(inputsChangedAt) <= failedAt)
  );
}
