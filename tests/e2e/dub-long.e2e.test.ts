/**
 * Issue #11, the Dub view at a feature film's length, in Chromium against the real `timbre serve`: a 2-hour silent
 * FLAC (8 kHz mono, made with ffmpeg in under a second) with an SRT of 2,000 cues this test writes (rows of different
 * heights: one-line, three-line and long cues; every 100th cue far too long for its slot). The segment list is
 * virtualized: only a bounded number of rows is in the DOM, scrolling to the end shows segment 2000, a row selected
 * from the keyboard keeps the focus while the list scrolls away and J brings the next one into view, a draft in a row
 * scrolled away survives, and the "won't fit" filter works over the whole list. The time from Open to the first row
 * is printed (not asserted: the machine is shared). Console guard and axe.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, type Locator, type Page } from 'playwright-core';
import type { DubProjectDetail } from '../../preload/contract/index.js';
import { startServer, type ServerProcess } from '../helpers/server-process.js';
import { tempDir } from '../helpers/tmp.js';
import { expectAccessible } from './axe.js';
import { guardPage, type PageGuard } from './console-guard.js';
import { ensureBuilt, launchChromium } from './launch.js';

const N = 2000;
const STEP = 3.6; // seconds between cue starts: 2,000 cues over 2 hours
const LENGTH = N * STEP;
/** Rows differ in height: most cues one line, every 7th three lines, every 100th far too long for its 2.5 s. */
const cueText = (i: number) =>
  (i + 1) % 100 === 0
    ? `Line ${i + 1}, a very long speech that nobody could ever say in two and a half seconds, however fast they talk.`
    : i % 7 === 3
      ? `Line ${i + 1}, the first part,\nthen a second line\nand a third one.`
      : `Line ${i + 1}.`;
const srtTime = (s: number) => {
  const ms = Math.round(s * 1000);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(Math.floor(ms / 3_600_000))}:${p(Math.floor(ms / 60_000) % 60)}:${p(Math.floor(ms / 1000) % 60)},${p(ms % 1000, 3)}`;
};

let server: ServerProcess;
let browser: Browser;
let page: Page;
let guard: PageGuard;
let cleanup: () => void;
let p: DubProjectDetail;

async function rpc<T>(method: string, params: unknown): Promise<T> {
  const r = await server.rpc<T>(method, params);
  if (!r.ok) throw new Error(`${method}: ${r.error.message}`);
  return r.result;
}
const rows = () => page.getByTestId('dub-segment');
const row = (n: number) => page.locator(`#dub-seg-${p.segmentList[n - 1].id}`);
const scroller = () => page.getByTestId('dub-segment-scroll');
/** Whether the row is inside the list's visible area (not merely in the DOM). */
async function inView(r: Locator): Promise<boolean> {
  if ((await r.count()) === 0) return false;
  const [a, b] = await Promise.all([r.boundingBox(), scroller().boundingBox()]);
  return !!a && !!b && a.y >= b.y - 1 && a.y + a.height <= b.y + b.height + 1;
}
/** Scroll the list with the mouse wheel, as a user would, until `until` holds. */
async function wheelUntil(dy: number, until: () => Promise<boolean>): Promise<void> {
  await scroller().hover();
  await expect
    .poll(
      async () => {
        if (await until()) return true;
        await page.mouse.wheel(0, dy);
        return until();
      },
      { timeout: 30_000 },
    )
    .toBe(true);
}
const activeId = () => page.evaluate(() => document.activeElement?.closest('[data-testid="dub-segment"]')?.id ?? null);

beforeAll(async () => {
  ensureBuilt();
  const t = tempDir('timbre-dublong-e2e-');
  cleanup = t.cleanup;
  const media = path.join(t.dir, 'feature.flac');
  const srt = path.join(t.dir, 'feature.en.srt');
  execFileSync('ffmpeg', [
    '-v', 'error', '-f', 'lavfi', '-i', 'anullsrc=r=8000:cl=mono', '-t', String(LENGTH),
    '-c:a', 'flac', '-sample_fmt', 's16', '-y', media,
  ]); // prettier-ignore
  writeFileSync(
    srt,
    Array.from({ length: N }, (_, i) => {
      const start = 0.5 + i * STEP;
      return `${i + 1}\n${srtTime(start)} --> ${srtTime(start + 2.5)}\n${cueText(i)}\n`;
    }).join('\n'),
  );
  server = await startServer(t.dir);
  p = await rpc<DubProjectDetail>('dub.create', { name: 'Feature', media: { path: media }, targetSubs: { path: srt } });
  browser = await launchChromium({ autoplay: true });
  const context = await browser.newContext({ viewport: { width: 1440, height: 1000 }, locale: 'en-US' });
  page = await context.newPage();
  guard = guardPage(page);
}, 120_000);

