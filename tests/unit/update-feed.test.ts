/**
 * Updates against a real local HTTP feed (issue #13): electron-updater's own AppUpdater (in plain Node, through
 * NodeFeedUpdater) driven by Timbre's updater, reading `latest.yml` / `beta.yml` and downloading an installer the test
 * generates. Channel choice, policy (off / channel fixed / feed fixed), staged rollout against the persisted
 * per-install id, no downgrade, the sha512 check of the download, and the privacy ledger entry of every request.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LedgerDetail, LedgerKind, PolicyInfo, UpdateChannel, UpdatesInfo } from '../../preload/contract/index.js';
import { createCore } from '../../main/node/core.js';
import { NodeFeedUpdater, nodeFeedUpdateService } from '../../main/node/updates/feed-updater.js';
import { desktopOnlyUpdates } from '../../main/node/updates/update-service.js';
import { createUpdater, updateSettings, type UpdateStatus } from '../../main/node/updates/updater.js';
import type { UpdateWhy } from '../../main/node/updates/update-http.js';

interface Release {
  version: string;
  file: string;
  bytes: Buffer;
  /** What the yml says the sha512 is (defaults to the real one). */
  sha512?: string;
  stagingPercentage?: number;
}

interface Feed {
  url: string;
  host: string;
  requests: { path: string; headers: http.IncomingHttpHeaders }[];
  channels: Map<string, Release>;
  /** Bytes served instead of a release's own (a tampered mirror). */
  tampered: Map<string, Buffer>;
  close(): Promise<void>;
}

const sha512 = (b: Buffer) => createHash('sha512').update(b).digest('base64');

function yml(r: Release): string {
  const sum = r.sha512 ?? sha512(r.bytes);
  return [
    `version: ${r.version}`,
    'files:',
    `  - url: ${r.file}`,
    `    sha512: ${sum}`,
    `    size: ${r.bytes.length}`,
    `path: ${r.file}`,
    `sha512: ${sum}`,
    "releaseDate: '2026-12-01T10:00:00.000Z'",
    ...(r.stagingPercentage !== undefined ? [`stagingPercentage: ${r.stagingPercentage}`] : []),
    '',
  ].join('\n');
}

