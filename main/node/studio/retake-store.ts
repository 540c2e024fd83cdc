/**
 * Storage of auto-retake (docs/speech.md, "Auto-retake"): the project setting, the seed of a retake job, and each
 * line's latest run of retakes (table line_retakes, migration 0055). The logic lives in main/node/speech/auto-retake.ts.
 */
import type { LineRetake } from '../../../preload/contract/index.js';
import type { Db } from '../db/database.js';
import { notFound } from '../../../native-models/common/errors.js';
import { newId } from '../ids.js';

export interface RetakeRow {
  line_id: string;
  project_id: string;
  state: LineRetake['state'];
  attempt: number;
  max_retakes: number;
  /** JSON array of take ids, in try order. */
  take_ids: string;
  chosen_take_id: string | null;
  /** The take auto-retake last made active (a different active take means someone else chose). */
  auto_take_id: string | null;
  pending_job_id: string | null;
  line_text: string;
  base_seed: number;
  outcome: LineRetake['outcome'];
  message: string;
  updated_at: string;
}

export function toLineRetake(r: RetakeRow): LineRetake {
  let takeIds: string[] = [];
  try {
    const parsed = JSON.parse(r.take_ids) as unknown;
    if (Array.isArray(parsed)) takeIds = parsed.filter((x): x is string => typeof x === 'string');
  } catch {
    takeIds = [];
  }
  return {
    state: r.state,
    attempt: r.attempt,
    max: r.max_retakes,
    takeIds,
    chosenTakeId: r.chosen_take_id,
    outcome: r.outcome,
    message: r.message,
  };
}

/** The seed of retake `attempt` (1-based) after a take made with `baseSeed`: the next seeds, wrapping in range. */
export function retakeSeed(baseSeed: number, attempt: number): number {
  return (baseSeed + attempt) % (2 ** 31 - 1);
}

export class RetakeStore {
  constructor(private readonly db: Db) {}

  autoRetake(projectId: string): number {
    const r = this.db.prepare('SELECT auto_retake FROM projects WHERE id = ?').get(projectId) as
      { auto_retake: number } | undefined;
    if (!r) throw notFound('Project', projectId);
    return r.auto_retake;
  }

  setAutoRetake(projectId: string, tries: number): void {
    const r = this.db
      .prepare('UPDATE projects SET auto_retake = ?, updated_at = ? WHERE id = ?')
      .run(tries, new Date().toISOString(), projectId);
    if (r.changes === 0) throw notFound('Project', projectId);
  }

  get(lineId: string): RetakeRow | null {
    return (
      (this.db.prepare('SELECT * FROM line_retakes WHERE line_id = ?').get(lineId) as RetakeRow | undefined) ?? null
    );
  }

  ofProject(projectId: string): Map<string, RetakeRow> {
    const rows = this.db.prepare('SELECT * FROM line_retakes WHERE project_id = ?').all(projectId) as RetakeRow[];
    return new Map(rows.map((r) => [r.line_id, r]));
  }

  retrying(): RetakeRow[] {
    return this.db.prepare(`SELECT * FROM line_retakes WHERE state = 'retrying'`).all() as RetakeRow[];
  }

  put(row: Omit<RetakeRow, 'updated_at'>): void {
    this.db
      .prepare(
        `INSERT INTO line_retakes (line_id, project_id, state, attempt, max_retakes, take_ids, chosen_take_id,
           auto_take_id, pending_job_id, line_text, base_seed, outcome, message, updated_at)
         VALUES (@line_id, @project_id, @state, @attempt, @max_retakes, @take_ids, @chosen_take_id, @auto_take_id,
           @pending_job_id, @line_text, @base_seed, @outcome, @message, @updated_at)
         ON CONFLICT(line_id) DO UPDATE SET project_id = excluded.project_id, state = excluded.state,
           attempt = excluded.attempt, max_retakes = excluded.max_retakes, take_ids = excluded.take_ids,
           chosen_take_id = excluded.chosen_take_id, auto_take_id = excluded.auto_take_id,
           pending_job_id = excluded.pending_job_id, line_text = excluded.line_text, base_seed = excluded.base_seed,
           outcome = excluded.outcome, message = excluded.message, updated_at = excluded.updated_at`,
      )
      .run({ ...row, updated_at: new Date().toISOString() });
  }

  remove(lineId: string): void {
    this.db.prepare('DELETE FROM line_retakes WHERE line_id = ?').run(lineId);
  }

  /** Queue row of a retake job: an ordinary job that must use `seed` and does not make its take active. */
  createRetakeJob(projectId: string, lineId: string, lineText: string, seed: number): string {
    const id = newId('job');
    const t = new Date().toISOString();
    this.db
      .prepare(
        `INSERT INTO jobs (id, kind, project_id, line_id, batch_id, status, progress, created_at, updated_at, line_text, retake_seed)
         VALUES (?, 'synthesize', ?, ?, NULL, 'queued', 0, ?, ?, ?, ?)`,
      )
      .run(id, projectId, lineId, t, t, lineText, seed);
    return id;
  }

  /** The seed a retake job must use and the line text it was queued for, or null for an ordinary job. */
  retakeOf(jobId: string): { seed: number; lineText: string } | null {
    const r = this.db.prepare('SELECT retake_seed, line_text FROM jobs WHERE id = ?').get(jobId) as
      { retake_seed: number | null; line_text: string | null } | undefined;
    return r && r.retake_seed !== null ? { seed: r.retake_seed, lineText: r.line_text ?? '' } : null;
  }

  /** The job that made a take (its id and whether it was a retake), or null. */
  jobOfTake(takeId: string): { id: string; retakeSeed: number | null } | null {
    const r = this.db.prepare('SELECT id, retake_seed FROM jobs WHERE take_id = ? LIMIT 1').get(takeId) as
      { id: string; retake_seed: number | null } | undefined;
    return r ? { id: r.id, retakeSeed: r.retake_seed } : null;
  }
}
