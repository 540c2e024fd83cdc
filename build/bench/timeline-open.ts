/**
 * Opening a long project's timeline in Chromium, measured in the page (shared by the e2e test and the bench).
 * The renderer marks `timeline-open` when the Timeline mounts for a project, `timeline-drawn` when the first
 * overview is on screen (measure `timeline-overview`), and `timeline-zoom` from a zoom action to its window drawn.
 * This also marks the click on "Open <project>" so the whole wait the user sees (project load included) is known.
 */
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import type { Page } from 'playwright-core';

export const ROOT = path.resolve(import.meta.dirname, '..', '..');

/** Build long projects in `dataDir` (real eSpeak takes, copies for the rest); returns them as built. */
export function buildLongProjects(
  dataDir: string,
  seconds: number[],
  opts: { chapterEvery?: number } = {},
): { projectId: string; lines: number; audioSeconds: number }[] {
  const r = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(ROOT, 'build', 'bench', 'long-project.ts'),
      'build',
      dataDir,
      seconds.join(','),
      path.join(dataDir, 'concat-'),
      String(opts.chapterEvery ?? 0),
    ],
    { cwd: ROOT, encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`building the long projects failed: ${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as { projectId: string; lines: number; audioSeconds: number }[];
}

export interface TimelineOpen {
  /** Timeline mounted → overview drawn (in-page performance.measure). */
  overviewMs: number;
  /** Click on "Open <project>" → overview drawn (the project's own loading included). */
  clickToOverviewMs: number;
  /** A zoom (the + key) → its window drawn. */
  zoomMs: number;
  before: { from: number; to: number };
  after: { from: number; to: number };
}

const measure = (page: Page, name: string) =>
  page.evaluate((n) => {
    const e = performance.getEntriesByName(n, 'measure');
    return e.length ? e[e.length - 1].duration : null;
  }, name);

const windowOf = async (page: Page) => {
  const panel = page.locator('.timeline-panel');
  return { from: Number(await panel.getAttribute('data-from')), to: Number(await panel.getAttribute('data-to')) };
};

const inflight = new WeakMap<Page, { n: number }>();

/** Count the page's calls to the core (install before the calls to be counted). */
export function trackRpc(page: Page): void {
  if (inflight.has(page)) return;
  const c = { n: 0 };
  inflight.set(page, c);
  const rpc = (url: string) => url.includes('/api/rpc');
  page.on('request', (r) => rpc(r.url()) && c.n++);
  page.on('requestfinished', (r) => rpc(r.url()) && c.n--);
  page.on('requestfailed', (r) => rpc(r.url()) && c.n--);
}

/** Wait until no call to the core is in flight. */
async function rpcIdle(page: Page, timeout: number): Promise<void> {
  const c = inflight.get(page);
  if (!c) return;
  const end = Date.now() + timeout;
  while (c.n > 0) {
    if (Date.now() > end) throw new Error('calls to the core did not finish');
    await page.waitForEvent('requestfinished', { timeout: Math.max(1, end - Date.now()) }).catch(() => undefined);
  }
}

/** On the Projects list (token set), open `projectName` and measure the timeline and a first zoom. */
export async function openTimeline(page: Page, projectName: string, timeout = 60_000): Promise<TimelineOpen> {
  trackRpc(page);
  await page.evaluate(() => {
    performance.clearMarks();
    performance.clearMeasures();
    performance.mark('open-click');
  });
  await page.getByRole('button', { name: `Open ${projectName}` }).click();
  await page.locator('.timeline-panel[data-ready="true"]').waitFor({ timeout });
  const overviewMs = await measure(page, 'timeline-overview');
  const clickToOverviewMs = await page.evaluate(
    () => performance.measure('click-to-drawn', 'open-click', 'timeline-drawn').duration,
  );
  const before = await windowOf(page);
  // The zoom is timed once the studio has finished loading (no call to the core in flight), so it measures the
  // timeline and not a project load still queued in the core.
  await rpcIdle(page, timeout);
  await page.locator('#timeline-track').focus();
  await page.keyboard.press('+');
  await page.locator('.timeline-panel[data-zooms="1"]').waitFor({ timeout });
  const zoomMs = await measure(page, 'timeline-zoom');
  const after = await windowOf(page);
  if (overviewMs === null || zoomMs === null) throw new Error('the timeline did not record its performance marks');
  return { overviewMs, clickToOverviewMs, zoomMs, before, after };
}
