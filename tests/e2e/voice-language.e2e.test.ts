/**
 * Issue 14, "a project has a language that filters the picker", in Chromium against the real `timbre serve`:
 * eSpeak NG (built in) and Pocket TTS with two contract-fixture bundles installed in the data folder the way the
 * pack manager installs them (`models/pocket-tts`, English, with a reference voice; `models/pocket-tts-french-24l`,
 * a French bundle), so French voices come from two engines.
 *
 * A project's language is set to French in the studio toolbar; the voice picker then lists French voices only,
 * grouped by engine (eSpeak NG and Pocket TTS); a voice's listen mark plays its French preview; "Show all
 * languages" brings the others back. Axe-clean, no console errors.
 */
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, type Page } from 'playwright-core';
import { startServer, type ServerProcess } from '../helpers/server-process.js';
import { tempDir } from '../helpers/tmp.js';
import { makePocketFixture, sentencePieceModel } from '../fixtures/pocket-tts-fixture.js';
import { guardPage, type PageGuard } from './console-guard.js';
import { expectAccessible } from './axe.js';
import { ensureBuilt, launchChromium } from './launch.js';

let server: ServerProcess;
let browser: Browser;
let page: Page;
let guard: PageGuard;
let dir: string;
let cleanup: () => void;

interface Voice {
  id: string;
  engineId: string;
  name: string;
  language: string;
}

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
  makePocketFixture({ dir: path.join(dir, 'models', 'pocket-tts'), voices: { anna: { seconds: 1.5 } } });
  makePocketFixture({
    dir: path.join(dir, 'models', 'pocket-tts-french-24l'),
    bundleName: 'french_24l',
    removeSemicolons: true,
    tokenizerBytes: sentencePieceModel(['▁Bonjour', '▁le', '▁monde', ',', '.']),
    voices: {},
  });
  server = await startServer(dir, { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent' });
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

describe('a project in French', () => {
  it('filters the voice picker to French voices grouped by engine, previews one, and shows all on request', async () => {
    const engines = await rpc<{ id: string; name: string; languages?: { language: string; available: boolean }[] }[]>(
      'engines.list',
      {},
    );
    const pocket = engines.find((e) => e.id === 'pocket-tts')!;
    const espeak = engines.find((e) => e.id === 'espeak')!;
    expect(pocket.languages?.find((l) => l.language === 'fr')?.available).toBe(true);
    const voices = await rpc<Voice[]>('voices.list', {});
    const french = voices.filter((v) => v.language.split('-')[0].toLowerCase() === 'fr');
    expect(french.some((v) => v.engineId === 'pocket-tts' && v.id === 'pocket-tts:builtin:anna@fr')).toBe(true);
    expect(french.some((v) => v.engineId === 'espeak')).toBe(true);

    const created = await rpc<{ id: string; language: string }>('projects.create', { name: 'Émission du matin' });
    expect(created.language).toBe('en');
    await nav('Projects');
    await page.getByRole('button', { name: 'Open Émission du matin' }).click();

    // The project's language, in the studio toolbar.
    const select = page.getByRole('combobox', { name: 'Project language' });
    await expect.poll(() => select.locator('option').count()).toBeGreaterThan(10);
    await select.selectOption('fr');
    await expect
      .poll(async () => (await rpc<{ language: string }>('projects.get', { id: created.id })).language)
      .toBe('fr');

    await page.getByRole('button', { name: /^Project voice:/ }).click();
    const popover = page.locator('.voice-popover');
    await popover.getByText('Showing French voices').waitFor();
    const list = popover.getByRole('listbox');
    // Only French voices (plus "Default voice"), each engine its own group under "French".
    await expect.poll(() => list.getByRole('option').count()).toBe(french.length + 1);
    // eSpeak names French by region too ("Swiss French", "Canadian French"): every French group of an engine counts.
    const esc = (x: string) => x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const groupsOf = (engineName: string) =>
      list.getByRole('group', { name: new RegExp(`French.* ${esc(engineName)}$`) });
    const optionsIn = async (engineName: string) => {
      const groups = groupsOf(engineName);
      let n = 0;
      for (let i = 0; i < (await groups.count()); i++) n += await groups.nth(i).getByRole('option').count();
      return n;
    };
    expect(await optionsIn(espeak.name)).toBe(french.filter((v) => v.engineId === 'espeak').length);
    expect(await optionsIn(pocket.name)).toBe(french.filter((v) => v.engineId === 'pocket-tts').length);
    const pocketGroup = list.getByRole('group', { name: `French ${pocket.name}` });
    await pocketGroup.getByRole('option', { name: /Anna/ }).waitFor();
    await expectAccessible(page, 'Voice picker filtered to the project language');

    // Listen to a French voice from its own row: the core makes its French preview sentence.
    const frVoice = french.find((v) => v.engineId === 'espeak')!;
    const previewed = page.waitForResponse(
      (r) =>
        r.url().endsWith('/api/rpc') &&
        (r.request().postDataJSON() as { method?: string; params?: { voiceId?: string } }).method ===
          'voices.preview' &&
        (r.request().postDataJSON() as { params?: { voiceId?: string } }).params?.voiceId === frVoice.id,
    );
    await popover.locator(`[data-preview="${frVoice.id}"]`).click();
    const body = (await (await previewed).json()) as { ok: boolean; result?: { text: string; wav: string } };
    expect(body.ok).toBe(true);
    expect(body.result!.text).toMatch(/^Bonjour/);
    expect(Buffer.from(body.result!.wav, 'base64').subarray(0, 4).toString()).toBe('RIFF');
    // The picker stays open with the search box focused (a listen is not a choice).
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('role'))).toBe('combobox');
    expect((await rpc<{ voiceId: string | null }>('projects.get', { id: created.id })).voiceId).toBeNull();

    // The Pocket TTS French voice previews too (the French bundle speaks it).
    const pocketPreview = page.waitForResponse(
      (r) =>
        r.url().endsWith('/api/rpc') &&
        (r.request().postDataJSON() as { params?: { voiceId?: string } }).params?.voiceId ===
          'pocket-tts:builtin:anna@fr',
    );
    await popover.locator('[data-preview="pocket-tts:builtin:anna@fr"]').click();
    const pocketBody = (await (await pocketPreview).json()) as { ok: boolean; result?: { wav: string } };
    expect(pocketBody.ok).toBe(true);

    // "Show all languages" brings back every voice, the French groups first.
    await popover.getByRole('button', { name: 'Show all languages' }).click();
    await expect.poll(() => list.getByRole('option').count()).toBe(voices.length + 1);
    await list.getByRole('group', { name: `English ${pocket.name}` }).waitFor();
    expect(await popover.getByRole('button', { name: 'Show all languages', pressed: true }).count()).toBe(1);
    const firstGroup = await list.getByRole('group').first().getAttribute('aria-labelledby');
    expect(await page.locator(`[id="${firstGroup!.split(' ')[0]}"]`).innerText()).toMatch(/french/i);
    await expectAccessible(page, 'Voice picker showing all languages');

    // Choosing the French Pocket TTS voice sets it on the project.
    await pocketGroup.getByRole('option', { name: /Anna/ }).click();
    await expect
      .poll(async () => (await rpc<{ voiceId: string | null }>('projects.get', { id: created.id })).voiceId)
      .toBe('pocket-tts:builtin:anna@fr');
  }, 120_000);

  it('a new project takes the language chosen when it is created', async () => {
    await nav('Projects');
    await page
      .getByRole('button', { name: /New project/ })
      .first()
      .click();
    await page.getByLabel('Project name').fill('Sendung');
    await page.getByRole('combobox', { name: 'Project language' }).selectOption('de');
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    await expect
      .poll(
        async () =>
          (await rpc<{ name: string; language: string }[]>('projects.list', {})).find((p) => p.name === 'Sendung')
            ?.language,
      )
      .toBe('de');
  });
});
