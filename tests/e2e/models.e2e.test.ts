/**
 * End-to-end: the Models view and the inference settings against the real `timbre serve`, in headless Chromium.
 * Imports the real Silero VAD pack from ../shared/models through the UI, verifies and removes it, checks that a pack
 * with licence terms asks for acceptance before any download (and that cancelling downloads nothing), that the
 * inference settings persist, and audits the view with axe in light and dark (screenshots: tests/e2e/shots.ts).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { expectAccessible } from './axe.js';
import { guardPage, type PageGuard } from './console-guard.js';
import { startServer, type ServerProcess } from '../helpers/server-process.js';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
import { SHOTS } from './shots.js';
import { ensureBuilt, launchChromium } from './launch.js';
const SILERO = path.resolve(ROOT, '..', 'shared', 'models', 'silero-vad');

let server: ServerProcess;
let dataDir: string;
let base: string;
let token: string;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let guard: PageGuard;
const pageErrors: string[] = [];
/** Every models.* call the page made, to prove nothing was downloaded behind the user's back. */
const modelCalls: string[] = [];

interface Pack {
  id: string;
  status: 'installed' | 'partial' | 'not-installed';
  busy: boolean;
}

async function rpc<T>(method: string, params: unknown): Promise<T> {
  const body = await server.rpc<T>(method, params);
  if (!body.ok) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}

const packStatus = async (id: string) => (await rpc<Pack[]>('models.list', {})).find((p) => p.id === id)?.status;

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

const axe = (label: string) => expectAccessible(page, label);

/** The whole Models view (it scrolls inside <main>, so the window is made tall enough), without toasts. */
async function shot(name: string) {
  for (const dismiss of await page.getByRole('button', { name: 'Dismiss notification' }).all()) await dismiss.click();
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await page.mouse.move(0, 0);
  const height = await page.evaluate(() => document.querySelector('main')!.scrollHeight);
  await page.setViewportSize({ width: 1280, height: Math.min(2400, Math.max(800, height)) });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), animations: 'disabled' });
  await page.setViewportSize({ width: 1280, height: 800 });
}

const card = (name: string) => page.locator('.pack-card', { has: page.getByRole('heading', { name, exact: true }) });

beforeAll(async () => {
  ensureBuilt();
  if (!existsSync(path.join(SILERO, 'silero_vad.onnx'))) throw new Error(`the Silero VAD pack is missing: ${SILERO}`);
  mkdirSync(SHOTS, { recursive: true });
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'timbre-e2e-models-'));
  server = await startServer(dataDir);
  ({ url: base, token } = server);
  browser = await launchChromium();
  // axe is injected as a <script>, which the page's CSP rightly refuses: this context bypasses it.
  context = await browser.newContext({
    viewport: { width: 1280, height: 800 },
    locale: 'en-US',
    colorScheme: 'light',
    bypassCSP: true,
  });
  page = await context.newPage();
  guard = guardPage(page);
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('request', (r) => {
    if (!r.url().endsWith('/api/rpc')) return;
    const method = (r.postDataJSON() as { method?: string } | null)?.method;
    if (method?.startsWith('models.')) modelCalls.push(method);
  });
  await page.goto(`${base}/#token=${token}`);
  await page.getByRole('heading', { name: 'Projects', level: 1 }).waitFor();
});

// Any console error or failed response fails the test it happened in (tests/e2e/console-guard.ts).
afterEach(() => guard?.expectClean());

