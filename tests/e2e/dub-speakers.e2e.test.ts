/**
 * Issue #11, the Dub view's "Find speakers" and "Transcribe" in Chromium against the real `timbre serve`: a WebM this
 * test makes with ffmpeg from two real readers in ../shared/eval (LJ Speech, LibriSpeech 1688) at known times, with
 * SRT cues and no speaker names. With a known count of 2 and the spectral speaker fixture installed
 * (tests/fixtures/speaker-spectral-fixture.ts; see tests/unit/dub-speakers.test.ts for why that fixture), each
 * reader's segments get one label, shown in the segment rows; Transcribe without the ASR pack says which pack to
 * install. Console guard and axe.
 */
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, type Page } from 'playwright-core';
import type { DubProjectDetail } from '../../preload/contract/index.js';
import { makeSpectralSpeakerFixture } from '../fixtures/speaker-spectral-fixture.js';
import { startServer, type ServerProcess } from '../helpers/server-process.js';
import { readersVideo, writeCues, type PlacedReading } from '../helpers/readers-media.js';
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
let projectId: string;

const PLACED: PlacedReading[] = [
  ['A', 1.0, 'lj_LJ001-0001', 0.5, 3.5],
  ['B', 5.5, 'ls_1688-142285-0000', 0.5, 3.5],
  ['A', 10.0, 'lj_LJ001-0003', 0.5, 3.5],
  ['B', 14.5, 'ls_1688-142285-0001', 0.5, 3.5],
  // One cue over A and then B right after (a reply inside one subtitle).
  ['A', 19.0, 'lj_LJ001-0005', 0.5, 3.5],
  ['B', 22.5, 'ls_1688-142285-0000', 5.5, 3.5],
];
const CUES: [number, number][] = [[1, 4.5], [5.5, 9], [10, 13.5], [14.5, 18], [19, 26]]; // prettier-ignore
const LENGTH = 27;

async function rpc<T>(method: string, params: unknown): Promise<T> {
  const r = await server.rpc<T>(method, params);
  if (!r.ok) throw new Error(`${method}: ${r.error.message}`);
  return r.result;
}

beforeAll(async () => {
  ensureBuilt();
  const t = tempDir('timbre-dubspk-e2e-');
  dir = t.dir;
  cleanup = t.cleanup;
  const video = path.join(dir, 'two-readers.webm');
  readersVideo(video, PLACED, LENGTH);
  const srt = path.join(dir, 'two-readers.srt');
  writeCues(srt, CUES);
  server = await startServer(dir);
  projectId = (await rpc<DubProjectDetail>('dub.create', { media: { path: video }, targetSubs: { path: srt } })).id;
  makeSpectralSpeakerFixture(path.join(dir, 'models'));
  browser = await launchChromium();
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

describe('the Dub view: speakers and transcripts', () => {
  it('finds the speakers of a project into a known count and shows them per segment', async () => {
    await page.goto(`${server.url}/#token=${server.token}`);
    await page.getByRole('button', { name: 'Dub', exact: true }).click();
    await page.getByRole('button', { name: 'Open', exact: true }).click();
    await expect.poll(() => page.getByTestId('dub-segment').count(), { timeout: 30_000 }).toBe(5);
    await page.getByLabel('Speakers', { exact: true }).fill('2');
    await page.getByRole('button', { name: 'Find speakers' }).click();
    await page
      .getByText(/Speakers found: Speaker 1 \(\d\), Speaker 2 \(\d\)\..*1 segment\(s\) seem to hold two speakers/)
      .waitFor({ timeout: 60_000 });
    const p = await rpc<DubProjectDetail>('dub.get', { projectId });
    expect(p.segmentList.slice(0, 4).map((s) => s.speaker)).toEqual([
      'Speaker 1',
      'Speaker 2',
      'Speaker 1',
      'Speaker 2',
    ]);
    for (const [i, who] of ['Speaker 1', 'Speaker 2', 'Speaker 1', 'Speaker 2'].entries())
      await expect.poll(() => page.getByLabel(`Speaker of segment ${i + 1}`).inputValue()).toBe(who);
    // The cue over both readers is listed, with where the voice changes; "Go to the change" puts the player there.
    const mixed = page.getByRole('region', { name: 'Segments with two speakers' });
    const item = await mixed.getByRole('listitem').innerText();
    const at = Number(/^Segment 5: Speaker 1, then Speaker 2 from (\d+\.\d) s\./.exec(item)?.[1]);
    expect(Math.abs(at - 22.5), item).toBeLessThanOrEqual(0.8);
    await mixed.getByRole('button', { name: 'Go to the change of speaker in segment 5' }).click();
    await expect
      .poll(() => page.getByTestId('dub-video').evaluate((el: HTMLMediaElement) => el.currentTime))
      .toBeCloseTo(at, 1);
    await expectAccessible(page, 'dub workspace with speakers');
  }, 120_000);

  it('Transcribe without the ASR pack says which pack to install', async () => {
    guard.allow({ url: /\/api\/rpc/, status: 424 }, { text: /424/ });
    await page.getByRole('button', { name: 'Transcribe', exact: true }).click();
    await page.getByText(/"parakeet-ctc-en" model pack/).waitFor({ timeout: 30_000 });
    expect((await rpc<DubProjectDetail>('dub.get', { projectId })).segmentList.length).toBe(5);
  }, 60_000);
});
