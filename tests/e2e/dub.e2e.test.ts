/**
 * Issue #11, the Dub view in Chromium against the real `timbre serve`: a video this test makes with ffmpeg (a test
 * pattern, a music-like chord background, SRT cues with two speakers) is imported through the file choosers (web
 * upload), speakers get eSpeak voices, the dub is generated, one segment is fixed (text edited, regenerated), and the
 * dub exported. While playing, the <video> and the dub <audio> stay at the same position; the exported file exists
 * with the video packets copied. Before generating, each segment shows its predicted fit (updated when its text
 * changes; "won't fit" filter); after, a cue's edge is dragged on the timeline (10 ms grid, held before the next cue,
 * undone) and nudged from the keyboard. Console guard and axe throughout.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, type Page } from 'playwright-core';
import type { DubProjectDetail, DubProjectSummary, VoiceInfo } from '../../preload/contract/index.js';
import { startServer, type ServerProcess } from '../helpers/server-process.js';
import { tempDir } from '../helpers/tmp.js';
import { expectAccessible } from './axe.js';
import { guardPage, type PageGuard } from './console-guard.js';
import { ensureBuilt, launchChromium } from './launch.js';

let server: ServerProcess;
let browser: Browser;
let page: Page;
let guard: PageGuard;
let dir: string;
let cleanup: () => void;
let video: string;
let srt: string;
let voices: VoiceInfo[];

async function rpc<T>(method: string, params: unknown): Promise<T> {
  const r = await server.rpc<T>(method, params);
  if (!r.ok) throw new Error(`${method}: ${r.error.message}`);
  return r.result;
}
async function project(): Promise<DubProjectDetail> {
  const [p] = await rpc<DubProjectSummary[]>('dub.list', {});
  return rpc<DubProjectDetail>('dub.get', { projectId: p.id });
}
/** Size and MD5 of each video packet, in order. */
const videoPackets = (f: string) =>
  execFileSync('ffmpeg', ['-v', 'error', '-i', f, '-map', '0:v:0', '-c', 'copy', '-f', 'framemd5', '-'])
    .toString()
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.split(',').slice(-2).join(',').trim());

