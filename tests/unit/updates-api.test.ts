/**
 * Updates over a real `timbre serve` with a local feed (TIMBRE_TEST_UPDATE_FEED): the studio's own calls reach the
 * updater, while no API key, whatever its scope, can make Timbre contact the update server or restart it (#13).
 * A feed URL that is not loopback is refused at start.
 */
import { spawnSync } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startServer, type ServerProcess } from '../helpers/server-process.js';
import { tempDir } from '../helpers/tmp.js';

let server: ServerProcess;
let feed: http.Server;
let feedUrl: string;
const requests: string[] = [];
const t = tempDir();

beforeAll(async () => {
  spawnSync(process.execPath, [path.join(ROOT, 'build/scripts/build.mjs'), '--node', '--if-stale'], {
    stdio: 'ignore',
  });
  feed = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'text/yaml' }).end('version: 0.0.1\nfiles: []\npath: x.bin\nsha512: abc\n');
  });
  await new Promise<void>((r) => feed.listen(0, '127.0.0.1', r));
  feedUrl = `http://127.0.0.1:${(feed.address() as AddressInfo).port}/feed/`;
  server = await startServer(path.join(t.dir, 'data'), { TIMBRE_TEST_UPDATE_FEED: feedUrl });
}, 60_000);

afterAll(async () => {
  server?.proc.kill('SIGTERM');
  await new Promise<void>((r) => feed.close(() => r()));
  t.cleanup();
});

describe('updates and the public API', () => {
  it('API keys cannot check, download or install; the studio can check', async () => {
    const created = await server.rpc<{ key: string }>('apiKeys.create', { name: 'script', scope: 'full' });
    if (!created.ok) throw new Error(created.error.message);
    const v1 = (m: string) =>
      fetch(`${server.url}/v1/rpc/${m}`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${created.result.key}`, 'Content-Type': 'application/json' },
        body: '{}',
      });
    for (const m of ['updates.check', 'updates.download', 'updates.install']) {
      const r = await v1(m);
      expect(r.status, m).toBe(403);
      expect(((await r.json()) as { error: { message: string } }).error.message).toBe(
        `${m} contacts the update server or restarts Timbre: only you decide that, in the app (Settings → Updates or the Help menu), not a script through the API.`,
      );
    }
    expect(requests).toEqual([]);
    const status = await v1('updates.status');
    expect(status.status).toBe(200);
    expect(await status.json()).toMatchObject({ status: { state: 'idle' }, channel: 'stable' });

    // The studio (its own token) checks: one request to the feed, its yml is older than this version.
    const r = await server.rpc<{ status: { state: string } }>('updates.check', {});
    expect(r).toMatchObject({ ok: true, result: { status: { state: 'not-available' } } });
    expect(requests.map((u) => u.split('?')[0])).toEqual([
      `/feed/latest${process.platform === 'win32' ? '' : process.platform === 'darwin' ? '-mac' : '-linux'}.yml`,
    ]);
  });

  it('refuses a test feed that is not on 127.0.0.1', () => {
    const r = spawnSync(
      process.execPath,
      [path.join(ROOT, 'bin', 'timbre.mjs'), '--data-dir', path.join(t.dir, 'd2'), 'serve', '--port', '0'],
      { env: { ...process.env, TIMBRE_TEST_UPDATE_FEED: 'https://updates.example.com/' }, encoding: 'utf8' },
    );
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('TIMBRE_TEST_UPDATE_FEED must be an http://127.0.0.1:PORT/ URL (tests only)');
  });
});