/** A generic-provider feed: `<channel>.yml` and the installers, over a real socket. */
async function startFeed(): Promise<Feed> {
  const channels = new Map<string, Release>();
  const tampered = new Map<string, Buffer>();
  const requests: Feed['requests'] = [];
  const server = http.createServer((req, res) => {
    const p = new URL(req.url ?? '/', 'http://x').pathname;
    requests.push({ path: p, headers: req.headers });
    const name = p.replace(/^\/feed\//, '');
    const channel = channels.get(name.replace(/\.yml$/, ''));
    if (name.endsWith('.yml') && channel) {
      res.writeHead(200, { 'content-type': 'text/yaml' }).end(yml(channel));
      return;
    }
    const release = [...channels.values()].find((r) => r.file === name);
    if (release) {
      const body = tampered.get(name) ?? release.bytes;
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length }).end(body);
      return;
    }
    res.writeHead(404).end('not found');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/feed/`,
    host: `127.0.0.1:${port}`,
    requests,
    channels,
    tampered,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

const stable: Release = { version: '1.2.0', file: 'Timbre-1.2.0-win-x64.exe', bytes: randomBytes(300_000) };
const beta: Release = { version: '1.3.0-beta.1', file: 'Timbre-1.3.0-beta.1-win-x64.exe', bytes: randomBytes(200_000) };

let feed: Feed;
let other: Feed;
let dirs: string[] = [];

beforeAll(async () => {
  feed = await startFeed();
  other = await startFeed();
});
afterAll(async () => {
  await feed.close();
  await other.close();
});
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
  feed.requests.length = 0;
  other.requests.length = 0;
  feed.channels.clear();
  feed.tampered.clear();
  other.channels.clear();
});

interface Setup {
  version?: string;
  policy?: PolicyInfo;
  userChannel?: UpdateChannel;
  /** The per-install staging id already on disk. */
  stagingId?: string;
  env?: NodeJS.ProcessEnv;
}

/** Timbre's updater over electron-updater's AppUpdater, wired as the desktop shell wires it. */
function setup(o: Setup = {}) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'timbre-upd-'));
  dirs.push(dir);
  const userData = path.join(dir, 'data');
  const cacheDir = path.join(dir, 'cache');
  if (o.stagingId) {
    rmSync(userData, { recursive: true, force: true });
    mkdirSync(userData, { recursive: true });
    writeFileSync(path.join(userData, '.updaterId'), o.stagingId);
  }
  const ledger: { kind: LedgerKind; detail: LedgerDetail }[] = [];
  const settings = updateSettings(o.policy ?? { source: null, policy: {} }, o.env ?? {}, o.userChannel);
  const purpose = { why: 'update check' as UpdateWhy };
  const engine = settings.enabled
    ? new NodeFeedUpdater({
        version: o.version ?? '1.0.0',
        userDataPath: userData,
        cacheDir,
        feedUrl: feed.url,
        ledger: { record: (kind, detail = {}) => void ledger.push({ kind, detail }) },
        why: () => purpose.why,
        platform: 'win32',
      })
    : null;
  const updater = createUpdater({
    engine,
    disabledReason: settings.disabledReason ?? undefined,
    disabledByPolicy: settings.byPolicy,
    channel: settings.channel,
    feedUrl: settings.feedUrl,
    autoCheckEnabled: () => false,
    onNetwork: (why) => (purpose.why = why),
  });
  const seen: UpdateStatus[] = [];
  updater.onStatus((s) => seen.push(s));
  return { updater, ledger, seen, userData, cacheDir, settings };
}

/** A valid UUID whose last four bytes (what electron-updater's rollout reads) are `tail` (8 hex digits). */
const stagingId = (tail: string) => `6f1c2a3b-4d5e-4f60-8a1b-2c3d${tail}`;

describe('update checks against a local feed', () => {
  it('reads latest.yml on the stable channel and beta.yml on beta, only when asked', async () => {
    feed.channels.set('latest', stable);
    feed.channels.set('beta', beta);

    const s = setup();
    await s.updater.start(); // automatic checks are off: nothing is asked
    expect(feed.requests).toEqual([]);
    expect(await s.updater.checkForUpdates()).toMatchObject({ state: 'available', version: '1.2.0' });
    expect(feed.requests.map((r) => r.path)).toEqual(['/feed/latest.yml']);

    feed.requests.length = 0;
    const b = setup({ userChannel: 'beta' });
    expect(await b.updater.checkForUpdates()).toMatchObject({ state: 'available', version: '1.3.0-beta.1' });
    expect(feed.requests.map((r) => r.path)).toEqual(['/feed/beta.yml']);
  });

  it('never offers the same or an older version, on either channel (no downgrade)', async () => {
    feed.channels.set('latest', stable);
    feed.channels.set('beta', stable); // a stable release written to beta.yml too (generateUpdatesFilesForAllChannels)
    expect(await setup({ version: '1.2.0' }).updater.checkForUpdates()).toEqual({
      state: 'not-available',
      version: '1.2.0',
    });
    expect(await setup({ version: '1.2.1' }).updater.checkForUpdates()).toEqual({
      state: 'not-available',
      version: '1.2.0',
    });
    // electron-updater's channel setter allows downgrades; Timbre turns that off again: a beta user on a newer
    // beta is not sent back to the older stable release.
    expect(await setup({ version: '1.3.0-beta.1', userChannel: 'beta' }).updater.checkForUpdates()).toEqual({
      state: 'not-available',
      version: '1.2.0',
    });
    // ...but a beta user behind the stable release gets it.
    expect(await setup({ version: '1.2.0-beta.3', userChannel: 'beta' }).updater.checkForUpdates()).toMatchObject({
      state: 'available',
      version: '1.2.0',
    });
  });

  it('a staged rollout offers the update to the share of installs whose persisted id falls under the percentage', async () => {
    // electron-updater: the id's last 4 bytes / 0xffffffff < stagingPercentage / 100.
    feed.channels.set('latest', { ...stable, stagingPercentage: 30 });
    const low = stagingId('10000000'); // 0.0625
    const mid = stagingId('80000000'); // 0.5
    expect(await setup({ stagingId: low }).updater.checkForUpdates()).toMatchObject({ state: 'available' });
    expect(await setup({ stagingId: mid }).updater.checkForUpdates()).toEqual({
      state: 'not-available',
      version: '1.2.0',
    });
    feed.channels.set('latest', { ...stable, stagingPercentage: 60 });
    expect(await setup({ stagingId: mid }).updater.checkForUpdates()).toMatchObject({ state: 'available' });
    feed.channels.set('latest', { ...stable, stagingPercentage: 0 });
    expect(await setup({ stagingId: low }).updater.checkForUpdates()).toMatchObject({ state: 'not-available' });

    // A fresh install makes its id once and keeps it (the same install gets the same answer next time).
    feed.channels.set('latest', { ...stable, stagingPercentage: 50 });
    const fresh = setup();
    const first = await fresh.updater.checkForUpdates();
    const id = readFileSync(path.join(fresh.userData, '.updaterId'), 'utf8');
    expect(id).toMatch(/^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/);
    const within = parseInt(id.slice(-8), 16) / 0xffffffff < 0.5;
    expect(first.state).toBe(within ? 'available' : 'not-available');
    const again = await setup({ stagingId: id }).updater.checkForUpdates();
    expect(again.state).toBe(first.state);

    // The id is never sent: the decision is made here, the server cannot count or follow installs.
    expect(feed.requests.length).toBeGreaterThan(0);
    for (const r of feed.requests) expect(r.headers['x-user-staging-id']).toBeUndefined();
  });

  it('downloads the installer only when asked, verified against the sha512 of the channel file', async () => {
    feed.channels.set('latest', stable);
    const s = setup();
    await s.updater.checkForUpdates();
    expect(feed.requests.map((r) => r.path)).toEqual(['/feed/latest.yml']); // no automatic download
    const done = await s.updater.downloadUpdate();
    expect(done).toEqual({ state: 'downloaded', version: '1.2.0' });
    expect(s.seen.map((x) => x.state)).toEqual(['checking', 'available', 'downloading', 'downloading', 'downloaded']);
    const pending = path.join(s.cacheDir, 'timbre-updater', 'pending');
    expect(readFileSync(path.join(pending, stable.file)).equals(stable.bytes)).toBe(true);
  });

  it('refuses a tampered installer with a clear error and keeps nothing of it', async () => {
    feed.channels.set('latest', stable);
    const evil = Buffer.from(stable.bytes);
    evil[1000] ^= 0xff;
    feed.tampered.set(stable.file, evil);
    const s = setup();
    await s.updater.checkForUpdates();
    const r = await s.updater.downloadUpdate();
    expect(r.state).toBe('error');
    expect((r as { message: string }).message).toMatch(
      /does not match the checksum \(sha512\) published with it: it was not installed/,
    );
    const pending = path.join(s.cacheDir, 'timbre-updater', 'pending');
    expect(existsSync(pending) ? readdirSync(pending) : []).toEqual([]);
    s.updater.quitAndInstall(); // nothing downloaded: nothing to install
    expect(s.updater.status.state).toBe('error');
  });

  it('the policy wins: updates off makes no request at all; a fixed channel and feed replace the user choice', async () => {
    feed.channels.set('latest', stable);
    feed.channels.set('beta', beta);
    const off = setup({ policy: { source: '/etc/timbre/policy.json', policy: { updates: { enabled: false } } } });
    expect(off.settings.byPolicy).toBe(true);
    expect(await off.updater.checkForUpdates()).toEqual({
      state: 'disabled',
      byPolicy: true,
      reason:
        'Updates are turned off: set by your organization (policy /etc/timbre/policy.json). Your organization installs new versions.',
    });
    expect(await off.updater.downloadUpdate()).toMatchObject({ state: 'disabled' });
    expect(feed.requests).toEqual([]);
    expect(off.ledger).toEqual([]);

    const env = setup({ env: { TIMBRE_DISABLE_UPDATES: '1' } });
    expect(await env.updater.checkForUpdates()).toMatchObject({ state: 'disabled', byPolicy: true });

    // Channel fixed to stable although the user chose beta.
    const fixed = setup({
      userChannel: 'beta',
      policy: { source: '/p.json', policy: { updates: { enabled: true, channel: 'stable' } } },
    });
    expect(fixed.settings).toMatchObject({ channel: 'stable', channelFixed: true, policySource: '/p.json' });
    expect(await fixed.updater.checkForUpdates()).toMatchObject({ version: '1.2.0' });

    // Feed fixed: the organisation's internal feed is asked, the built-in one never.
    feed.requests.length = 0;
    other.channels.set('latest', { ...stable, version: '1.4.0' });
    const internal = setup({
      policy: { source: '/p.json', policy: { updates: { enabled: true, feedUrl: other.url } } },
    });
    expect(await internal.updater.checkForUpdates()).toMatchObject({ state: 'available', version: '1.4.0' });
    expect(other.requests.map((r) => r.path)).toEqual(['/feed/latest.yml']);
    expect(feed.requests).toEqual([]);
    expect(internal.ledger.map((e) => e.detail.host)).toEqual([other.host]);
  });

  it('writes each request to the privacy ledger: host, bytes received, status and why', async () => {
    feed.channels.set('latest', stable);
    const s = setup();
    await s.updater.checkForUpdates();
    await s.updater.downloadUpdate();
    expect(s.ledger).toEqual([
      {
        kind: 'network.request',
        detail: {
          host: feed.host,
          why: 'update check',
          bytes: Buffer.byteLength(yml(stable)),
          status: 200,
          outcome: 'complete',
        },
      },
      {
        kind: 'network.request',
        detail: {
          host: feed.host,
          why: 'update download',
          bytes: stable.bytes.length,
          status: 200,
          outcome: 'complete',
        },
      },
    ]);
    // A missing channel file is an error the user can read, and the request is still in the ledger.
    feed.channels.clear();
    const t = setup();
    const r = await t.updater.checkForUpdates();
    expect(r.state).toBe('error');
    expect(t.ledger.map((e) => e.detail.status)).toEqual([404]);
  });
});

describe('updates over the contract (core.dispatch), with the real privacy ledger', () => {
  it('web mode without a feed: the desktop app handles updates; a policy that turns them off says so', async () => {
    const t = mkdtempSync(path.join(os.tmpdir(), 'timbre-upd-core-'));
    dirs.push(t);
    const core = await createCore({ dataDir: path.join(t, 'data'), transport: 'web', version: '1.0.0' });
    try {
      const r = await core.dispatch('updates.check', {});
      expect(r).toMatchObject({ ok: true, result: { currentVersion: '1.0.0', status: { state: 'unsupported' } } });
      const off = desktopOnlyUpdates(
        updateSettings({ source: '/etc/timbre/policy.json', policy: { updates: { enabled: false } } }, {}),
        '1.0.0',
      );
      core.setUpdates(off);
      expect(await core.dispatch('updates.status', {})).toMatchObject({
        ok: true,
        result: { status: { state: 'disabled', byPolicy: true }, channelFixed: true },
      });
    } finally {
      await core.close();
    }
  });

  it('check, download and the status events go through dispatch; each request lands in the ledger', async () => {
    feed.channels.set('latest-linux', stable);
    feed.channels.set('latest', stable);
    feed.channels.set('latest-mac', stable);
    const t = mkdtempSync(path.join(os.tmpdir(), 'timbre-upd-core-'));
    dirs.push(t);
    const core = await createCore({ dataDir: path.join(t, 'data'), transport: 'web', version: '1.0.0' });
    try {
      core.setUpdates(
        nodeFeedUpdateService({
          dataDir: core.dataDir,
          ledger: core.ledger,
          version: '1.0.0',
          feedUrl: feed.url,
          policy: { source: null, policy: {} },
          env: {},
        }),
      );
      const events: string[] = [];
      core.subscribe((event, payload) => {
        if (event === 'updates.status') events.push((payload as UpdatesInfo).status.state);
      });
      expect(await core.dispatch('updates.check', {})).toMatchObject({
        ok: true,
        result: { status: { state: 'available', version: '1.2.0' }, channel: 'stable', channelFixed: false },
      });
      expect(await core.dispatch('updates.download', {})).toMatchObject({
        ok: true,
        result: { status: { state: 'downloaded', version: '1.2.0' } },
      });
      expect(events).toEqual(['checking', 'available', 'downloading', 'downloading', 'downloaded']);
      const page = core.ledger.page(10, undefined, 'network.request');
      expect(page.entries.map((e) => e.detail).reverse()).toEqual([
        expect.objectContaining({ host: feed.host, why: 'update check', status: 200 }),
        expect.objectContaining({ host: feed.host, why: 'update download', bytes: stable.bytes.length, status: 200 }),
      ]);
      // Installing is the desktop app's: here it is refused in words, and nothing runs.
      const inst = await core.dispatch('updates.install', {});
      expect(inst).toMatchObject({ ok: true, result: { status: { state: 'error' } } });
    } finally {
      await core.close();
    }
  });
});