beforeAll(async () => {
  ensureBuilt();
  const t = tempDir('timbre-dub-e2e-');
  dir = t.dir;
  cleanup = t.cleanup;
  video = path.join(dir, 'interview.webm');
  srt = path.join(dir, 'interview.fr.srt');
  // A test pattern and a chord with a slow swell (music-like), 12 s, VP8 + Opus in WebM (Chromium plays it).
  execFileSync('ffmpeg', [
    '-v', 'error',
    '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=15:duration=12',
    '-f', 'lavfi', '-i',
    "aevalsrc='0.1*(sin(2*PI*220*t)+sin(2*PI*277.18*t)+sin(2*PI*329.63*t))*(0.6+0.4*sin(2*PI*0.25*t))':s=48000:d=12",
    '-c:v', 'libvpx', '-b:v', '300k', '-c:a', 'libopus', '-shortest', '-y', video,
  ]); // prettier-ignore
  writeFileSync(
    srt,
    '1\n00:00:01,000 --> 00:00:03,500\nANNA: Good morning and welcome.\n\n' +
      '2\n00:00:05,000 --> 00:00:07,500\nBOB: Thank you for having me.\n\n' +
      '3\n00:00:08,500 --> 00:00:11,000\nANNA: Let us begin.\n',
  );
  server = await startServer(dir);
  voices = (await rpc<VoiceInfo[]>('voices.list', { engineId: 'espeak' })).slice(0, 2);
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

describe('the Dub view', () => {
  it('imports a video with its subtitles', async () => {
    await page.goto(`${server.url}/#token=${server.token}`);
    await page.getByRole('button', { name: 'Dub', exact: true }).click();
    await page.getByRole('heading', { name: 'New dub' }).waitFor();
    await expectAccessible(page, 'dub home');
    await page.getByLabel('Video or audio').setInputFiles(video);
    await page.getByLabel('Subtitles to speak (SRT, VTT, ASS)').setInputFiles(srt);
    await page.getByRole('button', { name: 'Create dub' }).click();
    await expect.poll(() => page.getByTestId('dub-segment').count(), { timeout: 30_000 }).toBe(3);
    const p = await project();
    expect(p.media.uploaded).toBe(true);
    expect(p.segmentList.map((s) => s.speaker)).toEqual(['ANNA', 'BOB', 'ANNA']);
    await page.getByTestId('dub-video').waitFor();
    await expectAccessible(page, 'dub workspace');
  }, 60_000);

  it('assigns a voice to each speaker', async () => {
    for (const [speaker, v] of [
      ['ANNA', voices[0]],
      ['BOB', voices[1]],
    ] as const) {
      await page.getByRole('button', { name: new RegExp(`^Voice for ${speaker}:`) }).click();
      await page
        .getByRole('option', { name: new RegExp(`^${v.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} ·`) })
        .first()
        .click();
      await expect.poll(async () => (await project()).speakers.find((s) => s.name === speaker)?.voiceId).toBe(v.id);
    }
  }, 60_000);

  it('shows the predicted fit before generating, follows a text change, and filters the lines that will not fit', async () => {
    // Every segment is predicted before any take: the prior rate, no take of these voices yet.
    await expect.poll(() => page.getByTestId('dub-predicted').count()).toBe(3);
    const p = await project();
    expect(p.segmentList.every((s) => s.predicted && !s.predicted.calibrated)).toBe(true);
    const third = page.locator(`#dub-seg-${p.segmentList[2].id}`);
    await expect.poll(() => third.getByTestId('dub-predicted').textContent()).toBe('will fit');
    // A line far too long for its 2.5 s slot: the badge says by how much; the filter shows only it.
    await page
      .getByLabel('Text of segment 3')
      .fill(
        'Let us begin with a very long introduction that could never be spoken in the two and a half seconds here.',
      );
    await third.getByRole('button', { name: 'Save', exact: true }).click();
    await expect.poll(() => third.getByTestId('dub-predicted').textContent()).toMatch(/^too long by ~\d+\.\d s$/);
    const predicted = (await project()).segmentList[2].predicted!;
    expect(predicted.fit).toBe('too-long');
    expect(await third.getByTestId('dub-predicted').textContent()).toBe(
      `too long by ~${predicted.tooLongBySeconds.toFixed(1)} s`,
    );
    await expect.poll(() => page.getByTestId('dub-wontfit-count').textContent()).toBe("1 of 3 segments won't fit");
    await page.getByLabel("Show only segments that won't fit").check();
    await expect.poll(() => page.getByTestId('dub-segment').count()).toBe(1);
    await expectAccessible(page, 'dub workspace, filtered to the lines that will not fit');
    await page.getByLabel("Show only segments that won't fit").uncheck();
    await expect.poll(() => page.getByTestId('dub-segment').count()).toBe(3);
    await page.getByLabel('Text of segment 3').fill('Let us begin.');
    await third.getByRole('button', { name: 'Save', exact: true }).click();
    await expect.poll(() => third.getByTestId('dub-predicted').textContent()).toBe('will fit');
  }, 60_000);

  it('generates the dub with progress, then plays the video and the dub in sync', async () => {
    await page.getByRole('button', { name: 'Generate dub', exact: true }).click();
    await page.getByText('All 3 segments generated.').waitFor({ timeout: 90_000 });
    const p = await project();
    expect(p.segmentList.every((s) => s.fit && !s.stale)).toBe(true);
    expect(p.segmentList[0].fit!.voice).toBe(voices[0].id);
    expect(p.segmentList[1].fit!.voice).toBe(voices[1].id);
    // Fit badges are shown per segment.
    expect(await page.locator('.dub-fit').count()).toBe(3);
    await page.getByTestId('dub-audio').waitFor({ state: 'attached', timeout: 60_000 });
    await page.getByRole('radio', { name: 'Dub' }).check();
    // Space plays (focus in the workspace, not on a control).
    await page.getByRole('heading', { name: 'Segments' }).click();
    await page.keyboard.press(' ');
    await expect
      .poll(
        () =>
          page.evaluate(() => {
            const v = document.querySelector<HTMLVideoElement>('[data-testid="dub-video"]')!;
            const a = document.querySelector<HTMLAudioElement>('[data-testid="dub-audio"]')!;
            return !v.paused && !a.paused && v.currentTime > 1.5;
          }),
        { timeout: 20_000 },
      )
      .toBe(true);
    const drift = await page.evaluate(async () => {
      const v = document.querySelector<HTMLVideoElement>('[data-testid="dub-video"]')!;
      const a = document.querySelector<HTMLAudioElement>('[data-testid="dub-audio"]')!;
      const out: number[] = [];
      for (let i = 0; i < 10; i++) {
        await new Promise((r) => requestAnimationFrame(r));
        out.push(Math.abs(v.currentTime - a.currentTime));
      }
      return { max: Math.max(...out), muted: v.muted, playing: !v.paused && !a.paused };
    });
    expect(drift.playing).toBe(true);
    expect(drift.muted).toBe(true); // the dub is heard, not the original
    expect(drift.max).toBeLessThan(0.25);
    await page.keyboard.press(' ');
    await expect
      .poll(() =>
        page.evaluate(() => {
          const v = document.querySelector<HTMLVideoElement>('[data-testid="dub-video"]')!;
          const a = document.querySelector<HTMLAudioElement>('[data-testid="dub-audio"]')!;
          return v.paused && a.paused;
        }),
      )
      .toBe(true);
    await expectAccessible(page, 'dub workspace after generation');
  }, 150_000);

  it('fixes one segment: edit its text, regenerate it', async () => {
    const before = (await project()).segmentList[1];
    const text = page.getByLabel('Text of segment 2');
    await text.fill('Thanks.');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect.poll(async () => (await project()).segmentList[1].stale).toBe(true);
    await page.getByRole('button', { name: 'Regenerate segment 2' }).click();
    await expect
      .poll(
        async () => {
          const s = (await project()).segmentList[1];
          return s.fit?.text === 'Thanks.' && !s.stale;
        },
        { timeout: 60_000 },
      )
      .toBe(true);
    const after = (await project()).segmentList[1];
    expect(after.fit!.takeSeconds).toBeLessThan(before.fit!.takeSeconds);
    await expect.poll(() => page.locator('#dub-seg-' + after.id + ' .dub-fit').textContent()).not.toMatch(/changed/);
  }, 90_000);

  it('drags a cue edge on the timeline: snapped to 10 ms, held before the next cue, undone; nudged by keyboard', async () => {
    const p = await project();
    const [first, second] = p.segmentList;
    const track = (await page.locator('.dub-lane-track').first().boundingBox())!;
    const pxPerSecond = track.width / p.durationSeconds;
    const edge = page.getByRole('slider', { name: 'End of segment 1' });
    // The core answers edits while it rebuilds the preview of the previous revision: allow it seconds, not 1 s.
    const SLOW = { timeout: 20_000 };
    const drag = async (seconds: number) => {
      const box = (await edge.boundingBox())!;
      const y = box.y + box.height / 2;
      await page.mouse.move(box.x + box.width / 2, y);
      await page.mouse.down();
      await page.mouse.move(box.x + box.width / 2 + seconds * pxPerSecond, y, { steps: 8 });
      await page.mouse.up();
    };
    // 0.5 s to the right: saved, on the 10 ms grid.
    await drag(0.5);
    await expect.poll(async () => (await project()).segmentList[0].end, SLOW).not.toBe(first.end);
    const moved = (await project()).segmentList[0].end;
    expect(moved).toBeGreaterThan(first.end + 0.3);
    expect(moved).toBeLessThan(first.end + 0.7);
    expect(Math.abs(moved * 100 - Math.round(moved * 100))).toBeLessThan(1e-6);
    await expect.poll(() => edge.getAttribute('aria-valuenow'), SLOW).toBe(String(moved));
    // Far past the next cue: held at its start, never overlapping it.
    await drag(4);
    await expect.poll(async () => (await project()).segmentList[0].end, SLOW).toBe(second.start);
    // Undo (the toast's action) puts the previous end back.
    await page.getByRole('button', { name: 'Undo' }).last().click();
    await expect.poll(async () => (await project()).segmentList[0].end, SLOW).toBe(moved);
    // Keyboard: ← moves the edge 10 ms earlier; Ctrl+Z on the edge undoes it.
    await edge.focus();
    await page.keyboard.press('ArrowLeft');
    await expect.poll(async () => (await project()).segmentList[0].end, SLOW).toBeCloseTo(moved - 0.01, 6);
    await expect
      .poll(() => edge.getAttribute('aria-valuenow'), SLOW)
      .toBe(String(Math.round((moved - 0.01) * 1000) / 1000));
    await page.keyboard.press('Control+z');
    await expect.poll(async () => (await project()).segmentList[0].end, SLOW).toBe(moved);
    // The slot changed, so the take is stale until regenerated; put the original end back for the export.
    expect((await project()).segmentList[0].stale).toBe(true);
    await rpc('dub.updateSegment', { segmentId: first.id, end: first.end });
    await expect.poll(async () => (await project()).segmentList[0].stale, SLOW).toBe(false);
    await expectAccessible(page, 'dub workspace after edge edits');
  }, 60_000);

  it('exports the dub with the video copied and shows where', async () => {
    await page.getByLabel('Format').selectOption('mkv');
    await page.getByRole('button', { name: 'Export dub' }).click();
    const where = page.getByTestId('dub-export-path');
    await where.waitFor({ timeout: 120_000 });
    const p = await project();
    expect(p.lastExport).not.toBeNull();
    expect(await where.textContent()).toContain(p.lastExport!.path);
    expect(existsSync(p.lastExport!.path)).toBe(true);
    expect(p.lastExport!.videoCopied).toBe(true);
    expect(videoPackets(p.lastExport!.path)).toEqual(videoPackets(video));
    expect(existsSync(p.lastExport!.srtPath!)).toBe(true);
  }, 150_000);
});
