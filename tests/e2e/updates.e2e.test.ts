/**
 * End-to-end (issue #13): Settings → Updates in Chromium against `timbre serve` given a real local update feed
 * (TIMBRE_TEST_UPDATE_FEED): electron-updater's own check and download run in the server. Check → available →
 * download with progress → "Restart to update"; and under a policy that turns updates off, the disabled button with
 * its "Set by your organization" note, with no request to the feed; plain web mode says the desktop app updates.
 */
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, type Page } from 'playwright-core';
import { startServer, type ServerProcess } from '../helpers/server-process.js';
import { tempDir } from '../helpers/tmp.js';
import { expectAccessible } from './axe.js';
import { guardPage, type PageGuard } from './console-guard.js';
import { launchChromium } from './launch.js';

const VERSION = '99.0.0';
const FILE = `Timbre-${VERSION}-linux-x86_64.AppImage`;
const artifact = randomBytes(1024 * 1024);
const sha512 = createHash('sha512').update(artifact).digest('base64');
const CHUNK = 16 * 1024;

/** The feed: channel files for every platform name, and the installer trickled until the test releases it. */
let feed: http.Server;
let feedUrl: string;
const requests: string[] = [];
let release: () => void = () => undefined;
const released = new Promise<void>((r) => (release = r));

let browser: Browser;
let cleanup: () => void;
const servers: ServerProcess[] = [];

