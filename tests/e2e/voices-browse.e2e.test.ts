/**
 * Issue 15, items 3 and 8, as a newcomer meets them, in Chromium against the real `timbre serve` with no packs:
 * - the Voices page names language groups (Intl.DisplayNames, with fallbacks for codes like "chr-US-Qaaa-x-west"),
 *   puts the UI's language first, searches, and plays a cached preview sentence for a built-in voice;
 * - the voice picker offers "Listen" for the highlighted voice;
 * - the new-voice wizard says at its start that no cloning pack is installed, with the one click to Models;
 * - an upload without the speech-detection pack says so in plain words (no commands) with the way to Models.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, type Page } from 'playwright-core';
import { ROOT, startServer, type ServerProcess } from '../helpers/server-process.js';
import { tempDir } from '../helpers/tmp.js';
import { guardPage, type PageGuard } from './console-guard.js';
import { expectAccessible } from './axe.js';
import { ensureBuilt, launchChromium } from './launch.js';

const CLIP = path.resolve(ROOT, '..', 'shared', 'eval', 'speech', 'native', 'ls_103-1240-0000.wav');

let server: ServerProcess;
let browser: Browser;
let page: Page;
let guard: PageGuard;
let dir: string;
let cleanup: () => void;

async function rpc<T>(method: string, params: unknown): Promise<T> {
  const r = await server.rpc<T>(method, params);
  if (!r.ok) throw new Error(`${method}: ${r.error.message}`);
  return r.result;
}

const nav = (name: string) =>
  page
    .getByRole('navigation')
    .getByRole('button', { name: new RegExp(`^${name}`) })
    .click();

beforeAll(async () => {
  ensureBuilt();
  const t = tempDir();
  dir = t.dir;
  cleanup = t.cleanup;
  // No keychain: voice data is unlocked with a passphrase (set here, before the page opens).
  server = await startServer(dir, { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent' });
  await rpc('vault.unlock', { passphrase: 'browse test passphrase' });
  browser = await launchChromium({ autoplay: true });
  // axe is injected as a <script>, which the page's CSP rightly refuses: this context bypasses it.
  const context = await browser.newContext({
    viewport: { width: 1440, height: 900 },
    locale: 'en-US',
    bypassCSP: true,
  });
  page = await context.newPage();
  guard = guardPage(page);
  await page.goto(`${server.url}/#token=${server.token}`);
  await page.getByRole('heading', { name: 'Projects', level: 1 }).waitFor();
}, 120_000);

afterEach(() => guard.expectClean());

afterAll(async () => {
  await browser?.close();
  server?.proc.kill('SIGTERM');
  cleanup?.();
});

describe('browsing voices', () => {
  it('names language groups, puts English first for an English UI, and never shows a raw code', async () => {
    await nav('Voices');
    const builtin = page.getByRole('region', { name: 'Built-in voices' });
    const headings = builtin.getByRole('heading', { level: 3 });
    await expect.poll(() => headings.count()).toBeGreaterThan(50);
    const names = (await headings.allInnerTexts()).map((h) => h.replace(/\s*·.*$/s, '').trim());
    expect(names[0]).toMatch(/^(American English|English)/);
    for (const want of [/^Bashkir/, /^Chuvash/, /^Bishnupriya/, /^Cherokee/])
      expect(
        names.filter((n) => want.test(n)),
        String(want),
      ).toHaveLength(1);
    // eSpeak's codes never show as they are ("ba", "bpy", "cv", "chr-US-Qaaa-x-west").
    for (const code of ['ba', 'bpy', 'cv', 'chr-US-Qaaa-x-west']) expect(names).not.toContain(code);
  });

  it('searches the built-in voices by name or language', async () => {
    const builtin = page.getByRole('region', { name: 'Built-in voices' });
    const search = builtin.getByRole('searchbox', { name: 'Search voices' });
    await search.fill('chuvash');
    await expect
      .poll(() => builtin.getByRole('heading', { level: 3 }).allInnerTexts())
      .toEqual([expect.stringMatching(/^Chuvash/)]);
    await search.fill('no voice is called this');
    await builtin.getByRole('status').filter({ hasText: 'No built-in voice matches' }).waitFor();
    await search.fill('');
    await expect.poll(() => builtin.getByRole('heading', { level: 3 }).count()).toBeGreaterThan(50);
  });

  it('plays a preview sentence per voice, made once and then cached', async () => {
    const builtin = page.getByRole('region', { name: 'Built-in voices' });
    await builtin.getByRole('searchbox', { name: 'Search voices' }).fill('French');
    const listen = builtin.getByRole('button', { name: /^Listen to / }).first();
    const name = (await listen.getAttribute('aria-label'))!.replace(/^Listen to /, '');
    const calls: string[] = [];
    page.on('request', (r) => {
      if (r.url().endsWith('/api/rpc') && (r.postDataJSON() as { method?: string }).method === 'voices.preview')
        calls.push(name);
    });
    await listen.click();
    // Playing: the same button now stops it; when the sentence ends it is "Listen" again.
    await builtin.getByRole('button', { name: `Stop ${name}`, pressed: true }).waitFor();
    await builtin.getByRole('button', { name: `Listen to ${name}`, pressed: false }).waitFor({ timeout: 30_000 });
    expect(calls).toHaveLength(1);
    // A second listen plays from the page's copy: no new request.
    await builtin.getByRole('button', { name: `Listen to ${name}` }).click();
    await builtin.getByRole('button', { name: `Listen to ${name}`, pressed: false }).waitFor({ timeout: 30_000 });
    expect(calls).toHaveLength(1);
    // The core keeps it in the data folder's cache: a French sentence, served from the cache the next time.
    const voice = (await rpc<{ id: string; name: string; language: string }[]>('voices.list', {})).find(
      (v) => v.name === name && v.language.startsWith('fr'),
    )!;
    const again = await rpc<{ text: string; cached: boolean; wav: string }>('voices.preview', { voiceId: voice.id });
    expect(again.cached).toBe(true);
    expect(again.text).toMatch(/^Bonjour/);
    expect(Buffer.from(again.wav, 'base64').subarray(0, 4).toString()).toBe('RIFF');
    expect(readdirSync(path.join(dir, 'cache', 'previews')).length).toBeGreaterThan(0);
    await builtin.getByRole('searchbox', { name: 'Search voices' }).fill('');
    await expectAccessible(page, 'Voices with search and previews');
  });

  it('offers Listen for the highlighted voice in the picker', async () => {
    await rpc('projects.create', { name: 'Picker test' });
    await nav('Projects');
    await page.getByRole('button', { name: 'Open Picker test' }).click();
    await page.getByRole('button', { name: /^Project voice:/ }).click();
    await page.getByRole('combobox', { name: 'Search voices' }).fill('Chuvash');
    await page.keyboard.press('ArrowDown');
    const popover = page.locator('.voice-popover');
    await popover.getByRole('button', { name: /^Listen to / }).click();
    await popover.getByRole('button', { name: /^Listen to /, pressed: false }).waitFor({ timeout: 30_000 });
    await page.keyboard.press('Escape');
  });
});

describe('the new-voice wizard with no packs', () => {
  it('says at its start that no cloning pack is installed, and one click leads to Models', async () => {
    await nav('Voices');
    await page.getByRole('button', { name: 'New voice' }).first().click();
    const dialog = page.getByRole('dialog', { name: 'New voice' });
    await dialog.getByRole('note').filter({ hasText: 'No voice-cloning pack is installed yet.' }).waitFor();
    await dialog.getByRole('button', { name: /^Get .+ in Models$/ }).click();
    await page.getByRole('heading', { name: 'Models', level: 1 }).waitFor();
    await expect.poll(() => dialog.isVisible()).toBe(false);
  });

  it('an upload without the speech-detection pack says what to do in plain words, with the way to Models', async () => {
    await nav('Voices');
    await page.getByRole('button', { name: 'New voice' }).first().click();
    const dialog = page.getByRole('dialog', { name: 'New voice' });
    guard.allow({ url: /\/api\/uploads/, status: 424 }); // the pack this server does not have
    await dialog.locator('input[type="file"]').setInputFiles(CLIP);
    const notice = dialog.getByRole('alert').filter({ hasText: 'pack to check recordings' });
    await notice.waitFor({ timeout: 60_000 });
    const said = await notice.innerText();
    expect(said).toMatch(/Timbre needs its Silero VAD pack to check recordings/);
    expect(said).not.toMatch(/timbre models|cannot be used/i);
    await notice.getByRole('button', { name: 'Open Models' }).click();
    await page.getByRole('heading', { name: 'Models', level: 1 }).waitFor();
  });
});
