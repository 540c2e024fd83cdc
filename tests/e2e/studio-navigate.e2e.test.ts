/**
 * End-to-end (issue 15, item 10 "Density"): finding one's way in a long script, in Chromium at 1440×900 against the
 * real `timbre serve`.
 * - a script of nine speaker turns (several sentences each) imports as nine lines (preview, import, studio);
 * - the chapter navigator jumps the virtual list to a chapter far down a 300-line script and focuses its first line;
 * - search in the script finds a line far down, says "n of m", and Enter / Shift+Enter cycle through the matches;
 * - axe stays clean with the navigator and the search box open.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, type Page } from 'playwright-core';
import { expectAccessible } from './axe.js';
import { startServer, type ServerProcess } from '../helpers/server-process.js';
import { tempDir } from '../helpers/tmp.js';
import { ensureBuilt, launchChromium } from './launch.js';

const VIEWPORT = { width: 1440, height: 900 };
const SPEAKERS = ['HOST', 'GUEST', 'CALLER'];

/** Nine turns of two or three sentences each (the "nine speaker turns became thirteen lines"). */
const TURNS = Array.from(
  { length: 9 },
  (_, i) => `${SPEAKERS[i % 3]}: This is turn ${i + 1}. It has a second sentence!${i % 2 ? ' And a third one?' : ''}`,
);

/** 300 lines in 10 chapters of 30; line k (1-based) mentions "marker k"; lines 100, 200 and 290 say "lighthouse". */
function longScript(): string {
  const out: string[] = [];
  for (let c = 0; c < 10; c++) {
    out.push(`# Chapter ${c + 1}: Part ${String.fromCharCode(65 + c)}`, '');
    for (let k = c * 30 + 1; k <= c * 30 + 30; k++) {
      const extra = k === 100 || k === 200 || k === 290 ? ' The lighthouse blinks.' : '';
      out.push(`${SPEAKERS[k % 3]}: Words of marker ${k} in the story.${extra}`, '');
    }
  }
  return out.join('\n');
}

interface Line {
  id: string;
  text: string;
  speaker: string | null;
  chapter: string | null;
}

let server: ServerProcess;
let browser: Browser;
let page: Page;
let cleanup: () => void;
const pageErrors: string[] = [];

async function rpc<T>(method: string, params: unknown): Promise<T> {
  const r = await server.rpc<T>(method, params);
  if (!r.ok) throw new Error(`${method}: ${r.error.message}`);
  return r.result;
}
const card = (n: number) => page.getByRole('group', { name: `Line ${n}`, exact: true });

/** The focused line card's number, or a description of what has focus. */
const focused = () =>
  page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    if (!el || el === document.body) return 'body';
    const label = el.getAttribute('aria-label') ?? '';
    if (el.classList.contains('line-row')) return `card ${/\d+/.exec(label)?.[0]}`;
    return `${el.tagName.toLowerCase()} ${label}`;
  });

/** Is the line card `n` rendered and inside the script pane's visible area? */
const inView = (n: number) =>
  page.evaluate((n) => {
    const row = document.querySelector(`.line-row[aria-label="Line ${n}"]`);
    const pane = document.querySelector('.studio-scroll');
    if (!row || !pane) return false;
    const r = row.getBoundingClientRect();
    const p = pane.getBoundingClientRect();
    return r.top >= p.top - 1 && r.top < p.bottom;
  }, n);

/** The line outlined as the search match (its 1-based number), or null. */
const searchHit = () =>
  page.evaluate(() => {
    const row = document.querySelector('.line-slot.search-hit .line-row');
    return row ? Number(/\d+/.exec(row.getAttribute('aria-label') ?? '')?.[0]) : null;
  });

async function openProject(name: string) {
  await page.goto(`${server.url}/#token=${server.token}`);
  // The app may come back to the project open before: go to the Projects page first.
  await page
    .getByRole('navigation')
    .getByRole('button', { name: /^Projects/ })
    .click();
  await page.getByRole('heading', { name: 'Projects', level: 1 }).waitFor();
  await page.getByRole('button', { name: `Open ${name}` }).click();
  await card(1).waitFor();
}

beforeAll(async () => {
  ensureBuilt();
  const t = tempDir();
  cleanup = t.cleanup;
  server = await startServer(t.dir);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: VIEWPORT, locale: 'en-US', colorScheme: 'light' });
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) pageErrors.push(m.text());
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  server?.proc.kill('SIGTERM');
  cleanup?.();
});

