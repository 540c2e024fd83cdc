/**
 * `npm run bench -- --timeline [--json] [--hours 10]` (issue #9): opening a long project's timeline in Chromium.
 * Builds a project of that many hours (real eSpeak takes, copied for the other lines; a chapter every 500 lines),
 * starts `timbre serve` on it, opens the project in headless Chromium and reads the page's own performance
 * measures: `overviewMs` (the timeline mounted → its overview drawn from stored peaks), `clickToOverviewMs` (the
 * click on the project → overview drawn, the project's own loading included), `zoomMs` (the + key → the zoomed
 * window drawn). Then the same on a second page (the core's layout and envelope already cached): `reopen…`.
 * Target: overview drawn within 2 s.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { chromium } from 'playwright-core';
import { startServer } from '../../tests/helpers/server-process.js';
import { buildLongProjects, openTimeline, ROOT } from './timeline-open.js';

export async function runTimeline(json: boolean, hours: number): Promise<number> {
  const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(chromiumPath)) throw new Error(`Chromium not found at ${chromiumPath} (set CHROMIUM_PATH)`);
  if (!existsSync(path.join(ROOT, 'dist', 'renderer', 'index.html'))) {
    const b = spawnSync(process.execPath, [path.join(ROOT, 'build', 'scripts', 'build.mjs')], { stdio: 'inherit' });
    if (b.status !== 0) throw new Error('build failed');
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'timbre-timeline-bench-'));
  const server = { current: null as Awaited<ReturnType<typeof startServer>> | null };
  const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const t0 = performance.now();
    const [project] = buildLongProjects(dir, [hours * 3600], { chapterEvery: 500 });
    const buildSeconds = (performance.now() - t0) / 1000;
    server.current = await startServer(dir);
    const open = async () => {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      await page.goto(`${server.current!.url}/#token=${server.current!.token}`);
      await page.getByRole('heading', { name: 'Projects', level: 1 }).waitFor();
      const m = await openTimeline(page, 'Long 0');
      await page.close();
      return m;
    };
    const first = await open();
    const again = await open();
    const result = {
      hours,
      lines: project.lines,
      audioSeconds: project.audioSeconds,
      buildSeconds,
      overviewMs: first.overviewMs,
      clickToOverviewMs: first.clickToOverviewMs,
      zoomMs: first.zoomMs,
      reopenOverviewMs: again.overviewMs,
      reopenClickToOverviewMs: again.clickToOverviewMs,
      reopenZoomMs: again.zoomMs,
    };
    const targets = { overviewUnder2s: result.overviewMs < 2000, zoomUnder2s: result.zoomMs < 2000 };
    const machine = {
      cores: os.availableParallelism(),
      cpu: os.cpus()[0]?.model ?? 'unknown',
      loadAverage: os.loadavg().map((l) => Number(l.toFixed(1))),
      node: process.version,
    };
    if (json) process.stdout.write(`${JSON.stringify({ machine, timeline: result, targets }, null, 2)}\n`);
    else {
      const ms = (v: number) => `${v.toFixed(0)} ms`;
      process.stdout.write(
        `Timbre timeline — ${machine.cores} cores, ${machine.cpu}, load ${machine.loadAverage.join(' ')}\n` +
          `${hours} h project, ${result.lines} lines, ${result.audioSeconds.toFixed(0)} s of audio\n` +
          `                     overview drawn   click → overview   first zoom\n` +
          `first open           ${ms(result.overviewMs).padEnd(17)}${ms(result.clickToOverviewMs).padEnd(19)}${ms(result.zoomMs)}\n` +
          `open again (cached)  ${ms(result.reopenOverviewMs).padEnd(17)}${ms(result.reopenClickToOverviewMs).padEnd(19)}${ms(result.reopenZoomMs)}\n` +
          `targets: ${Object.entries(targets)
            .map(([k, v]) => `${k} ${v ? 'met' : 'MISSED'}`)
            .join(', ')}\n`,
      );
    }
    return Object.values(targets).every(Boolean) ? 0 : 1;
  } finally {
    await browser.close();
    const s = server.current;
    if (s && s.proc.exitCode === null) {
      s.proc.kill('SIGTERM');
      await new Promise((r) => s.proc.once('exit', r));
    }
    rmSync(dir, { recursive: true, force: true });
  }
}
