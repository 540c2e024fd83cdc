/**
 * Issue 15, item 9: an export keeps the project's name and says where its copy is. In Chromium against the real
 * `timbre serve`: a project named "Episode 1 — Pilot" exports to "Episode 1 — Pilot.mp3" in the data folder, the
 * dialog shows that folder, and the browser's download gets exactly that name (Content-Disposition filename*).
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, type Page } from 'playwright-core';
import { startServer, type ServerProcess } from '../helpers/server-process.js';
import { tempDir } from '../helpers/tmp.js';
import { guardPage, type PageGuard } from './console-guard.js';
import { ensureBuilt, launchChromium } from './launch.js';

const PROJECT = 'Episode 1 — Pilot';
const LINES = ['Welcome to the pilot.', 'Thanks for listening.'];

let server: ServerProcess;
let browser: Browser;
let page: Page;
let guard: PageGuard;
let dir: string;
let cleanup: () => void;
let projectId: string;

async function rpc<T>(method: string, params: unknown): Promise<T> {
  const r = await server.rpc<T>(method, params);
  if (!r.ok) throw new Error(`${method}: ${r.error.message}`);
  return r.result;
}

beforeAll(async () => {
  ensureBuilt();
  const t = tempDir();
  dir = t.dir;
  cleanup = t.cleanup;
  server = await startServer(dir);
  browser = await launchChromium();
  const context = await browser.newContext({
    viewport: { width: 1440, height: 900 },
    locale: 'en-US',
    acceptDownloads: true,
  });
  page = await context.newPage();
  guard = guardPage(page);
  projectId = (await rpc<{ id: string }>('projects.create', { name: PROJECT })).id;
  for (const text of LINES) await rpc('lines.add', { projectId, text });
}, 120_000);

/** Generate every line of a project and wait until all its jobs are done. */
async function generate(id: string) {
  await rpc('jobs.generateBatch', { projectId: id, scope: 'all' });
  await expect
    .poll(
      async () => (await rpc<{ status: string }[]>('jobs.list', { projectId: id })).every((j) => j.status === 'done'),
      {
        timeout: 60_000,
      },
    )
    .toBe(true);
}

afterEach(() => guard.expectClean());

afterAll(async () => {
  await browser?.close();
  server?.proc.kill('SIGTERM');
  cleanup?.();
});

describe('export names and location', () => {
  it('keeps the project name, shows where the copy is kept, and downloads it under that name', async () => {
    await generate(projectId);
    await page.goto(`${server.url}/#token=${server.token}`);
    await page.getByRole('button', { name: `Open ${PROJECT}` }).click();
    await page.getByRole('button', { name: 'Play line 2' }).waitFor();
    await page.getByRole('button', { name: 'Export', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Export the episode' });
    await dialog.getByLabel('Format').selectOption('mp3cbr');
    await dialog.getByRole('button', { name: 'Export', exact: true }).click();
    await dialog.getByRole('heading', { name: 'Exported' }).waitFor({ timeout: 120_000 });

    // The file in the data folder keeps every character of the name.
    const job = (await rpc<{ id: string; files: { path: string }[] }[]>('export.list', { projectId }))[0];
    const folder = path.join(dir, 'exports', job.id);
    const kept = readdirSync(folder);
    expect(kept).toContain(`${PROJECT}.mp3`);
    for (const f of kept) expect(f.startsWith(`${PROJECT}.`), f).toBe(true); // the subtitles too
    expect(job.files[0].path).toBe(path.join(folder, `${PROJECT}.mp3`));

    // The dialog says where that copy is; web mode offers the download (no "Show in folder": that is the app's).
    const where = dialog.getByTestId('export-location');
    await expect.poll(() => where.locator('code').innerText()).toBe(folder + path.sep);
    expect(await where.getByRole('button', { name: 'Show in folder' }).count()).toBe(0);
    expect(await rpc('export.reveal', { id: job.id, index: 0 })).toEqual({ revealed: false });

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      dialog.getByRole('link', { name: `Download ${PROJECT}.mp3` }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(`${PROJECT}.mp3`);
    expect(await download.failure()).toBeNull();
  });

  it('answers a name with a quote, parentheses and non-Latin letters in RFC 6266 form', async () => {
    const id = (await rpc<{ id: string }>('projects.create', { name: "Ep. 2 (Rock'n'Roll) «Ça va?» 第二集" })).id;
    await rpc('lines.add', { projectId: id, text: 'One short line.' });
    await generate(id);
    const started = await rpc<{ id: string }>('export.start', { projectId: id, format: 'wav' });
    await expect
      .poll(async () => (await rpc<{ status: string }>('export.get', { id: started.id })).status)
      .toBe('done');
    const res = await fetch(`${server.url}/api/media/exports/${started.id}/0`, {
      headers: { Authorization: `Bearer ${server.token}` },
    });
    expect(res.status).toBe(200);
    // "?" is the one character here a file system refuses (Windows): it alone becomes "_".
    const name = "Ep. 2 (Rock'n'Roll) «Ça va_» 第二集.wav";
    expect(res.headers.get('content-disposition')).toBe(
      `attachment; filename="Ep. 2 (Rock'n'Roll) __a va__ ___.wav"; filename*=UTF-8''${encodeURIComponent(name)
        .replace(/'/g, '%27')
        .replace(/\(/g, '%28')
        .replace(/\)/g, '%29')}`,
    );
    await res.arrayBuffer();
  });
});
