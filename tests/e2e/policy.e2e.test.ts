/**
 * End-to-end (issue #13): under a managed policy (TIMBRE_POLICY_FILE fixture), the controls it fixes are disabled in
 * the studio with a "Set by your organization" note: model downloads, the local API's keys and remote access.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
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
  const policy = path.join(t.dir, 'policy.json');
  writeFileSync(policy, JSON.stringify({ modelDownloads: false, remoteApi: false, voiceExport: false }));
  server = await startServer(path.join(t.dir, 'data'), { TIMBRE_POLICY_FILE: policy });
  browser = await launchChromium();
  // axe is injected as a <script>, which the page's CSP rightly refuses: this page bypasses it (the app is the same).
  page = await (await browser.newContext({ bypassCSP: true })).newPage();
});

afterAll(async () => {
  await browser?.close();
  server?.proc.kill('SIGTERM');
  cleanup?.();
});

describe('a managed policy in the studio', () => {
  it('download buttons are disabled with "Set by your organization"; import stays', async () => {
    await page.goto(`${server.url}/#token=${server.token}`);
    await page
      .getByRole('link', { name: 'Models' })
      .or(page.getByRole('button', { name: 'Models' }))
      .first()
      .click();
    const download = page.getByRole('button', { name: /^Download .*Silero/ }).first();
    await download.waitFor();
    await expect(download.isDisabled()).resolves.toBe(true);
    const note = await download.getAttribute('aria-describedby');
    await expect(page.locator(`#${note}`).textContent()).resolves.toBe('Set by your organization');
    await expect(
      page.getByText('Downloads are turned off: import packs your organization provides.').isVisible(),
    ).resolves.toBe(true);
    await expect(
      page
        .getByRole('button', { name: /^Import/ })
        .first()
        .isEnabled(),
    ).resolves.toBe(true);
    await expectAccessible(page, 'Models under a policy');
  });

  it('Settings: remote access to the API is disabled with the note', async () => {
    await page
      .getByRole('link', { name: 'Settings' })
      .or(page.getByRole('button', { name: 'Settings' }))
      .first()
      .click();
    const panel = page.getByRole('region', { name: 'Local API' });
    const allow = panel.getByLabel('Let other computers on my network use the API');
    await allow.waitFor();
    await expect(allow.isDisabled()).resolves.toBe(true);
    await expect(panel.locator('#api-remote-policy').textContent()).resolves.toBe('Set by your organization');
    // Keys are still allowed (only remote use is off).
    await expect(
      panel.getByRole('button', { name: 'Create key' }).getAttribute('aria-describedby'),
    ).resolves.toBeNull();
    await expectAccessible(page, 'Settings under a policy');
  });
});
