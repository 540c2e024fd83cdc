/**
 * End-to-end (issue #12): Settings → Local API in Chromium against `timbre serve`. A key is created (shown once),
 * works against /v1 from outside the page, appears in the call log, and is revoked from the UI (then refused).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, type Page } from 'playwright-core';
import { startServer, type ServerProcess } from '../helpers/server-process.js';
import { tempDir } from '../helpers/tmp.js';
import { expectAccessible } from './axe.js';
import { launchChromium } from './launch.js';

let server: ServerProcess;
let browser: Browser;
let page: Page;
let cleanup: () => void;

beforeAll(async () => {
  const t = tempDir();
  cleanup = t.cleanup;
  server = await startServer(t.dir);
  browser = await launchChromium();
  // axe is injected as a <script>, which the page's CSP rightly refuses: this page bypasses it (the app is the same).
  page = await (await browser.newContext({ bypassCSP: true })).newPage();
});

afterAll(async () => {
  await browser?.close();
  server?.proc.kill('SIGTERM');
  cleanup?.();
});

describe('Settings → Local API', () => {
  it('creates a key shown once, logs its calls, and revokes it', async () => {
    const failed: string[] = [];
    page.on('response', (r) => {
      if (r.status() >= 400) failed.push(`${r.status()} ${new URL(r.url()).pathname}`);
    });
    await page.goto(`${server.url}/#token=${server.token}`);
    await page
      .getByRole('link', { name: 'Settings' })
      .or(page.getByRole('button', { name: 'Settings' }))
      .first()
      .click();
    const panel = page.getByRole('region', { name: 'Local API' });
    await expect.poll(() => panel.getByText(`${server.url}/v1`).count()).toBe(1);
    await expect(panel.getByText('Only this computer can reach it.').isVisible()).resolves.toBe(true);

    await panel.getByLabel('Key name').fill('e2e script');
    await panel.getByLabel('Access').selectOption('speech');
    await panel.getByRole('button', { name: 'Create key' }).click();
    const shown = panel.getByRole('status').locator('code');
    await expect.poll(() => shown.count()).toBe(1);
    const key = (await shown.textContent())!;
    expect(key).toMatch(/^tmb_/);

    const speak = () =>
      fetch(`${server.url}/v1/audio/speech`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ model: 'tts-1', voice: 'alloy', input: 'Hello.', response_format: 'wav' }),
      });
    const ok = await speak();
    expect(ok.status).toBe(200);
    await ok.arrayBuffer();

    // Done hides the key for good; the list shows only its prefix.
    await panel.getByRole('button', { name: 'Done' }).click();
    await expect.poll(() => panel.getByText(key).count()).toBe(0);
    await panel.getByRole('button', { name: 'Refresh' }).click();
    const log = panel.getByRole('table', { name: 'Recent calls with keys' });
    await expect.poll(() => log.getByText('POST /v1/audio/speech').count()).toBe(1);
    await expect(log.getByRole('cell', { name: 'e2e script' }).count()).resolves.toBe(1);

    await panel.getByRole('button', { name: 'Revoke e2e script' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click();
    await expect.poll(() => panel.getByText('Revoked').count()).toBeGreaterThan(0);
    expect((await speak()).status).toBe(401);
    await expectAccessible(page, 'Settings with the Local API panel');
    // Nothing the page asked for failed on this journey (the revoked-key call above is made by the test, not the page).
    expect(failed).toEqual([]);

    // Letting other computers in takes an explicit, confirmed choice, and says so plainly while it lasts.
    const allow = panel.getByLabel('Let other computers on my network use the API');
    await allow.click(); // asks first: the box stays unticked until confirmed
    await page
      .getByRole('dialog', { name: 'Let other computers use the API?' })
      .getByRole('button', { name: 'Allow' })
      .click();
    const warning = panel.getByRole('alert');
    await expect.poll(() => warning.textContent()).toMatch(/Reachable from other computers at 0\.0\.0\.0:\d+/);
    await expectAccessible(page, 'Settings while the API is reachable from the network');
    await allow.click();
    await expect.poll(() => warning.count()).toBe(0);
    const status = await server.rpc<{ remote: boolean }>('apiServer.status', {});
    expect(status.ok && status.result.remote).toBe(false);
  });
});
