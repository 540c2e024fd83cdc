/**
 * End-to-end: the timeline of a 10-hour project in Chromium against the real `timbre serve`. The project is built
 * in the test's data folder the way the long-form bench builds it (real eSpeak takes, copied for the other lines,
 * chapter headings every 500 lines). Opening it draws the overview from stored peaks; zoom, the minimap, labels
 * that never overlap, selecting a line from the timeline and line-by-line playback are checked in the page.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, type Page } from 'playwright-core';
import { startServer, type ServerProcess } from '../helpers/server-process.js';
import { buildLongProjects, openTimeline } from '../../build/bench/timeline-open.js';
import { ensureBuilt, launchChromium } from './launch.js';

let server: ServerProcess;
let dataDir: string;
let browser: Browser;
let page: Page;
let project: { projectId: string; lines: number; audioSeconds: number };
const pageErrors: string[] = [];

const HOURS = 10;

beforeAll(async () => {
  ensureBuilt();
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'timbre-e2e-timeline-'));
  [project] = buildLongProjects(dataDir, [HOURS * 3600], { chapterEvery: 500 });
  server = await startServer(dataDir);
  browser = await launchChromium({ autoplay: true });
  page = await browser.newPage({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(`${server.url}/#token=${server.token}`);
  await page.getByRole('heading', { name: 'Projects', level: 1 }).waitFor();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  if (server && server.proc.exitCode === null) {
    server.proc.kill('SIGTERM');
    await new Promise((r) => server.proc.once('exit', r));
  }
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const panel = () => page.locator('.timeline-panel');
const windowNow = async () => ({
  from: Number(await panel().getAttribute('data-from')),
  to: Number(await panel().getAttribute('data-to')),
});

/** Every shown label (lines on the track, chapters on the ruler) ends before the next one starts. */
async function expectNoOverlap(selector: string) {
  const boxes = (await page.locator(selector).evaluateAll((els) =>
    els.map((e) => {
      const r = e.getBoundingClientRect();
      return { left: r.left, right: r.right };
    }),
  )) as { left: number; right: number }[];
  boxes.sort((a, b) => a.left - b.left);
  for (let i = 1; i < boxes.length; i++) expect(boxes[i].left).toBeGreaterThanOrEqual(boxes[i - 1].right);
  return boxes.length;
}

/** Pixels drawn (non-transparent) in a canvas. */
const inked = (selector: string) =>
  page.locator(selector).evaluate((c) => {
    const canvas = c as HTMLCanvasElement;
    const d = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    let n = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i]) n++;
    return n;
  });