describe('finding one’s way in the script (issue 15, density)', () => {
  it('keeps each speaker turn one line: nine turns import as nine lines (sentence per line on request)', async () => {
    const preview = await rpc<{ lines: Line[] }>('script.preview', { text: TURNS.join('\n'), format: 'txt' });
    expect(preview.lines).toHaveLength(9);
    const id = (await rpc<{ id: string }>('projects.create', { name: 'Nine turns' })).id;
    const d = await rpc<{ lines: Line[] }>('script.import', {
      projectId: id,
      source: { text: TURNS.join('\n'), format: 'txt' },
    });
    expect(d.lines.map((l) => [l.speaker, l.text])).toEqual(
      TURNS.map((t) => [/^(\w+):/.exec(t)![1], t.replace(/^\w+: /, '')]),
    );
    // The old behaviour stays available: one line per sentence (2 or 3 per turn: 22 here).
    const bySentence = await rpc<{ lines: Line[] }>('script.preview', {
      text: TURNS.join('\n'),
      format: 'txt',
      split: 'sentence',
    });
    expect(bySentence.lines).toHaveLength(22);

    // In the browser: the import dialog previews nine lines (22 with "one line per sentence") and imports nine.
    await rpc('projects.create', { name: 'Nine turns (dialog)' });
    await page.goto(`${server.url}/#token=${server.token}`);
    await page
      .getByRole('navigation')
      .getByRole('button', { name: /^Projects/ })
      .click();
    await page.getByRole('button', { name: 'Open Nine turns (dialog)' }).click();
    await page.getByRole('button', { name: 'Import script' }).first().click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('textbox', { name: 'Script text' }).fill(TURNS.join('\n'));
    const linesStat = dialog.locator('.stat', { hasText: 'lines' }).locator('.stat-value');
    await expect.poll(() => linesStat.innerText()).toBe('9');
    await dialog.getByRole('combobox', { name: 'Lines' }).selectOption('sentence');
    await expect.poll(() => linesStat.innerText()).toBe('22');
    await dialog.getByRole('combobox', { name: 'Lines' }).selectOption('turn');
    await expect.poll(() => linesStat.innerText()).toBe('9');
    await expectAccessible(page, 'import dialog with the line split choice');
    await dialog.getByRole('button', { name: 'Import', exact: true }).click();
    await expect.poll(() => page.locator('.studio-summary').innerText()).toMatch(/\b9 lines\b/);
    await card(9).waitFor({ state: 'attached' });
  });

  it('jumps to a chapter far down a 300-line script and focuses its first line', async () => {
    const id = (await rpc<{ id: string }>('projects.create', { name: 'Long read' })).id;
    const d = await rpc<{ lines: Line[] }>('script.import', {
      projectId: id,
      source: { text: longScript(), format: 'md' },
    });
    expect(d.lines).toHaveLength(300);
    expect(d.lines[270].chapter).toBe('Chapter 10: Part J');
    await openProject('Long read');
    expect(await inView(271)).toBe(false);

    const navButton = page.getByRole('button', { name: 'Chapters (10)' });
    await navButton.click();
    const menu = page.getByRole('dialog', { name: 'Go to a chapter' });
    await menu.waitFor();
    await expectAccessible(page, 'studio with the chapter navigator open');
    // Keyboard: the first chapter has focus; End goes to the last; Enter jumps.
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toMatch(/^Chapter 1: Part A/);
    await page.keyboard.press('End');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toMatch(/^Chapter 10: Part J/);
    await page.keyboard.press('Enter');
    await expect.poll(() => menu.count()).toBe(0);
    await expect.poll(focused).toBe('card 271');
    expect(await inView(271)).toBe(true);
    // The heading sits at the top of the list, just above its first line.
    const heading = page.getByRole('heading', { name: 'Chapter 10: Part J', level: 2 });
    await heading.waitFor();
    const hb = (await heading.boundingBox())!;
    const pane = (await page.locator('.studio-scroll').boundingBox())!;
    expect(hb.y).toBeGreaterThanOrEqual(pane.y - 1);
    expect(hb.y).toBeLessThan(pane.y + 120);

    // By mouse, back up to chapter 4 (line 91); Escape closes the menu and gives focus back to its button.
    await navButton.click();
    await menu.getByRole('button', { name: /^Chapter 4: Part D/ }).click();
    await expect.poll(focused).toBe('card 91');
    expect(await inView(91)).toBe(true);
    await navButton.click();
    await menu.waitFor();
    await page.keyboard.press('Escape');
    await expect.poll(() => menu.count()).toBe(0);
    expect(await navButton.evaluate((el) => el === document.activeElement)).toBe(true);
  });

  it('searches the script: finds a line far down, says n of m, Enter and Shift+Enter cycle', async () => {
    // "/" outside a text field opens the search box (here from the list's tab stop, a line card).
    await page.locator('.line-row[tabindex="0"]').focus();
    await page.keyboard.press('/');
    const box = page.getByRole('searchbox', { name: 'Search the script' });
    await expect.poll(() => box.evaluate((el) => el === document.activeElement)).toBe(true);
    const count = page.locator('#script-search-count');

    await box.fill('MARKER 287');
    await expect.poll(() => count.innerText()).toBe('1 of 1');
    await expect.poll(searchHit).toBe(287);
    expect(await inView(287)).toBe(true);

    await box.fill('lighthouse');
    await expect.poll(() => count.innerText()).toBe('1 of 3');
    await expect.poll(searchHit).toBe(100);
    expect(await inView(100)).toBe(true);
    await expectAccessible(page, 'studio with the search box open');
    await box.press('Enter');
    await expect.poll(() => count.innerText()).toBe('2 of 3');
    await expect.poll(searchHit).toBe(200);
    expect(await inView(200)).toBe(true);
    await box.press('Enter');
    await expect.poll(searchHit).toBe(290);
    expect(await inView(290)).toBe(true);
    await box.press('Enter'); // wraps around
    await expect.poll(() => count.innerText()).toBe('1 of 3');
    await expect.poll(searchHit).toBe(100);
    await box.press('Shift+Enter'); // and backwards
    await expect.poll(() => count.innerText()).toBe('3 of 3');
    await expect.poll(searchHit).toBe(290);
    // Typing in the box never typed into the script.
    expect(await card(290).locator('textarea').inputValue()).toBe(
      'Words of marker 290 in the story. The lighthouse blinks.',
    );

    await box.fill('no such words');
    await expect.poll(() => count.innerText()).toBe('No matches');
    await expect.poll(searchHit).toBe(null);

    // Escape closes the box and puts focus on the line last shown.
    await box.fill('marker 150');
    await expect.poll(searchHit).toBe(150);
    await box.press('Escape');
    await expect.poll(() => box.count()).toBe(0);
    await expect.poll(focused).toBe('card 150');
    await expect.poll(searchHit).toBe(null);
    expect(pageErrors).toEqual([]);
  });
});
