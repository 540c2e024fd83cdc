/**
 * Auto-retake (docs/speech.md): when take QC flags a new take of a line and the project allows N retakes, the line is
 * generated again with the next seed, up to N times, one retake at a time (each after the previous one was checked).
 * Every try stays a take of the line. While retrying, the best-scoring take so far is the active one; it ends when a
 * retake passes QC (it is kept) or after N retakes (the best-scoring try is kept), and the line says which take was
 * kept and why.
 *
 * Never in the way of the user: a take the user picks (takes.setActive) stops the retakes and stays; editing the line
 * or generating it again stops them too. Retakes are ordinary queue jobs (cancellable, resumed after a crash) that
 * carry their seed and do not make their take active themselves.
 */
import type { Job, LineRetake, TakeQc } from '../../../preload/contract/index.js';
import type { Repos, TakeRow } from '../db/repositories.js';
import type { JobQueue } from '../jobs/queue.js';
import { retakeSeed, type RetakeRow, type RetakeStore } from '../studio/retake-store.js';

export interface AutoRetakeDeps {
  repos: Repos;
  store: RetakeStore;
  jobs: JobQueue;
  /** The stored QC of a take (take_qc), or null. */
  qcOf: (takeId: string) => TakeQc | null;
  /** Schedule QC of a take (the startup recovery of a retake whose check was lost). */
  scheduleQc: (takeId: string, projectId: string) => void;
  /** Resolves when no QC check is running or waiting. */
  qcIdle: () => Promise<void>;
  /** A project changed (its lines' retake state, or an active take). */
  changed: (projectId: string) => void;
  log?: (message: string) => void;
}

/**
 * How good a take is for keeping: passed QC first, then the higher QC score; unchecked takes last. The score is the
 * aligner's, averaged with what the installed packs measured: the speaker similarity to the voice's samples and
 * 1 − the word error rate (capped at 0), so among flagged tries the one closest to its voice and its text wins.
 */
export function takeRank(qc: TakeQc | null): [number, number] {
  if (!qc || qc.status === 'unchecked') return [0, 0];
  const parts = [qc.score ?? 0];
  if (qc.similarity !== undefined) parts.push(qc.similarity);
  if (qc.wer !== undefined) parts.push(Math.max(0, 1 - qc.wer));
  return [qc.status === 'ok' ? 2 : 1, parts.reduce((a, b) => a + b, 0) / parts.length];
}

/** The best take of a run (the earliest among equals), by `takeRank`. */
export function bestTake(takeIds: readonly string[], qcOf: (id: string) => TakeQc | null): string {
  let best = takeIds[0];
  let bestRank = takeRank(qcOf(best));
  for (const id of takeIds.slice(1)) {
    const r = takeRank(qcOf(id));
    if (r[0] > bestRank[0] || (r[0] === bestRank[0] && r[1] > bestRank[1])) {
      best = id;
      bestRank = r;
    }
  }
  return best;
}

const pct = (qc: TakeQc | null) => (qc?.score == null ? 'no score' : `QC score ${Math.round(qc.score * 100)} %`);

export class AutoRetake {
  constructor(private readonly d: AutoRetakeDeps) {}

  /** After QC of a new take stored its result (take QC's background check). */
  onChecked(qc: TakeQc): void {
    try {
      this.handleChecked(qc);
    } catch (err) {
      this.d.log?.(`Auto-retake after QC of take ${qc.takeId} failed: ${(err as Error).message}`);
    }
  }

  private handleChecked(qc: TakeQc): void {
    const take = this.d.repos.takes.rowOrNull(qc.takeId);
    if (!take) return;
    const job = this.d.store.jobOfTake(take.id);
    const run = this.d.store.get(take.line_id);
    if (job?.retakeSeed != null) {
      // A retake: only the one the line's current run waits for counts (an older run's take just stays a take).
      if (run && run.state === 'retrying' && run.pending_job_id === job.id) this.advance(run, take, qc);
      return;
    }
    const line = lineOrNull(this.d.repos, take.line_id);
    if (!line || line.active_take_id !== take.id) return; // another take is active already: nothing to improve
    // A new ordinary take replaces whatever run the line had.
    if (run?.state === 'retrying') this.stop(run, 'changed', 'The line was generated again, so the retakes stopped.');
    else if (run) this.d.store.remove(line.id); // an earlier run's report no longer describes the active take
    const max = this.d.store.autoRetake(take.project_id);
    if (qc.status !== 'flagged' || max === 0 || line.text !== take.text) return;
    const base = seedOf(take);
    const jobId = this.d.store.createRetakeJob(take.project_id, line.id, line.text, retakeSeed(base, 1));
    this.d.store.put({
      line_id: line.id,
      project_id: take.project_id,
      state: 'retrying',
      attempt: 1,
      max_retakes: max,
      take_ids: JSON.stringify([take.id]),
      chosen_take_id: null,
      auto_take_id: take.id,
      pending_job_id: jobId,
      line_text: line.text,
      base_seed: base,
      outcome: null,
      message: `QC flagged the take; retake 1/${max}…`,
    });
    this.d.jobs.queueJob(jobId);
    this.d.changed(take.project_id);
  }

