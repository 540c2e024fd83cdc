/**
 * End-to-end (issue #13): the Privacy page in Chromium against a real `timbre serve` under a managed policy fixture
 * that fixes export retention: the holdings table, the retention controls (the fixed one disabled with "Set by your
 * organization", the others saved), the ledger with its filter, export everything, and erase behind the typed
 * confirmation; axe in light and dark.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import type { PrivacyReport } from '../../preload/contract/index.js';
import { startServer, type ServerProcess } from '../helpers/server-process.js';
import { tempDir } from '../helpers/tmp.js';
import { expectAccessible } from './axe.js';
import { ensureBuilt, launchChromium } from './launch.js';

let server: ServerProcess;
let browser: Browser;
let page: Page;
let dir: string;
let cleanup: () => void;
const pageErrors: string[] = [];

async function rpc<T>(method: string, params: unknown = {}): Promise<T> {
  const r = await server.rpc<T>(method, params);
  if (!r.ok) throw new Error(`${method}: ${r.error.message}`);
  return r.result;
}

async function nav(name: string) {
  await page
    .getByRole('navigation')
    .getByRole('button', { name: new RegExp(`^${name}`) })
    .click();
}

async function setTheme(theme: 'Light' | 'Dark') {
  await nav('Settings');
  await page.getByRole('radio', { name: theme }).check();
  await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe(theme.toLowerCase());
}

const holding = (report: PrivacyReport, kind: string) => report.holdings.find((h) => h.kind === kind)!;

beforeAll(async () => {
  ensureBuilt();
  const t = tempDir();
  cleanup = t.cleanup;
  dir = t.dir;
  const policy = path.join(t.dir, 'policy.json');
  writeFileSync(policy, JSON.stringify({ retention: { exportsDays: 30 } }));
  server = await startServer(path.join(t.dir, 'data'), { TIMBRE_POLICY_FILE: policy });
  // A project with one generated take: the ledger gets a model run.
  const p = await rpc<{ id: string }>('projects.create', { name: 'Ledger show' });
  await rpc('projects.setVoice', { id: p.id, voiceId: 'espeak:en-us' });
  await rpc('lines.add', { projectId: p.id, text: 'A line only the take knows.' });
  await rpc('jobs.generate', { projectId: p.id });
  // expect.poll is for tests only: here the take is polled for by hand (the condition, not a delay).
  for (let i = 0; holding(await rpc<PrivacyReport>('privacy.report'), 'takes').count < 1; i++) {
    if (i > 300) throw new Error('the take was not generated');
    await new Promise((r) => setTimeout(r, 100));
  }
  // And an export of the ledger itself: a second kind of event.
  await rpc('privacy.exportLedger', { path: path.join(t.dir, 'ledger.json') });
  browser = await launchChromium();
  // axe is injected as a <script>, which the page's CSP rightly refuses: this context bypasses it.
  const context = await browser.newContext({
    viewport: { width: 1280, height: 900 },
    locale: 'en-US',
    colorScheme: 'light',
    bypassCSP: true,
  });
  page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(`${server.url}/#token=${server.token}`);
  await page.getByRole('heading', { name: 'Projects', level: 1 }).waitFor();
});

afterAll(async () => {
  await browser?.close();
  server?.proc.kill('SIGTERM');
  cleanup?.();
});

describe('the Privacy page', () => {
  it('shows what Timbre holds, with locations', async () => {
    await nav('Privacy');
    await page.getByRole('heading', { name: 'Privacy', level: 1 }).waitFor();
    const takes = page.locator('tr[data-kind="takes"]');
    await takes.waitFor();
    await expect(takes.locator('td').first().textContent()).resolves.toBe('1');
    await expect(takes.locator('code').textContent()).resolves.toBe(path.join(dir, 'data', 'takes'));
    // Web mode has no file manager to open: the path is shown instead.
    await page.getByRole('button', { name: 'Show in folder: Takes' }).click();
    await page.getByText(`The folder is ${path.join(dir, 'data', 'takes')}`).waitFor();
  });

  it('retention: the policy-fixed limit is disabled with its note; the others save', async () => {
    const exportsField = page.getByLabel('Delete exports in the data folder after (days)');
    await expect(exportsField.isDisabled()).resolves.toBe(true);
    await expect(exportsField.inputValue()).resolves.toBe('30');
    const note = await exportsField.getAttribute('aria-describedby');
    await expect(page.locator(`[id="${note}"]`).textContent()).resolves.toBe('Set by your organization');
    const takesField = page.getByLabel('Delete takes that are not active after (days)');
    await expect(takesField.isEnabled()).resolves.toBe(true);
    await takesField.fill('45');
    await page.getByRole('button', { name: 'Save retention' }).click();
    await expect
      .poll(async () => (await rpc<PrivacyReport>('privacy.report')).retention.inactiveTakesDays)
      .toEqual({ value: 45, fixedByPolicy: false });
  });

  it('the ledger lists events without content and filters by kind', async () => {
    const ledger = page.getByRole('region', { name: 'Privacy ledger' });
    await ledger.locator('tr[data-kind="model.run"]').first().waitFor();
    await expect(ledger.textContent()).resolves.not.toContain('A line only the take knows');
    await ledger.getByLabel('Show').selectOption('model.run');
    // The generation, and take QC's alignment of the take once it has run (1 or 2 rows); nothing else.
    await expect.poll(() => ledger.locator('tbody tr:not([data-kind="model.run"])').count()).toBe(0);
    const runs = await ledger.locator('tbody tr[data-kind="model.run"]').count();
    expect(runs).toBeGreaterThanOrEqual(1);
    expect(runs).toBeLessThanOrEqual(2);
    await ledger.getByLabel('Show').selectOption('');
    await expect.poll(() => ledger.locator('tbody tr').count()).toBeGreaterThan(1);
  });

  it('passes axe in light and dark (page and erase dialog)', async () => {
    for (const theme of ['Light', 'Dark'] as const) {
      await setTheme(theme);
      await nav('Privacy');
      await page.locator('tr[data-kind="takes"]').waitFor();
      await expectAccessible(page, `Privacy (${theme})`);
      await page.getByRole('button', { name: 'Erase everything' }).first().click();
      const dialog = page.getByRole('dialog', { name: 'Erase everything?' });
      await dialog.waitFor();
      await expectAccessible(page, `Erase dialog (${theme})`);
      await page.keyboard.press('Escape');
      await expect.poll(() => dialog.isVisible()).toBe(false);
    }
    await setTheme('Light');
    await nav('Privacy');
  });

  it('exports everything to an archive', async () => {
    const target = path.join(dir, 'archive.zip');
    await page.getByLabel('Save the archive to').fill(target);
    await page.getByLabel('Passphrase for the voices (at least 8 characters)').first().fill('e2e archive passphrase');
    await page.getByRole('button', { name: 'Export', exact: true }).click();
    await page.getByText(`Archive written: ${target}`).waitFor();
    expect(existsSync(target)).toBe(true);
  });

  it('erase needs the words typed, then empties the data folder', async () => {
    await page.getByRole('button', { name: 'Erase everything' }).first().click();
    const dialog = page.getByRole('dialog', { name: 'Erase everything?' });
    await dialog.waitFor();
    const confirm = dialog.getByRole('button', { name: 'Erase everything' });
    await expect(confirm.isDisabled()).resolves.toBe(true);
    await dialog.getByLabel('Type ERASE EVERYTHING to confirm').fill('erase everything');
    await expect(confirm.isDisabled()).resolves.toBe(true);
    await dialog.getByLabel('Type ERASE EVERYTHING to confirm').fill('ERASE EVERYTHING');
    await expect(confirm.isEnabled()).resolves.toBe(true);
    await confirm.click();
    await expect
      .poll(async () => holding(await rpc<PrivacyReport>('privacy.report'), 'projects').count, { timeout: 20_000 })
      .toBe(0);
    await expect.poll(() => page.locator('tr[data-kind="takes"] td').first().textContent()).toBe('0');
    await expect.poll(() => page.locator('.privacy-ledger tbody tr').count()).toBe(1);
    expect(pageErrors).toEqual([]);
  });
});
