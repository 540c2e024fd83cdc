/**
 * End-to-end: generation interrupted by a crash, in Chromium against the real `timbre serve`. The server is killed
 * with SIGKILL mid-batch and started again on the same data folder.
 * - Automatic resume off: the queue offers "Resume N interrupted jobs" (and a notice says N were interrupted); one
 *   click resumes them and every line gets its take.
 * - Automatic resume on (the default): after the restart a notice says how many jobs were resumed.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, type Page } from 'playwright-core';
import Database from 'better-sqlite3';
import { startServer, type ServerProcess } from '../helpers/server-process.js';
import { tempDir } from '../helpers/tmp.js';
import { ensureBuilt, launchChromium } from './launch.js';

const PROJECT = 'Night Shift · Episode 8';
const LINES = Array.from(
  { length: 6 },
  (_, i) => `Line ${i + 1}. The bakery lights come on one by one while the street is still asleep.`,
);

let server: ServerProcess;
let browser: Browser;
let page: Page;
let dir: string;
let cleanup: () => void;
let projectId: string;
const pageErrors: string[] = [];

async function rpc<T>(method: string, params: unknown): Promise<T> {
  const r = await server.rpc<T>(method, params);
  if (!r.ok) throw new Error(`${method}: ${r.error.message}`);
  return r.result;
}

/** Generate everything, SIGKILL the server once some (not all) jobs are done, start it again on the same folder. */
async function crashMidBatch(): Promise<number> {
  const { batchId } = await rpc<{ batchId: string }>('jobs.generateBatch', { projectId, scope: 'all' });
  await expect
    .poll(
      async () => {
        const jobs = (await rpc<{ status: string; batchId: string }[]>('jobs.list', { projectId })).filter(
          (j) => j.batchId === batchId,
        );
        return jobs.some((j) => j.status === 'done') &&
          jobs.some((j) => j.status === 'queued' || j.status === 'running')
          ? 'mid-batch'
          : 'not yet';
      },
      { timeout: 60_000, interval: 25 },
    )
    .toBe('mid-batch');
  const exited = new Promise((r) => server.proc.once('exit', r));
  server.proc.kill('SIGKILL');
  await exited;
  // What the kill left (a job may have finished between the poll and the kill): read it from the database.
  const db = new Database(path.join(dir, 'timbre.sqlite'), { readonly: true });
  const { n } = db
    .prepare(`SELECT COUNT(*) AS n FROM jobs WHERE project_id = ? AND status IN ('queued', 'running')`)
    .get(projectId) as { n: number };
  db.close();
  expect(n).toBeGreaterThan(0);
  server = await startServer(dir);
  return n;
}

async function openStudio() {
  await page.goto(`${server.url}/#token=${server.token}`);
  await page.getByRole('button', { name: `Open ${PROJECT}` }).click();
  await page.getByRole('textbox', { name: `Line ${LINES.length}` }).waitFor();
}

async function takeCounts(): Promise<number[]> {
  const d = await rpc<{ lines: { id: string }[] }>('projects.get', { id: projectId });
  return Promise.all(d.lines.map(async (l) => (await rpc<unknown[]>('takes.list', { lineId: l.id })).length));
}

beforeAll(async () => {
  ensureBuilt();
  const t = tempDir();
  dir = t.dir;
  cleanup = t.cleanup;
  server = await startServer(dir);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
  page.on('pageerror', (e) => pageErrors.push(e.message));
  projectId = (await rpc<{ id: string }>('projects.create', { name: PROJECT })).id;
  for (const text of LINES) await rpc('lines.add', { projectId, text });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  server?.proc.kill('SIGTERM');
  cleanup?.();
});

describe('Generation interrupted by a crash', () => {
  it('with automatic resume off, the queue offers to resume in one click', async () => {
    await rpc('settings.update', { resumeInterruptedJobs: false });
    const unfinished = await crashMidBatch();
    expect(await rpc('jobs.recovery', { projectId })).toMatchObject({ resumed: 0, interrupted: unfinished });
    await openStudio();
    const s = unfinished === 1 ? '' : 's';
    await page
      .getByRole('status')
      .filter({ hasText: `${unfinished} generation job${unfinished === 1 ? ' was' : 's were'} interrupted` })
      .waitFor();
    const resume = page.getByRole('button', { name: `Resume ${unfinished} interrupted job${s}` });
    await resume.click();
    await page
      .getByRole('status')
      .filter({ hasText: `${unfinished} interrupted job${s} resumed` })
      .waitFor();
    await expect.poll(() => resume.count()).toBe(0);
    for (let n = 1; n <= LINES.length; n++)
      await page.getByRole('button', { name: `Play line ${n}` }).waitFor({ timeout: 120_000 });
    await expect.poll(takeCounts, { timeout: 60_000 }).toEqual(LINES.map(() => 1));
  });

  it('with automatic resume on, the restart resumes by itself and says so', async () => {
    await rpc('settings.update', { resumeInterruptedJobs: true });
    const unfinished = await crashMidBatch();
    expect(await rpc('jobs.recovery', {})).toMatchObject({ resumed: unfinished, skipped: 0 });
    await openStudio();
    const s = unfinished === 1 ? '' : 's';
    await page
      .getByRole('status')
      .filter({ hasText: `Timbre restarted: ${unfinished} interrupted job${s} resumed.` })
      .waitFor();
    expect(await page.getByRole('button', { name: /^Resume \d+ interrupted/ }).count()).toBe(0);
    // Each line gets exactly one more take: the ones done before the kill are not generated again.
    await expect.poll(takeCounts, { timeout: 120_000 }).toEqual(LINES.map(() => 2));
    expect(pageErrors).toEqual([]);
  });
});