  private advance(run: RetakeRow, take: TakeRow, qc: TakeQc): void {
    const takeIds = [...parseIds(run.take_ids), take.id];
    const next = { ...run, take_ids: JSON.stringify(takeIds), pending_job_id: null };
    const line = lineOrNull(this.d.repos, run.line_id);
    if (!line) return;
    if (line.active_take_id !== run.auto_take_id) {
      // Someone else made another take active meanwhile: theirs stays.
      this.finish(
        next,
        'stopped',
        'changed',
        line.active_take_id,
        'Another take was made active, so the retakes stopped.',
      );
      return;
    }
    const best = bestTake(takeIds, this.d.qcOf);
    if (best !== line.active_take_id) {
      this.d.repos.lines.setActiveTake(line.id, best);
      this.d.repos.projects.touch(run.project_id);
    }
    next.auto_take_id = best;
    const tryOf = (id: string) => takeIds.indexOf(id) + 1;
    if (qc.status === 'ok') {
      this.finish(
        next,
        'done',
        'passed',
        best,
        `Retake ${run.attempt} passed QC, so it is the active take (try ${tryOf(best)} of ${takeIds.length}).`,
      );
    } else if (run.attempt >= run.max_retakes) {
      this.finish(
        next,
        'done',
        'best',
        best,
        `QC flagged all ${takeIds.length} tries; try ${tryOf(best)} is kept, the best (${pct(this.d.qcOf(best))}).`,
      );
    } else {
      const attempt = run.attempt + 1;
      const jobId = this.d.store.createRetakeJob(
        run.project_id,
        run.line_id,
        run.line_text,
        retakeSeed(run.base_seed, attempt),
      );
      this.d.store.put({
        ...next,
        attempt,
        pending_job_id: jobId,
        message: `QC flagged retake ${run.attempt}; retake ${attempt}/${run.max_retakes}…`,
      });
      this.d.jobs.queueJob(jobId);
      this.d.changed(run.project_id);
    }
  }

  private finish(
    row: RetakeRow,
    state: 'done' | 'stopped',
    outcome: NonNullable<LineRetake['outcome']>,
    chosen: string | null,
    message: string,
  ): void {
    this.d.store.put({ ...row, state, outcome, chosen_take_id: chosen, pending_job_id: null, message });
    this.d.changed(row.project_id);
  }

  /** End a run that is retrying: its waiting retake job is cancelled (if not finished yet). */
  private stop(run: RetakeRow, outcome: NonNullable<LineRetake['outcome']>, message: string, chosen?: string): void {
    const pending = run.pending_job_id;
    this.finish(run, 'stopped', outcome, chosen ?? run.auto_take_id, message);
    if (pending) {
      const j = this.d.repos.jobs.find(pending);
      if (j && (j.status === 'queued' || j.status === 'running')) this.d.jobs.cancel(pending);
    }
  }

  /** A retake job ended without a take (failed, cancelled): the run stops, the best take so far stays active. */
  onJobUpdated(job: Job): void {
    if (job.status !== 'failed' && job.status !== 'cancelled') return;
    if (!job.lineId) return;
    const run = this.d.store.get(job.lineId);
    if (!run || run.state !== 'retrying' || run.pending_job_id !== job.id) return;
    const why = job.error?.message ?? job.status;
    const changedLine = /changed since/.test(why);
    this.finish(
      run,
      'stopped',
      changedLine ? 'changed' : 'failed',
      run.auto_take_id,
      changedLine
        ? 'The line changed, so the retakes stopped.'
        : `Retake ${run.attempt} was not made (${why}); the best take so far stays active.`,
    );
  }

  /** The user made a take active (or none): it stays, and retakes of the line stop. */
  userChose(lineId: string, takeId: string | null): void {
    const run = this.d.store.get(lineId);
    if (!run) return;
    const ids = parseIds(run.take_ids);
    const which = takeId && ids.includes(takeId) ? `try ${ids.indexOf(takeId) + 1}` : 'another take';
    if (run.state === 'retrying')
      this.stop(run, 'user', `You chose ${which}, so the retakes stopped.`, takeId ?? undefined);
    else if (takeId !== run.chosen_take_id)
      this.finish(run, run.state, 'user', takeId, `You chose ${which}; it stays the active take.`);
  }

  /**
   * After a restart: a run whose retake job was resumed goes on; one whose retake was made but not checked has it
   * checked; any other run that was retrying stops (its retake was not resumed).
   */
  recover(): void {
    for (const run of this.d.store.retrying()) {
      const j = run.pending_job_id ? this.d.repos.jobs.find(run.pending_job_id) : null;
      if (j && (j.status === 'queued' || j.status === 'running')) continue;
      if (j?.status === 'done' && j.takeId && this.d.repos.takes.rowOrNull(j.takeId)) {
        this.d.scheduleQc(j.takeId, run.project_id);
        continue;
      }
      this.finish(
        run,
        'stopped',
        'failed',
        run.auto_take_id,
        `Retake ${run.attempt} was interrupted and not resumed; the best take so far stays active.`,
      );
    }
  }

  /** Resolves when no generation, QC check or retake is under way (tests, `timbre render`). */
  async idle(): Promise<void> {
    do {
      await this.d.jobs.idle();
      await this.d.qcIdle();
    } while (this.d.jobs.busy);
  }
}

function lineOrNull(repos: Repos, id: string): ReturnType<Repos['lines']['row']> | null {
  try {
    return repos.lines.row(id);
  } catch {
    return null;
  }
}

function parseIds(json: string): string[] {
  try {
    const v = JSON.parse(json) as unknown;
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

function seedOf(take: TakeRow): number {
  try {
    const s = (JSON.parse(take.settings) as { seed?: unknown }).seed;
    return typeof s === 'number' && Number.isInteger(s) && s >= 0 ? s : 0;
  } catch {
    return 0;
  }
}
