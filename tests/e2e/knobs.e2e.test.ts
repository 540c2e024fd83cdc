/** End-to-end: the project's voice settings (knobs) in the Studio reach the engine and are recorded with the take. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, type Page } from 'playwright-core';
import { startServer, type ServerProcess } from '../helpers/server-process.js';
import { tempDir } from '../helpers/tmp.js';
import { launchChromium } from './launch.js';

let server: ServerProcess;
let browser: Browser;
let page: Page;
let cleanup: () => void;

async function rpc<T>(method: string, params: unknown): Promise<T> {
  const r = await server.rpc<T>(method, params);
  if (!r.ok) throw new Error(`${method}: ${r.error.message}`);
  return r.result;
}

beforeAll(async () => {
  const t = tempDir();
  cleanup = t.cleanup;
  server = await startServer(t.dir);
  browser = await launchChromium();
  page = await browser.newPage();
});

afterAll(async () => {
  await browser?.close();
  server?.proc.kill('SIGTERM');
  cleanup?.();
});

describe('voice settings', () => {
  it('saves the knobs, uses them for the next take, records them, and keeps them after a reload', async () => {
    const project = await rpc<{ id: string }>('projects.create', { name: 'Knob test' });
    const line = await rpc<{ id: string }>('lines.add', { projectId: project.id, text: 'Testing the voice settings.' });
    await page.goto(`${server.url}/#token=${server.token}`);
    await page
      .getByRole('button', { name: /Knob test/ })
      .first()
      .click();
    await page.getByRole('button', { name: 'Voice settings', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Voice settings for this project' });
    await expect(dialog.isVisible()).resolves.toBe(true);
    await dialog.getByLabel('Speed').fill('1.5');
    await dialog.getByLabel('Seed').fill('7');
    await dialog.getByRole('button', { name: 'Save settings' }).click();
    await expect
      .poll(async () => (await rpc<{ options: object }>('projects.get', { id: project.id })).options)
      .toEqual({ speed: 1.5, seed: 7 });

    await page.getByRole('button', { name: 'Generate all' }).click();
    await expect
      .poll(async () => (await rpc<{ options: object }[]>('takes.list', { lineId: line.id }))[0]?.options, {
        timeout: 30_000,
      })
      .toEqual({ speed: 1.5, seed: 7 });

    await page.reload();
    await page.getByRole('button', { name: 'Voice settings', exact: true }).click();
    await expect(page.getByLabel('Seed').inputValue()).resolves.toBe('7');
    await expect(page.getByLabel('Speed').inputValue()).resolves.toBe('1.5');
  });
});
