/**
 * Issue 15, item 2: a restarted `timbre serve` never strands the page. In Chromium against real server processes
 * on one port:
 * - restarted mid-generation with a new token: the page says Timbre was restarted and how to get back in; opening
 *   the new URL in the same tab (only the fragment changes: no reload) reconnects it and the batch finishes;
 * - while the server is down the banner's spinner stays a small spinner;
 * - restarted with the same token (TIMBRE_SERVE_TOKEN): the page reconnects by itself.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, type Page } from 'playwright-core';
import { ROOT, startServer, type ServerProcess } from '../helpers/server-process.js';
import { tempDir } from '../helpers/tmp.js';
import { guardPage, type PageGuard } from './console-guard.js';
import { ensureBuilt, launchChromium } from './launch.js';

const PROJECT = 'Harbour Lights · Episode 2';
const LINES = Array.from(
  { length: 5 },
  (_, i) => `Line ${i + 1}. The ferry horn sounds twice before the harbour lights go out for the night.`,
);
const FIXED = 'fixed-token-for-the-reconnect-test-0123456789';

let server: ServerProcess;
let browser: Browser;
let page: Page;
let guard: PageGuard;
let dir: string;
let cleanup: () => void;
let port: string;
let projectId: string;

async function rpc<T>(method: string, params: unknown): Promise<T> {
  const r = await server.rpc<T>(method, params);
  if (!r.ok) throw new Error(`${method}: ${r.error.message}`);
  return r.result;
}

async function stop() {
  const exited = new Promise((r) => server.proc.once('exit', r));
  server.proc.kill('SIGKILL');
  await exited;
}

/**
 * What a server that went away makes the page log (its socket and its probes fail; the old token is refused; a
 * response being sent when it was killed is cut short).
 */
const RESTART_NOISE = [
  { text: /WebSocket connection to .* failed/ },
  { url: /\/api\/session$/, text: /ERR_CONNECTION_REFUSED|ERR_CONNECTION_RESET|ERR_EMPTY_RESPONSE/ },
  { url: /\/api\/(session|rpc)$/, status: 401 },
  { url: /\/api\/rpc$/, text: /ERR_CONNECTION_REFUSED|ERR_CONNECTION_RESET|ERR_EMPTY_RESPONSE/ },
  // A take's audio still loading when the server is killed is cut off mid-body.
  {
    url: /\/api\/media\//,
    text: /ERR_CONNECTION_REFUSED|ERR_CONNECTION_RESET|ERR_EMPTY_RESPONSE|ERR_CONTENT_LENGTH_MISMATCH/,
  },
];

beforeAll(async () => {
  ensureBuilt();
  const t = tempDir();
  dir = t.dir;
  cleanup = t.cleanup;
  server = await startServer(dir);
  port = new URL(server.url).port;
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1440, height: 900 }, locale: 'en-US' });
  guard = guardPage(page);
  projectId = (await rpc<{ id: string }>('projects.create', { name: PROJECT })).id;
  for (const text of LINES) await rpc('lines.add', { projectId, text });
}, 120_000);

afterEach(() => guard.expectClean());

afterAll(async () => {
  await browser?.close();
  server?.proc.kill('SIGTERM');
  cleanup?.();
});

describe('a restarted server', () => {
  it('refuses a malformed TIMBRE_SERVE_TOKEN', () => {
    const r = spawnSync(
      process.execPath,
      [path.join(ROOT, 'bin', 'timbre.mjs'), '--data-dir', path.join(dir, 'other'), 'serve'],
      { cwd: ROOT, env: { ...process.env, TIMBRE_SERVE_TOKEN: 'short' }, encoding: 'utf8' },
    );
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/TIMBRE_SERVE_TOKEN must be 32 to 128/);
  });

  it('with a new token, mid-generation: the page says so, and the new URL in the same tab brings it back', async () => {
    await page.goto(`${server.url}/#token=${server.token}`);
    await page.getByRole('button', { name: `Open ${PROJECT}` }).click();
    await page.getByRole('textbox', { name: `Line ${LINES.length}` }).waitFor();
    await page.evaluate(() => ((window as unknown as { sameDocument: string }).sameDocument = 'kept'));

    // Generation runs; the server goes away before the batch is done.
    const { batchId } = await rpc<{ batchId: string }>('jobs.generateBatch', { projectId, scope: 'all' });
    await expect
      .poll(async () => {
        const jobs = (await rpc<{ status: string; batchId: string }[]>('jobs.list', { projectId })).filter(
          (j) => j.batchId === batchId,
        );
        return jobs.some((j) => j.status === 'done') && jobs.some((j) => j.status !== 'done');
      })
      .toBe(true);
    guard.allow(...RESTART_NOISE);
    await stop();

    // While it is down: "Reconnecting…" with a spinner the size of a spinner (it used to stretch across the page).
    const banner = page.getByRole('status').filter({ hasText: 'Reconnecting' });
    await banner.waitFor();
    const box = await banner.locator('.spinner').boundingBox();
    expect(box?.width).toBeLessThanOrEqual(20);
    expect(box?.height).toBeLessThanOrEqual(20);

    // Back with a new token (and the fixed one the next test restarts with) on the same port.
    server = await startServer(dir, { TIMBRE_SERVE_TOKEN: FIXED }, ['--port', port]);
    expect(server.token).toBe(FIXED);
    await page.getByRole('heading', { name: 'Timbre was restarted' }).waitFor();
    await expect.poll(() => banner.count()).toBe(0);

    // Opening the new URL in the same tab: only the fragment changes, so the page stays and re-reads the token.
    await page.goto(`${server.url}/#token=${server.token}`);
    await page.getByRole('textbox', { name: `Line ${LINES.length}` }).waitFor();
    await page.getByText('Connected', { exact: true }).waitFor();
    expect(await page.evaluate(() => (window as unknown as { sameDocument?: string }).sameDocument)).toBe('kept');
    expect(page.url()).not.toContain('token='); // the token leaves the address bar again

    // The interrupted batch resumed on the restarted server, and its progress reaches the page.
    for (let n = 1; n <= LINES.length; n++)
      await page.getByRole('button', { name: `Play line ${n}` }).waitFor({ timeout: 120_000 });
  });

  it('with the same token (TIMBRE_SERVE_TOKEN), the page reconnects by itself', async () => {
    guard.allow(...RESTART_NOISE);
    await stop();
    await page.getByRole('status').filter({ hasText: 'Reconnecting' }).waitFor();
    server = await startServer(dir, { TIMBRE_SERVE_TOKEN: FIXED }, ['--port', port]);
    await page.getByText('Connected', { exact: true }).waitFor({ timeout: 30_000 });
    // Events flow again: a rename made elsewhere reaches the page.
    await rpc('projects.rename', { id: projectId, name: `${PROJECT} (final)` });
    await page.getByText(`${PROJECT} (final)`).first().waitFor();
    expect(await page.getByRole('heading', { name: 'Timbre was restarted' }).count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { sameDocument?: string }).sameDocument)).toBe('kept');
  });
});
