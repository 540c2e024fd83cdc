/**
 * Crash and restart: a real `timbre serve` is killed with SIGKILL in the middle of a 20-line eSpeak batch and started
 * again on the same data folder. The interrupted jobs resume by themselves (the default), in their order and batch,
 * and every line ends with exactly one take: none duplicated, none missing, job rows consistent, database intact.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { ROOT, startServer, type ServerProcess } from '../helpers/server-process.js';
import { integrityCheck } from '../helpers/hostile.js';
import { tempDir } from '../helpers/tmp.js';

beforeAll(() => {
  execFileSync(process.execPath, [path.join(ROOT, 'build/scripts/build.mjs'), '--node', '--if-stale'], {
    stdio: 'ignore',
  });
});

interface Job {
  id: string;
  lineId: string;
  batchId: string | null;
  status: string;
  takeId: string | null;
}

async function rpc<T>(s: ServerProcess, method: string, params: unknown): Promise<T> {
  const r = await s.rpc<T>(method, params);
  if (!r.ok) throw new Error(`${method}: ${r.error.message}`);
  return r.result;
}

/** Poll (no fixed sleeps) until `check` returns a value, or fail after `ms`. */
async function until<T>(what: string, check: () => Promise<T | null>, ms = 120_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== null) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const N = 20;

describe('resume after a crash', () => {
  it('SIGKILL mid-batch, restart: every line ends with exactly one take, in order, same jobs', async () => {
    const { dir, cleanup } = tempDir();
    try {
      let s = await startServer(dir);
      const project = await rpc<{ id: string }>(s, 'projects.create', { name: 'Crash mid-batch' });
      const lineIds: string[] = [];
      for (let i = 0; i < N; i++) {
        const text = `Line ${i + 1}. The night shift starts when the city goes quiet and the ovens wake up.`;
        lineIds.push((await rpc<{ id: string }>(s, 'lines.add', { projectId: project.id, text })).id);
      }
      const batch = await rpc<{ batchId: string; jobs: Job[] }>(s, 'jobs.generateBatch', { projectId: project.id });
      expect(batch.jobs).toHaveLength(N);
      const jobIds = batch.jobs.map((j) => j.id);

      // Kill as soon as a few lines are done: the batch is then certainly mid-way.
      await until('three finished jobs', async () => {
        const jobs = await rpc<Job[]>(s, 'jobs.list', { projectId: project.id });
        return jobs.filter((j) => j.status === 'done').length >= 3 ? true : null;
      });
      const exited = new Promise((r) => s.proc.once('exit', r));
      s.proc.kill('SIGKILL');
      await exited;

      // What the kill left, read straight from the database.
      const db = new Database(path.join(dir, 'timbre.sqlite'), { readonly: true });
      const before = db.prepare('SELECT id, status, take_id FROM jobs ORDER BY rowid').all() as {
        id: string;
        status: string;
        take_id: string | null;
      }[];
      const takesBefore = db.prepare('SELECT line_id FROM takes').all() as { line_id: string }[];
      db.close();
      const doneBefore = before.filter((j) => j.status === 'done');
      const unfinished = before.filter((j) => j.status === 'queued' || j.status === 'running');
      expect(doneBefore.length).toBeGreaterThanOrEqual(3);
      expect(unfinished.length).toBeGreaterThan(0);
      expect(doneBefore.length + unfinished.length).toBe(N);
      expect(takesBefore).toHaveLength(doneBefore.length); // a take is committed together with its job's 'done'

      s = await startServer(dir);
      expect(s.stderr()).toContain(`${unfinished.length} interrupted job(s)`);
      expect(s.stderr()).toContain(`Resumed ${unfinished.length} interrupted job(s)`);
      const recovery = await rpc<{ resumed: number; skipped: number; interrupted: number }>(s, 'jobs.recovery', {
        projectId: project.id,
      });
      expect(recovery).toMatchObject({ resumed: unfinished.length, skipped: 0, interrupted: 0 });

      const finalJobs = await until('every job done', async () => {
        const jobs = await rpc<Job[]>(s, 'jobs.list', { projectId: project.id });
        return jobs.every((j) => j.status === 'done') ? jobs : null;
      });
      // The same job rows (no new ones), same batch, each with its own take.
      expect(finalJobs.map((j) => j.id).sort()).toEqual([...jobIds].sort());
      expect(finalJobs.every((j) => j.batchId === batch.batchId)).toBe(true);
      const detail = await rpc<{ lines: { id: string; activeTakeId: string | null }[] }>(s, 'projects.get', {
        id: project.id,
      });
      const jobOfLine = new Map(finalJobs.map((j) => [j.lineId, j]));
      const created: string[] = [];
      for (const line of detail.lines) {
        const takes = await rpc<{ id: string; createdAt: string }[]>(s, 'takes.list', { lineId: line.id });
        expect(takes, `line ${line.id}`).toHaveLength(1);
        expect(line.activeTakeId).toBe(takes[0].id);
        expect(jobOfLine.get(line.id)?.takeId).toBe(takes[0].id);
        created.push(takes[0].createdAt);
      }
      // Resumed in their original order: takes were made line after line.
      expect([...created].sort()).toEqual(created);
      const files = readdirSync(path.join(dir, 'takes', project.id));
      expect(files.sort()).toEqual(finalJobs.map((j) => `${j.takeId}.wav`).sort());

      const exit2 = new Promise((r) => s.proc.once('exit', r));
      s.proc.kill('SIGTERM');
      await exit2;
      expect(integrityCheck(dir)).toBe('ok');
    } finally {
      cleanup();
    }
  }, 240_000);
});