afterEach(() => guard.expectClean());

afterAll(async () => {
  await browser?.close();
  server?.proc.kill('SIGTERM');
  cleanup?.();
});

describe('the Dub view with 2,000 segments', () => {
  it('opens with a bounded number of rows in the DOM', async () => {
    expect(p.segmentList.length).toBe(N);
    await page.goto(`${server.url}/#token=${server.token}`);
    await page.getByRole('button', { name: 'Dub', exact: true }).click();
    await page.getByText(/2,?000 segments/).waitFor();
    const t0 = Date.now();
    await page.getByRole('button', { name: 'Open', exact: true }).click();
    await page.getByLabel('Text of segment 1', { exact: true }).waitFor({ state: 'visible', timeout: 60_000 });
    const ms = Date.now() - t0;
    console.log(`[dub-long] ${N} segments: Open to the first row visible in ${ms} ms`);
    expect(await inView(row(1))).toBe(true);
    const count = await rows().count();
    expect(count).toBeGreaterThan(3);
    expect(count).toBeLessThan(100);
    await expectAccessible(page, 'dub workspace, 2,000 segments');
  }, 120_000);

  it('scrolls to the end and shows segment 2000', async () => {
    await wheelUntil(20_000, () => inView(row(N)));
    await expect.poll(() => row(N).getAttribute('aria-label')).toMatch(/^Segment 2000, 119:/);
    expect(await row(N).getByLabel('Text of segment 2000').inputValue()).toBe(cueText(N - 1));
    expect(await rows().count()).toBeLessThan(100);
    expect(await row(2).count()).toBe(0); // the first rows left the DOM (row 1, selected, stays)
  }, 60_000);

  it('keeps the focus on a row selected from the keyboard while the list scrolls, and J brings the next into view', async () => {
    await wheelUntil(-20_000, () => inView(row(1)));
    // Focus row 1 (a click on its time), then J three times: segment 4 is selected and focused.
    await row(1).locator('.dub-segment-time').click();
    await expect.poll(activeId).toBe(`dub-seg-${p.segmentList[0].id}`);
    for (let i = 0; i < 3; i++) await page.keyboard.press('j');
    await expect.poll(activeId).toBe(`dub-seg-${p.segmentList[3].id}`);
    await expect.poll(() => row(4).getAttribute('class')).toMatch(/\bselected\b/);
    // Scroll far away: the focused row stays in the DOM and keeps the focus; the window stays bounded.
    await wheelUntil(20_000, () => inView(row(N)));
    expect(await activeId()).toBe(`dub-seg-${p.segmentList[3].id}`);
    expect(await inView(row(4))).toBe(false);
    expect(await rows().count()).toBeLessThan(100);
    // J from there: segment 5 is focused and scrolled into view.
    await page.keyboard.press('j');
    await expect.poll(activeId).toBe(`dub-seg-${p.segmentList[4].id}`);
    await expect.poll(() => inView(row(5))).toBe(true);
    await expect.poll(() => row(5).getAttribute('class')).toMatch(/\bselected\b/);
    // K goes back to 4, also in view.
    await page.keyboard.press('k');
    await expect.poll(activeId).toBe(`dub-seg-${p.segmentList[3].id}`);
    await expect.poll(() => inView(row(4))).toBe(true);
  }, 60_000);

  it('keeps an unsaved draft in a row scrolled away', async () => {
    const text = row(5).getByLabel('Text of segment 5');
    await text.fill('A draft not saved yet.');
    // Another row takes the selection, then the list scrolls to the end and back.
    await row(6).locator('.dub-segment-time').click();
    await expect.poll(() => row(6).getAttribute('class')).toMatch(/\bselected\b/);
    await wheelUntil(20_000, () => inView(row(N)));
    await wheelUntil(-20_000, () => inView(row(1)));
    expect(await text.inputValue()).toBe('A draft not saved yet.');
    await expect(row(5).getByRole('button', { name: 'Save', exact: true }).count()).resolves.toBe(1);
    // Saved: the draft is the segment's text.
    await row(5).getByRole('button', { name: 'Save', exact: true }).click();
    await expect
      .poll(async () => (await rpc<DubProjectDetail>('dub.get', { projectId: p.id })).segmentList[4].text)
      .toBe('A draft not saved yet.');
  }, 60_000);

  it("filters the segments that won't fit over the whole list", async () => {
    const fresh = await rpc<DubProjectDetail>('dub.get', { projectId: p.id });
    const tooLong = fresh.segmentList.filter((s) => s.predicted?.fit === 'too-long').map((s) => s.index + 1);
    expect(tooLong).toEqual(Array.from({ length: N / 100 }, (_, k) => (k + 1) * 100));
    await expect
      .poll(() => page.getByTestId('dub-wontfit-count').textContent())
      .toMatch(new RegExp(`^${tooLong.length} of 2,?000 segments won't fit$`));
    await page.getByLabel("Show only segments that won't fit").check();
    await expect.poll(() => row(100).count()).toBe(1);
    const shown = await rows().count();
    expect(shown).toBeGreaterThan(0);
    expect(shown).toBeLessThanOrEqual(tooLong.length);
    for (const el of await rows().all())
      expect(tooLong).toContain(Number(/^Segment (\d+),/.exec((await el.getAttribute('aria-label')) ?? '')?.[1]));
    await wheelUntil(20_000, () => inView(row(N)));
    await page.getByLabel("Show only segments that won't fit").uncheck();
    await expect.poll(() => rows().count()).toBeGreaterThan(shown);
    expect(await rows().count()).toBeLessThan(100);
  }, 60_000);

  it('keeps the timeline to a window of the film: tens of cues in the page, zoom and position move it', async () => {
    const cues = page.locator('.dub-timeline .dub-cue');
    const windowText = () => page.getByTestId('dub-timeline-window').textContent();
    // The first 2 minutes: about 120 / 3.6 cues, not 2,000.
    expect(await windowText()).toMatch(/^Showing 2 min: .+ to .+ of 2 h 0 min$/);
    const first = await cues.count();
    expect(first).toBeGreaterThan(20);
    expect(first).toBeLessThan(60);
    expect(await page.locator('.dub-timeline [role="slider"]').count()).toBeLessThanOrEqual(2 * first);
    // Zoom out as far as it goes: the widest window holds at most ~400 cues (2,000 over 2 hours: 10 minutes, not
    // the whole film).
    const zoomOut = page.getByRole('button', { name: 'Zoom out' });
    while (await zoomOut.isEnabled()) await zoomOut.click();
    expect(await windowText()).toMatch(/^Showing 10 min:/);
    await expect.poll(() => cues.count()).toBeLessThanOrEqual(170);
    // Back in with the keyboard (+) to 1 minute.
    await page.getByRole('button', { name: 'Zoom in' }).focus();
    for (let i = 0; i < 3; i++) await page.keyboard.press('+');
    expect(await windowText()).toMatch(/^Showing 1 min:/);
    await expect.poll(() => cues.count()).toBeLessThan(25);
    await expectAccessible(page, 'dub timeline window');
  }, 60_000);

  it('scrolls the list to a segment picked on the timeline, and follows playback', async () => {
    // The timeline moved to segment 1500 with its position slider; its cue, from the keyboard: the list scrolls to
    // its row and selects it.
    await page.getByLabel('Timeline position').fill(String(Math.floor(p.segmentList[1499].start - 5)));
    const cue = page.getByRole('button', { name: /^Segment 1500, / });
    await cue.focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => inView(row(1500))).toBe(true);
    await expect.poll(() => row(1500).getAttribute('class')).toMatch(/\bselected\b/);
    expect(await rows().count()).toBeLessThan(100);
    // Playing from inside segment 1800: the playing segment is scrolled into view.
    const player = page.getByTestId('dub-video');
    await player.evaluate((el: HTMLMediaElement, at: number) => {
      el.currentTime = at;
      void el.play();
    }, p.segmentList[1799].start + 0.2);
    await expect.poll(() => inView(row(1800)), { timeout: 20_000 }).toBe(true);
    // Moved to the start with the position slider while playing, the window stays there as playback goes on.
    await page.getByLabel('Timeline position').fill('0');
    const now = () => player.evaluate((el: HTMLMediaElement) => el.currentTime);
    const t0 = await now();
    await expect.poll(now, { timeout: 10_000 }).toBeGreaterThan(t0 + 1);
    expect(await page.getByTestId('dub-timeline-window').textContent()).toMatch(/^Showing 1 min: 0 s to 1 min of /);
    await player.evaluate((el: HTMLMediaElement) => el.pause());
  }, 60_000);
});