afterAll(async () => {
  await browser?.close();
  if (server && server.proc.exitCode === null) {
    server.proc.kill('SIGTERM');
    await new Promise((r) => server.proc.once('exit', r));
  }
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('Models view', () => {
  it('lists the catalog with nothing installed and explains that nothing downloads on its own', async () => {
    await nav('Models');
    await page.getByRole('heading', { name: 'Models', level: 1 }).waitFor();
    await page.getByText('Timbre never downloads anything unless you click Download').waitFor();
    const silero = card('Silero VAD');
    await silero.waitFor();
    expect(await silero.locator('.chip').first().innerText()).toBe('Not installed');
    expect(await silero.innerText()).toContain('MIT');
    expect(await card('Pocket TTS (English)').innerText()).toContain('CC-BY-4.0');
    expect(modelCalls.filter((m) => m !== 'models.list')).toEqual([]);
  });

  it('asks to accept the licence before downloading Pocket TTS; cancelling downloads nothing', async () => {
    await page.getByRole('button', { name: 'Download Pocket TTS (English)' }).click();
    const dialog = page.getByRole('dialog', { name: 'Licence of Pocket TTS (English)' });
    await dialog.waitFor();
    expect(await dialog.innerText()).toContain('CC-BY-4.0');
    const accept = dialog.getByRole('checkbox', { name: 'I accept the licence terms of Pocket TTS (English)' });
    expect(await accept.isChecked()).toBe(false);
    const go = dialog.getByRole('button', { name: /^Download/ });
    expect(await go.isDisabled()).toBe(true);
    await accept.check();
    expect(await go.isEnabled()).toBe(true);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => dialog.isVisible()).toBe(false);
    expect(modelCalls).not.toContain('models.download');
    expect(await packStatus('pocket-tts')).toBe('not-installed');
  });

  it('imports the real Silero VAD pack from a folder, verifies it and removes it', async () => {
    await page.getByRole('textbox', { name: 'Folder or .zip file' }).fill(SILERO);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    const silero = card('Silero VAD');
    await expect.poll(() => silero.locator('.chip').first().innerText(), { timeout: 60_000 }).toBe('Installed');
    expect(await packStatus('silero-vad')).toBe('installed');
    // The store marks the pack installed a moment before the form clears its field.
    await expect.poll(() => page.getByRole('textbox', { name: 'Folder or .zip file' }).inputValue()).toBe('');

    await page.getByRole('button', { name: 'Verify the files of Silero VAD' }).click();
    const result = page.getByRole('status', { name: 'Verification of Silero VAD' });
    await result.waitFor({ timeout: 60_000 });
    expect(await result.innerText()).toContain('Verified');
    expect(await result.innerText()).toContain('silero_vad.onnx');
    expect(await result.locator('li.ok').count()).toBeGreaterThan(0);
    await shot('models-light');

    await page.getByRole('button', { name: 'Remove Silero VAD' }).click();
    const confirm = page.getByRole('dialog', { name: 'Remove Silero VAD?' });
    await confirm.waitFor();
    await confirm.getByRole('button', { name: 'Remove' }).click();
    await expect.poll(() => silero.locator('.chip').first().innerText()).toBe('Not installed');
    expect(await packStatus('silero-vad')).toBe('not-installed');
  });

  it('explains a failed import next to the field', async () => {
    guard.allow({ url: /\/api\/rpc$/, status: 400 }); // the import of a missing file this test makes on purpose
    await page.getByRole('textbox', { name: 'Folder or .zip file' }).fill(path.join(dataDir, 'no-such-pack.zip'));
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await expect
      .poll(() => page.locator('.import-card [role="alert"]').innerText(), { timeout: 30_000 })
      .toMatch(/^Import failed: /);
    await page.getByRole('textbox', { name: 'Folder or .zip file' }).fill('');
  });

  it('saves the inference settings and keeps them after a reload', async () => {
    await nav('Settings');
    const provider = page.getByRole('combobox', { name: 'Run models on' });
    const threads = page.getByRole('combobox', { name: 'Threads' });
    await provider.waitFor();
    expect(await provider.inputValue()).toBe('auto');
    const labels = await provider.locator('option').allInnerTexts();
    expect(labels.slice(0, 2)).toEqual(['Automatic (best available)', 'CPU']);
    expect(await threads.locator('option').first().innerText()).toMatch(/^Automatic/);
    await provider.selectOption('cpu');
    await threads.selectOption('1');
    await expect
      .poll(() => rpc<{ executionProvider: string; inferenceThreads: number | null }>('settings.get', {}))
      .toMatchObject({ executionProvider: 'cpu', inferenceThreads: 1 });
    await page.getByText('Changes apply to the next generation.').waitFor();
    await page.reload();
    await page.getByRole('combobox', { name: 'Run models on' }).waitFor();
    await expect.poll(() => page.getByRole('combobox', { name: 'Run models on' }).inputValue()).toBe('cpu');
    expect(await page.getByRole('combobox', { name: 'Threads' }).inputValue()).toBe('1');
    await page.getByRole('combobox', { name: 'Run models on' }).selectOption('auto');
    await page.getByRole('combobox', { name: 'Threads' }).selectOption('auto');
    await expect
      .poll(() => rpc<{ executionProvider: string; inferenceThreads: number | null }>('settings.get', {}))
      .toMatchObject({ executionProvider: 'auto', inferenceThreads: null });
  });

  it('passes axe and looks right in light and dark', async () => {
    for (const theme of ['Light', 'Dark'] as const) {
      await setTheme(theme);
      await nav('Models');
      await card('Silero VAD').waitFor();
      await page.locator('.card-title', { hasText: /^eSpeak NG$/ }).waitFor();
      await axe(`Models (${theme})`);
      if (theme === 'Dark') await shot('models-dark');
      await page.getByRole('button', { name: 'Download Pocket TTS (English)' }).click();
      const dialog = page.getByRole('dialog', { name: 'Licence of Pocket TTS (English)' });
      await dialog.waitFor();
      await axe(`Licence dialog (${theme})`);
      await page.keyboard.press('Escape');
      await expect.poll(() => dialog.isVisible()).toBe(false);
    }
    await setTheme('Light');
    expect(modelCalls).not.toContain('models.download');
  });

  it('ran without page errors', () => {
    expect(pageErrors).toEqual([]);
  });
});