beforeAll(async () => {
  const t = tempDir();
  cleanup = t.cleanup;
  feed = http.createServer((req, res) => {
    const p = new URL(req.url ?? '/', 'http://x').pathname;
    requests.push(p);
    if (/^\/feed\/latest(-linux|-mac)?\.yml$/.test(p)) {
      res
        .writeHead(200, { 'content-type': 'text/yaml' })
        .end(
          `version: ${VERSION}\nfiles:\n  - url: ${FILE}\n    sha512: ${sha512}\n    size: ${artifact.length}\n` +
            `path: ${FILE}\nsha512: ${sha512}\nreleaseDate: '2026-12-01T10:00:00.000Z'\n`,
        );
      return;
    }
    if (p === `/feed/${FILE}`) {
      // A slow network: small chunks until the test has seen the progress, then the rest at once.
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': artifact.length });
      let sent = 0;
      let done = false;
      void released.then(() => {
        done = true;
        res.end(artifact.subarray(sent));
      });
      const tick = () => {
        if (done || sent + CHUNK >= artifact.length / 2) return;
        res.write(artifact.subarray(sent, sent + CHUNK));
        sent += CHUNK;
        setTimeout(tick, 100);
      };
      tick();
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => feed.listen(0, '127.0.0.1', r));
  feedUrl = `http://127.0.0.1:${(feed.address() as AddressInfo).port}/feed/`;
  browser = await launchChromium();
  servers.push(await startServer(path.join(t.dir, 'data'), { TIMBRE_TEST_UPDATE_FEED: feedUrl }));
  const policy = path.join(t.dir, 'policy.json');
  writeFileSync(policy, JSON.stringify({ updates: { enabled: false } }));
  servers.push(
    await startServer(path.join(t.dir, 'data-managed'), {
      TIMBRE_TEST_UPDATE_FEED: feedUrl,
      TIMBRE_POLICY_FILE: policy,
    }),
  );
  servers.push(await startServer(path.join(t.dir, 'data-plain')));
}, 90_000);

afterAll(async () => {
  release();
  await browser?.close();
  for (const s of servers) s.proc.kill('SIGTERM');
  await new Promise<void>((r) => (feed ? feed.close(() => r()) : r()));
  cleanup?.();
});

let guard: PageGuard | null = null;
afterEach(() => guard?.expectClean());

async function openSettings(server: ServerProcess): Promise<Page> {
  // axe is injected as a <script>, which the page's CSP rightly refuses: this page bypasses it (the app is the same).
  const page = await (await browser.newContext({ bypassCSP: true })).newPage();
  guard = guardPage(page);
  await page.goto(`${server.url}/#token=${server.token}`);
  await page
    .getByRole('link', { name: 'Settings' })
    .or(page.getByRole('button', { name: 'Settings' }))
    .first()
    .click();
  return page;
}

describe('Settings → Updates', () => {
  it('check → available → download with progress → Restart to update', async () => {
    const page = await openSettings(servers[0]!);
    const panel = page.getByRole('region', { name: 'Updates' });
    await panel.getByRole('button', { name: 'Check for updates' }).click();
    await panel.getByText(`Timbre ${VERSION} is available.`).waitFor();
    expect(requests).toEqual(['/feed/latest-linux.yml']);
    await expectAccessible(page, 'Updates: available');

    await panel.getByRole('button', { name: `Download ${VERSION}` }).click();
    const bar = panel.getByRole('progressbar', { name: 'Update download' });
    // electron-updater reports progress once a second: wait for a value between 0 and 100 (not a timer).
    await page.waitForFunction(
      () => {
        const v = Number(document.querySelector('.updates-panel [role="progressbar"]')?.getAttribute('aria-valuenow'));
        return v > 0 && v < 100;
      },
      undefined,
      { timeout: 20_000 },
    );
    await expect(bar.isVisible()).resolves.toBe(true);
    await expect(panel.getByText(/^Downloading the update: \d+%$/).isVisible()).resolves.toBe(true);
    await expectAccessible(page, 'Updates: downloading');
    release();

    const restart = panel.getByRole('button', { name: 'Restart to update' });
    await restart.waitFor();
    await expect(restart.isEnabled()).resolves.toBe(true);
    await expect(
      panel.getByText(`Timbre ${VERSION} is downloaded and verified. It installs when Timbre restarts.`).isVisible(),
    ).resolves.toBe(true);
    expect(requests).toEqual(['/feed/latest-linux.yml', `/feed/${FILE}`]);
    await expectAccessible(page, 'Updates: downloaded');

    // Both requests are in the privacy ledger, with host, bytes and why.
    const ledger = await servers[0]!.rpc<{ entries: { detail: Record<string, unknown> }[] }>('privacy.ledger', {
      limit: 10,
      kind: 'network.request',
    });
    expect(ledger.ok && ledger.result.entries.map((e) => [e.detail.why, e.detail.bytes]).reverse()).toEqual([
      ['update check', expect.any(Number)],
      ['update download', artifact.length],
    ]);
    await page.context().close();
  }, 60_000);

  it('a policy that turns updates off: the button is disabled with "Set by your organization", nothing is asked', async () => {
    const before = requests.length;
    const page = await openSettings(servers[1]!);
    const panel = page.getByRole('region', { name: 'Updates' });
    const check = panel.getByRole('button', { name: 'Check for updates' });
    await check.waitFor();
    await expect(check.isDisabled()).resolves.toBe(true);
    const note = await check.getAttribute('aria-describedby');
    await expect(panel.locator(`#${note}`).textContent()).resolves.toBe('Set by your organization');
    await expect(
      panel.getByText('Updates are turned off: your organization installs new versions.').isVisible(),
    ).resolves.toBe(true);
    const r = await servers[1]!.rpc('updates.check', {});
    expect(r).toMatchObject({ ok: true, result: { status: { state: 'disabled', byPolicy: true } } });
    expect(requests.length).toBe(before);
    await expectAccessible(page, 'Updates: off by policy');
    await page.context().close();
  }, 60_000);

  it('web mode without a feed says the desktop app handles updates, with no button', async () => {
    const page = await openSettings(servers[2]!);
    const panel = page.getByRole('region', { name: 'Updates' });
    await panel.getByText(/^Updates are handled by the desktop app\./).waitFor();
    await expect(panel.getByRole('button').count()).resolves.toBe(0);
    await expectAccessible(page, 'Updates: web mode');
    await page.context().close();
  }, 60_000);
});
