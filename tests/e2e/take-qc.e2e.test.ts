/**
 * End-to-end (issue #10): take QC in the studio. Lines generated with eSpeak get a quiet "QC ok" badge once the
 * background check has aligned them; a take whose audio says its text twice gets a "Check" button whose findings
 * name the problem in plain words; axe stays clean with the findings open; "Only lines to check" filters the script.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { type Browser, type Page } from 'playwright-core';
import type { ProjectDetail, ProjectQc } from '../../preload/contract/index.js';
import { decodeWav, encodeWav } from '../../native-models/audio/wav.js';
import { startServer, type ServerProcess } from '../helpers/server-process.js';
import { tempDir } from '../helpers/tmp.js';
import { expectAccessible } from './axe.js';
import { launchChromium } from './launch.js';

let server: ServerProcess;
let browser: Browser;
let page: Page;
let cleanup: () => void;
let dataDir = '';
let projectId = '';
const pageErrors: string[] = [];

async function rpc<T>(method: string, params: unknown): Promise<T> {
  const r = await server.rpc<T>(method, params);
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.result;
}

async function until<T>(f: () => Promise<T>, ok: (v: T) => boolean, what: string, ms = 120_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  const t = tempDir();
  cleanup = t.cleanup;
  dataDir = path.join(t.dir, 'data');
  server = await startServer(dataDir);
  projectId = (await rpc<{ id: string }>('projects.create', { name: 'QC check' })).id;
  await rpc('script.import', {
    projectId,
    source: {
      text: 'It was the best of times, it was the worst of times.\n\nCan you tell us how you got started?',
      format: 'txt',
    },
  });
  await rpc('jobs.generate', { projectId });
  // Generation, then the background QC of each take.
  const detail = await until(
    () => rpc<ProjectDetail>('projects.get', { id: projectId }),
    (d) => d.lines.every((l) => l.qc !== null),
    'take QC of both lines',
  );
  expect(detail.lines.map((l) => l.qc)).toEqual(['ok', 'ok']);
  // The second take now says its text twice; checking it again flags it.
  const take = detail.lines[1].activeTake!;
  const file = path.join(dataDir, 'takes', projectId, `${take.id}.wav`);
  const wav = decodeWav(readFileSync(file));
  writeFileSync(file, encodeWav(new Float32Array([...wav.samples, ...wav.samples]), wav.sampleRate));
  const db = new Database(path.join(dataDir, 'timbre.sqlite'));
  db.prepare('DELETE FROM take_qc WHERE take_id = ?').run(take.id);
  db.close();
  const qc = await rpc<ProjectQc>('projects.qc', { projectId });
  expect(qc.flagged).toBe(1);

  browser = await launchChromium();
  // axe is injected as a <script>, which the page's CSP rightly refuses: this page bypasses it (the app is the same).
  page = await (await browser.newContext({ bypassCSP: true, viewport: { width: 1440, height: 900 } })).newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(`${server.url}/#token=${server.token}`);
  await page.getByRole('button', { name: 'Open QC check' }).click();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  server?.proc.kill('SIGTERM');
  cleanup?.();
});

describe('take QC in the studio', () => {
  it('shows "QC ok" on the clean take and a "Check" button on the flagged one, with its findings', async () => {
    const ok = page.locator('[data-qc="ok"]');
    await ok.first().waitFor();
    expect(await ok.count()).toBe(1);
    expect(await ok.first().getAttribute('title')).toBe('Take QC: every word heard, no long pauses, no clipping.');
    const check = page.locator('button[data-qc="flagged"]');
    await check.waitFor();
    expect(await check.count()).toBe(1);
    expect(await check.innerText()).toBe('Check');
    expect(await check.getAttribute('aria-expanded')).toBe('false');
    await check.click();
    const findings = page.getByRole('region', { name: 'What take QC found in line 2' });
    await findings.waitFor();
    await expect.poll(() => findings.innerText()).toMatch(/s of speech that is not in the text \(a repeat\?\)/);
    expect(await findings.innerText()).toContain('QC never blocks a take');
    expect(await check.getAttribute('aria-expanded')).toBe('true');
    await expectAccessible(page, 'Studio with take QC findings open');
  });

  it('"Only lines to check" shows the flagged line alone, and "Show all lines" brings the others back', async () => {
    const rows = page.locator('ol.lines .line-row');
    expect(await rows.count()).toBe(2);
    await page.getByRole('button', { name: 'Only lines to check (1)' }).click();
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().locator('button[data-qc="flagged"]').count()).toBe(1);
    const all = page.getByRole('button', { name: 'Show all lines' });
    expect(await all.getAttribute('aria-pressed')).toBe('true');
    await all.click();
    await expect.poll(() => rows.count()).toBe(2);
  });

  it('ran without page errors', () => {
    expect(pageErrors).toEqual([]);
  });
});
