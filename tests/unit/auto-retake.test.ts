/**
 * Auto-retake on a real SQLite project, real speech and real QC. The flagged takes come from a test engine registered
 * like the real ones (TIMBRE_TEST_ENGINES=1, native-models/testing/seeded-repeat-engine.ts): eSpeak NG reads the line
 * once or, for the seeds it is told to, twice over — a take that says its line twice is what QC must flag (it is the
 * sampling-engine failure auto-retake is for), and the seed decides it, so each test knows which try fails. QC and the
 * aligner run unchanged.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import type { Job, Line, ProjectDetail, Take, TakeQc } from '../../preload/contract/index.js';
import { createCore, type Core } from '../../main/node/core.js';
import { bestTake } from '../../main/node/speech/auto-retake.js';
import { tempDir } from '../helpers/tmp.js';

const ROOT = path.resolve(__dirname, '../..');
const TEXT = 'Can you tell us how you got started?';

describe('auto-retake', () => {
  let core: Core;
  let t: { dir: string; cleanup: () => void };
  const call = async <T>(method: string, params: unknown): Promise<T> => {
    const res = await core.dispatch(method, params);
    if (!res.ok) throw new Error(`${res.error.code}: ${res.error.message}`);
    return res.result as T;
  };
  /** A project of one line with the given voice, knobs and auto-retake setting. */
  const project = async (voice: string, seed: number, tries: number | null): Promise<{ id: string; line: Line }> => {
    const { id } = await call<{ id: string }>('projects.create', { name: `retake ${voice} ${seed} ${tries}` });
    await call('script.import', { projectId: id, source: { text: TEXT, format: 'txt' } });
    await call('projects.setVoice', { id, voiceId: `seeded-repeat:${voice}` });
    await call('projects.setOptions', { id, options: { seed } });
    if (tries !== null) await call('projects.setAutoRetake', { id, tries });
    const detail = await call<ProjectDetail>('projects.get', { id });
    return { id, line: detail.lines[0] };
  };
  const lineOf = async (projectId: string) => (await call<ProjectDetail>('projects.get', { id: projectId })).lines[0];
  const takesOf = async (lineId: string) =>
    (await call<Take[]>('takes.list', { lineId })).sort((a, b) => a.createdAt.localeCompare(b.createdAt));

  beforeAll(async () => {
    execFileSync(process.execPath, ['build/scripts/build.mjs', '--node', '--if-stale'], { stdio: 'ignore', cwd: ROOT });
    process.env.TIMBRE_TEST_ENGINES = '1';
    t = tempDir();
    core = await createCore({ dataDir: path.join(t.dir, 'data'), transport: 'web', version: 'test' });
  }, 300_000);

  afterAll(async () => {
    await core?.close();
    t?.cleanup();
    delete process.env.TIMBRE_TEST_ENGINES;
  });

  it('is off by default: a flagged take stays the only take', async () => {
    const { id, line } = await project('odd-seeds-repeat', 1, null);
    expect((await call<ProjectDetail>('projects.get', { id })).autoRetake).toBe(0);
    await call('jobs.generate', { projectId: id });
    await core.retakes.idle();
    const after = await lineOf(id);
    expect(after.qc).toBe('flagged');
    expect(after.retake).toBeNull();
    expect(await takesOf(line.id)).toHaveLength(1);
  }, 300_000);

  it('retakes a flagged take with the next seed and keeps the retake that passes', async () => {
    const { id, line } = await project('odd-seeds-repeat', 1, 3);
    const seen: Line['retake'][] = [];
    const off = core.subscribe((event, payload) => {
      const j = payload as Job;
      if (event === 'job.updated' && j.lineId === line.id && j.status === 'queued')
        seen.push(core.repos.lines.get(line.id).retake);
    });
    await call('jobs.generate', { projectId: id });
    await core.retakes.idle();
    off();
    const takes = await takesOf(line.id);
    expect(takes.map((x) => x.options.seed)).toEqual([1, 2]);
    const qcs = await Promise.all(takes.map((x) => call<TakeQc>('takes.qc', { takeId: x.id })));
    expect(qcs.map((q) => q.status)).toEqual(['flagged', 'ok']);
    // While the retake was queued, the line said so.
    expect(seen.at(-1)).toMatchObject({ state: 'retrying', attempt: 1, max: 3, chosenTakeId: null });
    expect(seen.at(-1)!.message).toMatch(/retake 1\/3/);
    const after = await lineOf(id);
    expect(after.activeTakeId).toBe(takes[1].id);
    expect(after.qc).toBe('ok');
    expect(after.stale).toBe(false); // a retake's seed does not make the line look changed
    expect(after.retake).toMatchObject({
      state: 'done',
      outcome: 'passed',
      attempt: 1,
      takeIds: [takes[0].id, takes[1].id],
      chosenTakeId: takes[1].id,
    });
    expect(after.retake!.message).toMatch(/Retake 1 passed QC/);
  }, 300_000);

  it('stops after N retakes when every try is flagged and keeps the best-scoring one', async () => {
    const { id, line } = await project('always-repeat', 10, 2);
    await call('jobs.generate', { projectId: id });
    await core.retakes.idle();
    const takes = await takesOf(line.id);
    expect(takes.map((x) => x.options.seed)).toEqual([10, 11, 12]);
    const qcs = new Map<string, TakeQc>();
    for (const x of takes) qcs.set(x.id, await call<TakeQc>('takes.qc', { takeId: x.id }));
    expect([...qcs.values()].map((q) => q.status)).toEqual(['flagged', 'flagged', 'flagged']);
    const after = await lineOf(id);
    const best = bestTake(
      takes.map((x) => x.id),
      (tid) => qcs.get(tid) ?? null,
    );
    expect(after.activeTakeId).toBe(best);
    expect(Math.max(...[...qcs.values()].map((q) => q.score ?? 0))).toBe(qcs.get(best)!.score);
    expect(after.retake).toMatchObject({ state: 'done', outcome: 'best', attempt: 2, max: 2, chosenTakeId: best });
    expect(after.retake!.message).toMatch(/QC flagged all 3 tries; try \d is kept, the best \(QC score \d+ %\)/);
  }, 300_000);

  it('a take the user chooses while retrying stays, and the retakes stop', async () => {
    const { id, line } = await project('always-repeat', 20, 5);
    let first: string | null = null;
    let chose: Promise<unknown> | null = null;
    const off = core.subscribe((event, payload) => {
      const j = payload as Job;
      // The first retake is queued: the user wants the flagged take anyway.
      if (event === 'job.updated' && j.lineId === line.id && j.status === 'queued' && first && !chose)
        chose = call('takes.setActive', { lineId: line.id, takeId: first });
      if (event === 'job.updated' && j.lineId === line.id && j.status === 'done' && !first) first = j.takeId;
    });
    await call('jobs.generate', { projectId: id });
    await core.retakes.idle();
    await chose;
    await core.retakes.idle();
    off();
    expect(chose).not.toBeNull();
    const after = await lineOf(id);
    expect(after.activeTakeId).toBe(first);
    expect(after.retake).toMatchObject({ state: 'stopped', outcome: 'user', chosenTakeId: first });
    expect(after.retake!.message).toMatch(/You chose try 1/);
    // At most the retake already under way was made, and it did not replace the user's choice.
    expect((await takesOf(line.id)).length).toBeLessThanOrEqual(2);
  }, 300_000);

  it('refuses a setting outside 0–5 and leaves a sound database', async () => {
    const { id } = await project('odd-seeds-repeat', 2, null);
    const bad = await core.dispatch('projects.setAutoRetake', { id, tries: 6 });
    expect(bad.ok).toBe(false);
    expect((await call<ProjectDetail>('projects.get', { id })).autoRetake).toBe(0);
    const db = new Database(core.layout.db, { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(() => db.prepare('SELECT auto_retake FROM projects').all()).not.toThrow();
    } finally {
      db.close();
    }
  });

  it('`timbre render --auto-retake N` retakes flagged lines before mixing and reports what it kept', async () => {
    const script = path.join(t.dir, 'script.txt');
    writeFileSync(script, `${TEXT}\n`);
    const data = path.join(t.dir, 'cli-data');
    const run = (...args: string[]) =>
      spawnSync(process.execPath, [path.join(ROOT, 'bin/timbre.mjs'), '--data-dir', data, ...args], {
        cwd: t.dir,
        encoding: 'utf8',
        env: { ...process.env, TIMBRE_TEST_ENGINES: '1' },
      });
    const bad = run('render', script, '--auto-retake', '9', '-f', 'wav', '-l', 'none', '-o', 'bad.wav');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--auto-retake must be a whole number from 0 to 5, not "9"/);
    expect(existsSync(path.join(t.dir, 'bad.wav'))).toBe(false);
    const out = path.join(t.dir, 'ep.wav');
    const r = run(
      'render',
      script,
      '--voice',
      'seeded-repeat:always-repeat',
      '--auto-retake',
      '1',
      '-f',
      'wav',
      '-l',
      'none',
      '-o',
      out,
      '--json',
    );
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { retakes: { line: number; outcome: string; message: string }[] };
    expect(report.retakes).toEqual([
      { line: 1, outcome: 'best', message: expect.stringMatching(/QC flagged all 2 tries; try \d is kept/) as string },
    ]);
    expect(existsSync(out)).toBe(true);
  }, 300_000);
});
