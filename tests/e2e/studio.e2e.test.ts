/**
 * End-to-end: the real `timbre serve` process, the built renderer, headless Chromium.
 * Covers the podcaster's path (project → three lines → Generate all → listen → reload → delete), accessibility
 * (axe-core on Projects and Studio, light and dark) and writes screenshots (tests/e2e/shots.ts: docs/screenshots/ with TIMBRE_UPDATE_SCREENSHOTS=1).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { expectAccessible } from './axe.js';
import { guardPage, type PageGuard } from './console-guard.js';
import { startServer, type ServerProcess } from '../helpers/server-process.js';
import { type Browser, type Page } from 'playwright-core';
import { SHOTS } from './shots.js';
import { ensureBuilt, launchChromium } from './launch.js';

const LINES = [
  'Welcome back to Northern Lights, the show about life at the edge of winter.',
  'Today we travel to a village where the sun does not rise for forty days.',
  'Stay with us: the story starts right after this.',
];
const PROJECT = 'Episode 12: The Long Night';

let server: ServerProcess;
let dataDir: string;
let base: string;
let token: string;
let browser: Browser;
let page: Page;
let guard: PageGuard;
const pageErrors: string[] = [];

async function rpc<T>(method: string, params: unknown): Promise<T> {
  const body = await server.rpc<T>(method, params);
  if (!body.ok) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
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

const axe = (label: string) => expectAccessible(page, label);

async function shot(name: string) {
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await page.mouse.move(0, 0);
  // Hover/focus transitions are finished (not waited for) by Playwright when animations are disabled.
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), animations: 'disabled' });
}

beforeAll(async () => {
  ensureBuilt();
  mkdirSync(SHOTS, { recursive: true });
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'timbre-e2e-'));
  server = await startServer(dataDir);
  ({ url: base, token } = server);
  browser = await launchChromium({ autoplay: true });
  page = await browser.newPage({ viewport: { width: 1280, height: 800 }, locale: 'en-US', colorScheme: 'light' });
  guard = guardPage(page);
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) pageErrors.push(m.text());
  });
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

describe('Timbre studio in the browser', () => {
  it('without a token explains how to open the studio', async () => {
    const p = await browser.newPage();
    await p.goto(`${base}/`);
    await expect.poll(() => p.getByRole('heading', { name: 'Open Timbre from its link' }).count()).toBe(1);
    await p.close();
  });

  it('takes the token from the URL fragment and hides it', async () => {
    await page.goto(`${base}/#token=${token}`);
    await page.getByRole('heading', { name: 'Projects', level: 1 }).waitFor();
    expect(page.url()).not.toContain('token');
    expect(await page.evaluate(() => sessionStorage.getItem('timbre.token'))).toBe(token);
    await page.getByRole('heading', { name: 'No projects yet' }).waitFor();
    await shot('projects-empty-light');
  });

  it('creates a project, writes three lines and generates them all', async () => {
    await page.getByRole('button', { name: 'Create your first project' }).click();
    await page.getByLabel('Project name').fill(PROJECT);
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Add the first line' }).click();
    for (const [i, text] of LINES.entries()) {
      await expect
        .poll(() => page.evaluate(() => document.activeElement?.getAttribute('aria-label')))
        .toBe(`Line ${i + 1}`);
      await page.keyboard.type(text);
      if (i < LINES.length - 1) await page.keyboard.press('Enter');
    }
    const texts = () =>
      page
        .getByRole('textbox', { name: /^Line \d+$/ })
        .evaluateAll((els) => els.map((e) => (e as HTMLTextAreaElement).value));
    expect(await texts()).toEqual(LINES);
    await expect
      .poll(() => page.locator('.save-indicator').getAttribute('data-state'), { timeout: 10_000 })
      .toBe('saved');

    await page.getByRole('button', { name: 'Generate all' }).click();
    for (let n = 1; n <= 3; n++)
      await page.getByRole('button', { name: `Play line ${n}` }).waitFor({ timeout: 150_000 });
    expect(await page.getByRole('alert').count()).toBe(0);
  });

  it('plays every take: non-silent audio and the play button advances time', async () => {
    const srcs = await page
      .locator('.take-player audio')
      .evaluateAll((els) => els.map((e) => (e as HTMLAudioElement).src));
    expect(srcs).toHaveLength(3);
    for (const src of srcs) {
      const rms = await page.evaluate(async (url) => {
        const res = await fetch(url);
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        const buf = await res.arrayBuffer();
        const ctx = new OfflineAudioContext(1, 1, 24000);
        const audio = await ctx.decodeAudioData(buf);
        const data = audio.getChannelData(0);
        let sum = 0;
        for (let i = 0; i < data.length; i++) sum += data[i] * data[i];
        return Math.sqrt(sum / data.length);
      }, src);
      expect(rms).toBeGreaterThan(0.01);
    }
    for (let n = 1; n <= 3; n++) {
      const play = page.getByRole('button', { name: `Play line ${n}` });
      await play.focus();
      await page.keyboard.press('Enter');
      const audio = page.locator('.take-player audio').nth(n - 1);
      await expect
        .poll(() => audio.evaluate((a) => (a as HTMLAudioElement).currentTime), { timeout: 10_000 })
        .toBeGreaterThan(0.1);
      await page.getByRole('button', { name: `Pause line ${n}` }).click();
    }
  });

  it('keeps everything after a reload', async () => {
    await page.reload();
    await page.getByRole('textbox', { name: 'Line 3' }).waitFor();
    const values = await page
      .getByRole('textbox', { name: /^Line \d+$/ })
      .evaluateAll((els) => els.map((e) => (e as HTMLTextAreaElement).value));
    expect(values).toEqual(LINES);
    expect(await page.getByRole('textbox', { name: 'Project name' }).inputValue()).toBe(PROJECT);
    for (let n = 1; n <= 3; n++) await page.getByRole('button', { name: `Play line ${n}` }).waitFor();
    const detail = await rpc<{ lines: { text: string; activeTakeId: string | null }[] }>('projects.get', {
      id: await page.evaluate(() => JSON.parse(sessionStorage.getItem('timbre.route') ?? '{}').projectId as string),
    });
    expect(detail.lines.map((l) => l.text)).toEqual(LINES);
    expect(detail.lines.every((l) => l.activeTakeId)).toBe(true);
  });

  it('reorders with the keyboard and the order is saved', async () => {
    const projectId = await page.evaluate(
      () => JSON.parse(sessionStorage.getItem('timbre.route') ?? '{}').projectId as string,
    );
    const saved = async () =>
      (await rpc<{ lines: { text: string }[] }>('projects.get', { id: projectId })).lines.map((l) => l.text);
    // The page reorders at once and tells the server after: each move is checked on the server, so a lost or
    // out-of-order lines.reorder cannot pass unnoticed (the two moves end in the original order).
    await page.getByRole('textbox', { name: 'Line 3' }).focus();
    await page.keyboard.press('Alt+ArrowUp');
    await expect.poll(() => page.getByRole('textbox', { name: 'Line 2' }).inputValue()).toBe(LINES[2]);
    await expect.poll(saved).toEqual([LINES[0], LINES[2], LINES[1]]);
    await page.getByRole('button', { name: 'Move line 2 down' }).click();
    await expect.poll(() => page.getByRole('textbox', { name: 'Line 3' }).inputValue()).toBe(LINES[2]);
    await expect.poll(saved).toEqual(LINES);
    // Two moves in quick succession: the server ends with the last one.
    await page.getByRole('button', { name: 'Move line 1 down' }).click();
    await page.getByRole('button', { name: 'Move line 2 down' }).click();
    await expect.poll(() => page.getByRole('textbox', { name: 'Line 3' }).inputValue()).toBe(LINES[0]);
    await expect.poll(saved).toEqual([LINES[1], LINES[2], LINES[0]]);
    await page.reload();
    await page.getByRole('textbox', { name: 'Line 3' }).waitFor();
    expect(await page.getByRole('textbox', { name: 'Line 3' }).inputValue()).toBe(LINES[0]);
    // Back to the script's order for the tests that follow.
    await page.getByRole('button', { name: 'Move line 3 up' }).click();
    await page.getByRole('button', { name: 'Move line 2 up' }).click();
    await expect.poll(saved).toEqual(LINES);
    await expect
      .poll(() =>
        page
          .getByRole('textbox', { name: /^Line \d+$/ })
          .evaluateAll((els) => els.map((e) => (e as HTMLTextAreaElement).value)),
      )
      .toEqual(LINES);
  });

  it('passes axe and looks right in light and dark', async () => {
    await rpc('projects.create', { name: 'Audiobook: Chapter 1' });
    await rpc('projects.create', { name: 'Product tour voice-over' });
    // axe is injected as a <script>, which the page's CSP rightly refuses: audit in a context that bypasses it.
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, bypassCSP: true });
    const main = page;
    page = await context.newPage();
    try {
      await page.goto(`${base}/#token=${token}`);
      for (const theme of ['Light', 'Dark'] as const) {
        await setTheme(theme);
        await nav('Projects');
        await page.getByRole('button', { name: `Open ${PROJECT}` }).waitFor();
        await expect.poll(() => page.locator('.project-item').count()).toBe(3);
        await axe(`Projects (${theme})`);
        await shot(`projects-${theme.toLowerCase()}`);
        await page.getByRole('button', { name: `Open ${PROJECT}` }).click();
        await page.getByRole('button', { name: 'Play line 3' }).waitFor();
        await axe(`Studio (${theme})`);
        await shot(`studio-first-lines-${theme.toLowerCase()}`);
      }
      await setTheme('Light');
    } finally {
      await context.close();
      page = main;
    }
  });

  it('never loses a draft: an unsaved edit survives a failed save and a reload', async () => {
    await nav('Studio');
    const line1 = page.getByRole('textbox', { name: 'Line 1' });
    await line1.waitFor();
    guard.allow({ url: /\/api\/rpc$/, status: 503 }); // the outage this test simulates
    await page.route('**/api/rpc', async (route) => {
      const body = route.request().postDataJSON() as { method?: string } | null;
      if (body?.method !== 'lines.update') return route.continue();
      return route.fulfill({
        status: 503,
        contentType: 'application/json',
        body: JSON.stringify({ ok: false, error: { code: 'INTERNAL', message: 'Simulated outage' } }),
      });
    });
    await line1.focus();
    await page.keyboard.press('End');
    await page.keyboard.type(' Stay warm.');
    await expect.poll(() => page.locator('.save-indicator').getAttribute('data-state')).toBe('error');
    expect(await page.locator('.save-indicator').innerText()).toContain('Not saved: Simulated outage');
    await page.unroute('**/api/rpc');
    await page.reload();
    await expect.poll(() => page.getByRole('textbox', { name: 'Line 1' }).inputValue()).toBe(`${LINES[0]} Stay warm.`);
    await expect
      .poll(async () => {
        const id = await page.evaluate(
          () => JSON.parse(sessionStorage.getItem('timbre.route') ?? '{}').projectId as string,
        );
        return (await rpc<{ lines: { text: string }[] }>('projects.get', { id })).lines[0].text;
      })
      .toBe(`${LINES[0]} Stay warm.`);
    await expect.poll(() => page.locator('.save-indicator').getAttribute('data-state')).toBe('saved');
    await expect.poll(() => page.getByText('Text changed since this take').count()).toBe(1);
  });

  it('leaves the studio with a clear message when the project is deleted elsewhere', async () => {
    const scratch = await rpc<{ id: string }>('projects.create', { name: 'Scratch take' });
    await nav('Projects');
    await page.getByRole('button', { name: 'Open Scratch take' }).click();
    await page.getByRole('button', { name: 'Add the first line' }).waitFor();
    // A call the page has in flight for the project (its timeline) when another window deletes it answers 404.
    guard.allow({ url: /\/api\/rpc$/, status: 404 });
    await rpc('projects.delete', { id: scratch.id });
    await page.getByText('The project “Scratch take” was deleted in another window.').waitFor();
    await page.getByRole('heading', { name: 'Projects', level: 1 }).waitFor();
  });

  it('shows installed engines and voices', async () => {
    await nav('Models');
    await page.locator('.card-title', { hasText: /^eSpeak NG$/ }).waitFor();
    await nav('Voices');
    await expect.poll(() => page.locator('.voice-card').count()).toBeGreaterThan(0);
  });

  it('deletes the project after confirmation', async () => {
    await nav('Projects');
    await page.getByRole('button', { name: `Delete ${PROJECT}` }).click();
    const dialog = page.getByRole('dialog', { name: `Delete “${PROJECT}”?` });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await expect.poll(() => page.getByRole('button', { name: `Open ${PROJECT}` }).count()).toBe(0);
    const projects = await rpc<{ name: string }[]>('projects.list', {});
    expect(projects.map((p) => p.name)).not.toContain(PROJECT);
  });

  it('ran without page errors or Content-Security-Policy violations', () => {
    expect(pageErrors).toEqual([]);
  });
});