describe(`the timeline of a ${HOURS}-hour project`, () => {
  it('draws the overview and zooms within 2 s of opening', async () => {
    expect(project.audioSeconds).toBeGreaterThan(HOURS * 3600 * 0.98);
    const m = await openTimeline(page, 'Long 0');
    // Loose bounds (a shared two-core machine); the exact figures go in `npm run bench`.
    expect(m.overviewMs).toBeLessThan(2000);
    expect(m.zoomMs).toBeLessThan(2000);
    expect(m.before.from).toBe(0);
    expect(m.before.to).toBeCloseTo(project.audioSeconds, 0);
    // + zooms in by 2 around the middle.
    expect(m.after.to - m.after.from).toBeCloseTo((m.before.to - m.before.from) / 2, 0);
    expect(await inked('.timeline-track canvas')).toBeGreaterThan(1000);
    await expect.poll(() => inked('.timeline-minimap canvas')).toBeGreaterThan(1000);
    expect(pageErrors).toEqual([]);
  });

  it('labels never overlap, zoomed out (groups of lines) or in (lines); chapters are on the ruler', async () => {
    await page.getByRole('button', { name: 'Fit the whole episode' }).click();
    await expect.poll(async () => (await windowNow()).from).toBe(0);
    // The fitted window's own answer (not the zoomed one's, scaled) is drawn: groups of lines from line 1.
    await expect
      .poll(() => page.locator('.timeline-label').first().getAttribute('aria-label'))
      .toMatch(/^Lines 1 to \d+/);
    expect(await page.locator('.timeline-label').count()).toBeGreaterThan(3);
    await expectNoOverlap('.timeline-label');
    expect(await expectNoOverlap('.timeline-chapter')).toBeGreaterThan(2);
    // 14 chapters (7 000 lines / 500): zoomed out, some titles are thinned away but every marker is drawn.
    expect(await page.locator('.timeline-chapter').first().innerText()).toBe('Chapter 1');

    // Zoom in with Ctrl+wheel over the track until single lines are labelled.
    const box = (await page.locator('#timeline-track').boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2);
    for (let i = 0; i < 12; i++) {
      const before = await windowNow();
      await page.keyboard.down('Control');
      await page.mouse.wheel(0, -600);
      await page.keyboard.up('Control');
      await expect
        .poll(async () => (await windowNow()).to - (await windowNow()).from)
        .toBeLessThan(before.to - before.from);
      if ((await windowNow()).to - (await windowNow()).from < 120) break;
    }
    await expect.poll(() => page.locator('.timeline-label[data-line-id]').count()).toBeGreaterThan(3);
    await expectNoOverlap('.timeline-label');
  });

  it('the minimap scrolls the window, and clicking a line on the track selects it', async () => {
    const before = await windowNow();
    const handle = (await page.locator('.timeline-minimap-window').boundingBox())!;
    const mini = (await page.locator('.timeline-minimap').boundingBox())!;
    await page.mouse.move(handle.x + handle.width / 2, handle.y + handle.height / 2);
    await page.mouse.down();
    await page.mouse.move(handle.x + handle.width / 2 + mini.width * 0.25, handle.y + handle.height / 2, { steps: 4 });
    await page.mouse.up();
    await expect.poll(async () => (await windowNow()).from).toBeGreaterThan(before.from + project.audioSeconds * 0.2);
    const after = await windowNow();
    expect(after.to - after.from).toBeCloseTo(before.to - before.from, 1);

    const label = page.locator('.timeline-label[data-line-id]').nth(1);
    await label.waitFor();
    const lineId = (await label.getAttribute('data-line-id'))!;
    const n = /^Line (\d+):/.exec((await label.getAttribute('aria-label'))!)![1];
    await label.click();
    await expect.poll(() => page.locator('.timeline-label.is-current').getAttribute('data-line-id')).toBe(lineId);
    await page.getByRole('button', { name: `Play from line ${n}` }).waitFor();
  });

  it('plays from the selected line: the playhead starts there and runs on into the next line', async () => {
    const n = Number(/\d+/.exec(await page.getByRole('button', { name: /^Play from line \d+/ }).innerText())![0]);
    const q = await server.rpc<{ lines: { lineId: string; start: number; end: number }[] }>('timeline.playQueue', {
      projectId: project.projectId,
      lineId: (await page.locator('.timeline-label.is-current').getAttribute('data-line-id'))!,
      count: 2,
    });
    if (!q.ok) throw new Error(q.error.message);
    const [line, next] = q.result.lines;
    await page.getByRole('button', { name: `Play from line ${n}` }).click();
    const playhead = async () => Number(await panel().getAttribute('data-playhead'));
    await expect.poll(() => page.getByRole('button', { name: 'Pause the episode' }).count()).toBe(1);
    await expect.poll(playhead).toBeGreaterThan(line.start + 0.3);
    expect(await playhead()).toBeLessThan(line.end);
    // Past the end of the line and the gap: the next line's take is playing.
    await expect.poll(playhead, { timeout: 30_000 }).toBeGreaterThan(next.start + 0.2);
    await page.getByRole('button', { name: 'Pause the episode' }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Play the episode' }).count()).toBe(1);
    const stoppedAt = await playhead();
    expect(stoppedAt).toBeGreaterThan(next.start);
    expect(stoppedAt).toBeLessThan(next.end + 1);
    // No mix of the episode was ever built.
    expect(existsSync(path.join(dataDir, 'mix'))).toBe(false);
    expect(pageErrors).toEqual([]);
  });

  it('plays the music bed under the preview, in step with the playhead hours in, ducked while a line plays', async () => {
    // A 60-second bed: hours into the episode it plays at (playhead mod 60 s), looped as the export loops it.
    const music = path.join(dataDir, 'bed.wav');
    const ff = spawnSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'sine=frequency=220:duration=60', music]);
    expect(ff.status).toBe(0);
    const set = await server.rpc('projects.setMix', {
      id: project.projectId,
      musicBed: { source: { path: music }, gainDb: -6, duck: true },
    });
    if (!set.ok) throw new Error(set.error.message);
    await page.locator('.music-name', { hasText: 'bed.wav' }).waitFor();
    const bedState = () =>
      page.evaluate(() => {
        const a = document.querySelector<HTMLAudioElement>('audio[data-role="music-bed-preview"]');
        const ph = Number(document.querySelector<HTMLElement>('.timeline-panel')!.dataset.playhead);
        return a
          ? { paused: a.paused, t: a.currentTime, volume: a.volume, ducked: a.dataset.ducked, playhead: ph }
          : null;
      });
    const n = Number(/\d+/.exec(await page.getByRole('button', { name: /^Play from line \d+/ }).innerText())![0]);
    await page.getByRole('button', { name: `Play from line ${n}` }).click();
    // The bed really plays (Chromium decoded the stored float WAV and its time runs) and is ducked under the line.
    await expect.poll(async () => (await bedState())?.paused, { timeout: 15_000 }).toBe(false);
    const a = (await bedState())!;
    await expect.poll(async () => (await bedState())!.t, { timeout: 15_000 }).toBeGreaterThan(a.t + 0.3);
    const s = (await bedState())!;
    expect(s.playhead).toBeGreaterThan(3600);
    const drift = Math.abs(s.t - (s.playhead % 60));
    expect(Math.min(drift, 60 - drift)).toBeLessThan(0.5);
    // −6 dB bed, −15 dB under a line: the volume ramps down to 10^(−21/20).
    await expect.poll(async () => (await bedState())!.volume, { timeout: 10_000 }).toBeLessThan(0.1);
    expect((await bedState())!.ducked).toBe('true');
    // Ducking off (from another client): the bed comes back up to −6 dB while the line plays.
    const off = await server.rpc('projects.setMix', { id: project.projectId, musicBed: { gainDb: -6, duck: false } });
    if (!off.ok) throw new Error(off.error.message);
    await expect.poll(async () => (await bedState())!.volume, { timeout: 10_000 }).toBeGreaterThan(0.45);
    expect((await bedState())!.ducked).toBe('false');
    // Pausing the preview pauses the bed.
    await page.getByRole('button', { name: 'Pause the episode' }).click();
    await expect.poll(async () => (await bedState())!.paused).toBe(true);
    expect(pageErrors).toEqual([]);
  });
});
