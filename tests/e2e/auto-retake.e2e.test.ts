/**
 * End-to-end (issue #10): auto-retake in the studio. The project's "Auto-retake" setting is chosen in the toolbar;
 * a line whose first take QC flags shows "Retake 1/3…" while the retake is made, then which take was kept and why.
 * The flagged take comes from the test engine the server registers under TIMBRE_TEST_ENGINES=1 (eSpeak NG reading
 * the line twice over for odd seeds: native-models/testing/seeded-repeat-engine.ts); QC runs as in use.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import type { ProjectDetail } from '../../preload/contract/index.js';
import { startServer, type ServerProcess } from '../helpers/server-process.js';
import { tempDir } from '../helpers/tmp.js';
import { expectAccessible } from './axe.js';
import { guardPage, type PageGuard } from './console-guard.js';
import { launchChromium } from './launch.js';

let server: ServerProcess;
let browser: Browser;
let page: Page;
let guard: PageGuard;
let cleanup: () => void;
let projectId = '';

async function rpc<T>(method: string, params: unknown): Promise<T> {
  const r = await server.rpc<T>(method, params);
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.result;
}

beforeAll(async () => {
  const t = tempDir();
  cleanup = t.cleanup;
  server = await startServer(path.join(t.dir, 'data'), { TIMBRE_TEST_ENGINES: '1' });
  projectId = (await rpc<{ id: string }>('projects.create', { name: 'Retake check' })).id;
  await rpc('script.import', { projectId, source: { text: 'Can you tell us how you got started?', format: 'txt' } });
  await rpc('projects.setVoice', { id: projectId, voiceId: 'seeded-repeat:odd-seeds-repeat' });
  await rpc('projects.setOptions', { id: projectId, options: { seed: 1 } });
  browser = await launchChromium();
  // axe is injected as a <script>, which the page's CSP rightly refuses: this page bypasses it (the app is the same).
  page = await (await browser.newContext({ bypassCSP: true, viewport: { width: 1440, height: 900 } })).newPage();
  guard = guardPage(page);
  await page.goto(`${server.url}/#token=${server.token}`);
  await page.getByRole('button', { name: 'Open Retake check' }).click();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  server?.proc.kill('SIGTERM');
  cleanup?.();
});

describe('auto-retake in the studio', () => {
  it('is set in the toolbar, shows the retake while it runs, then which take was kept and why', async () => {
    const setting = page.getByLabel('Auto-retake', { exact: true });
    expect(await setting.inputValue()).toBe('0');
    await setting.selectOption({ label: 'Up to 3×' });
    await expect.poll(async () => (await rpc<ProjectDetail>('projects.get', { id: projectId })).autoRetake).toBe(3);
    await rpc('jobs.generate', { projectId });
    const note = page.locator('ol.lines .line-row [data-retake]');
    // The "retrying" note lasts as long as one retake takes (a second or two): read its text inside the page on every
    // frame, not in a second round trip that can arrive after the retake finished.
    const retrying = await page.waitForFunction(
      () => document.querySelector('ol.lines .line-row [data-retake="retrying"]')?.textContent ?? null,
      null,
      { timeout: 120_000, polling: 'raf' },
    );
    expect(await retrying.jsonValue()).toBe('Retake 1/3…');
    await expectAccessible(page, 'Studio while a retake runs');
    await page.locator('[data-retake="passed"]').waitFor({ timeout: 120_000 });
    expect(await note.innerText()).toBe('Kept try 2 of 2: it passed QC');
    expect(await note.getAttribute('title')).toMatch(/Retake 1 passed QC/);
    await page.locator('ol.lines .line-row [data-qc="ok"]').waitFor();
    const d = await rpc<ProjectDetail>('projects.get', { id: projectId });
    expect(d.lines[0].retake?.takeIds).toHaveLength(2);
    expect(d.lines[0].activeTakeId).toBe(d.lines[0].retake?.takeIds[1]);
    await expectAccessible(page, 'Studio after auto-retake');
    guard.expectClean();
  }, 300_000);
});
