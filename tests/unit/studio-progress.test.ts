import { describe, expect, it } from 'vitest';
import type { Job } from '../../preload/contract/index.js';
import {
  batchProgress,
  isReady,
  readyCount,
  showsFailure,
  staleCount,
} from '../../renderer/src/features/studio/progress.js';

const T0 = '2026-01-01T00:00:00.000Z';
const later = (s: number) => new Date(Date.parse(T0) + s * 1000).toISOString();

function job(lineId: string, status: Job['status'], extra: Partial<Job> = {}): Job {
  return {
    id: `job-${lineId}-${status}`,
    kind: 'synthesis',
    projectId: 'p1',
    lineId,
    batchId: 'b1',
    status,
    progress: status === 'done' ? 1 : 0,
    takeId: null,
    error: null,
    createdAt: T0,
    updatedAt: T0,
    ...extra,
  } as Job;
}

function line(id: string, extra: Partial<Parameters<typeof isReady>[0]> = {}) {
  return {
    id,
    text: `Text ${id}`,
    stale: false,
    locked: false,
    activeTakeId: `take-${id}`,
    activeTake: { text: `Text ${id}` },
    updatedAt: T0,
    ...extra,
  };
}

describe('studio counters', () => {
  it('ready counts only lines whose take speaks the text on screen, not stale, edited or queued ones', () => {
    const lines = [
      line('a'),
      line('b', { stale: true }),
      line('c', { activeTakeId: null, activeTake: null }),
      line('d'),
      line('e'),
    ];
    const jobs = { d: job('d', 'queued') };
    const drafts = { e: 'Text e, edited' };
    expect(readyCount(lines, jobs, drafts)).toBe(1);
    expect(isReady(lines[4], undefined, '  Text e ')).toBe(true);
  });

  it('"Generate stale" counts stale and never-generated lines that are not locked, queued or running', () => {
    const lines = [
      line('a', { stale: true }),
      line('b', { stale: true, locked: true }),
      line('c', { activeTakeId: null, activeTake: null }),
      line('d', { stale: true }),
      line('e', { activeTakeId: null, activeTake: null }),
      line('f'),
    ];
    expect(staleCount(lines, { d: job('d', 'queued'), e: job('e', 'running') })).toBe(2);
  });

  it('batch progress counts done jobs whole: 90 of 300 done is 30 %, not the running job alone', () => {
    const jobs: Record<string, Job> = {};
    const ids = new Set<string>();
    for (let i = 0; i < 300; i++) {
      const id = `l${i}`;
      ids.add(id);
      jobs[id] = job(id, i < 90 ? 'done' : i === 90 ? 'running' : 'queued', i === 90 ? { progress: 0.5 } : {});
    }
    // A job of another batch that finished, and a job of a deleted line: neither counts.
    jobs.old = job('old', 'done', { batchId: 'b0' });
    ids.add('old');
    jobs.gone = job('gone', 'queued');
    const p = batchProgress(jobs, 'b1', ids);
    expect(p.total).toBe(300);
    expect(p.done).toBe(90);
    expect(p.active).toBe(210);
    expect(p.fraction).toBeCloseTo(90.5 / 300, 6);
  });

  it('a failure shows until the line changes after it', () => {
    const failed = job('a', 'failed', { updatedAt: later(10) });
    expect(showsFailure(failed, { updatedAt: later(5) })).toBe(true);
    expect(showsFailure(failed, { updatedAt: later(20) })).toBe(false);
    expect(showsFailure(job('a', 'done'), { updatedAt: T0 })).toBe(false);
  });

  it('a failure shows until a project-wide input (voice, speaker voice, knobs, dictionary) changes after it', () => {
    const failed = job('a', 'failed', { updatedAt: later(10) });
    expect(showsFailure(failed, { updatedAt: later(5) }, null)).toBe(true);
    expect(showsFailure(failed, { updatedAt: later(5) }, later(3))).toBe(true);
    expect(showsFailure(failed, { updatedAt: later(5) }, later(10))).toBe(true);
    expect(showsFailure(failed, { updatedAt: later(5) }, later(11))).toBe(false);
  });
});
