import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import WebSocket from 'ws';
import { createCore, type Core } from '../../main/node/core.js';
import { startWebServer, type WebServer } from '../../main/node/server/web-server.js';
import { encodeWav } from '../../native-models/audio/wav.js';
import { tempDir } from '../helpers/tmp.js';

let core: Core;
let server: WebServer;
let cleanup: () => void;
let staticDir: string;

/** Raw HTTP so that Host and Origin can be forged like a DNS-rebinding or cross-site attacker would. */
function request(opts: {
  path: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port: server.port, path: opts.path, method: opts.method ?? 'GET', headers: opts.headers },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(parts).toString('utf8') }),
        );
      },
    );
    req.on('error', reject);
    if (opts.body) req.write(opts.body);
    req.end();
  });
}

const host = () => `127.0.0.1:${server.port}`;
const rpc = (method: string, params: unknown, headers: Record<string, string> = {}) =>
  request({
    path: '/api/rpc',
    method: 'POST',
    headers: { Host: host(), 'Content-Type': 'application/json', Authorization: `Bearer ${server.token}`, ...headers },
    body: JSON.stringify({ method, params }),
  });

beforeAll(async () => {
  const t = tempDir();
  cleanup = t.cleanup;
  staticDir = path.join(t.dir, 'static');
  mkdirSync(staticDir);
  writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><title>Timbre</title>');
  core = await createCore({ dataDir: path.join(t.dir, 'data'), transport: 'web', version: '0.0.0-test' });
  server = await startWebServer({ core, staticDir });
});
afterAll(async () => {
  await server.close();
  await core.close();
  cleanup();
});

describe('web mode security', () => {
  it('binds to 127.0.0.1 and prints a studio URL with the token in the fragment', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.studioUrl).toBe(`${server.url}/#token=${server.token}`);
    expect(server.token.length).toBeGreaterThanOrEqual(32);
  });

  it('answers 401 to every /api request without the right token, before routing', async () => {
    for (const p of ['/api/rpc', '/api/does-not-exist', '/api/media/takes/x.wav']) {
      const r = await request({
        path: p,
        method: 'POST',
        headers: { Host: host(), 'Content-Type': 'application/json' },
        body: '{}',
      });
      expect(r.status, p).toBe(401);
      expect(JSON.parse(r.body).error.code).toBe('UNAUTHORIZED');
    }
    const wrong = await rpc('projects.list', {}, { Authorization: 'Bearer nope' });
    expect(wrong.status).toBe(401);
    // The token with its last character changed (to another one: a token ending in "x" once made this the token).
    const last = server.token.slice(-1) === 'x' ? 'y' : 'x';
    const almost = await rpc('projects.list', {}, { Authorization: `Bearer ${server.token.slice(0, -1)}${last}` });
    expect(almost.status).toBe(401);
  });

  it('refuses a foreign Host (DNS rebinding) with 421, even with the token', async () => {
    const r = await rpc('projects.list', {}, { Host: `evil.example:${server.port}` });
    expect(r.status).toBe(421);
    const page = await request({ path: '/', headers: { Host: 'attacker.test' } });
    expect(page.status).toBe(421);
  });

  it('refuses a foreign Origin (cross-site page) with 403, even with the token', async () => {
    const r = await rpc('projects.list', {}, { Origin: 'https://evil.example' });
    expect(r.status).toBe(403);
    expect(JSON.parse(r.body).error.code).toBe('FORBIDDEN');
    const ok = await rpc('projects.list', {}, { Origin: `http://127.0.0.1:${server.port}` });
    expect(ok.status).toBe(200);
  });

  it('answers schema-invalid calls with a typed INVALID_INPUT error naming the field', async () => {
    const r = await rpc('projects.create', { name: 42 });
    expect(r.status).toBe(400);
    const body = JSON.parse(r.body);
    expect(body.ok).toBe(false);
    expect(body.error.code).toBe('INVALID_INPUT');
    expect(body.error.details.issues[0].path).toBe('name');
    const unknown = await rpc('projects.explode', {});
    expect(JSON.parse(unknown.body).error.code).toBe('UNKNOWN_METHOD');
    const extra = await rpc('projects.create', { name: 'x', admin: true });
    expect(JSON.parse(extra.body).error.code).toBe('INVALID_INPUT');
    const notJson = await request({
      path: '/api/rpc',
      method: 'POST',
      body: '{nope',
      headers: { Host: host(), 'Content-Type': 'application/json', Authorization: `Bearer ${server.token}` },
    });
    expect(notJson.status).toBe(400);
    const form = await request({
      path: '/api/rpc',
      method: 'POST',
      body: 'method=projects.list',
      headers: {
        Host: host(),
        'Content-Type': 'application/x-www-form-urlencoded',
        Authorization: `Bearer ${server.token}`,
      },
    });
    expect(form.status).toBe(415);
  });

  it('serves the studio page with a CSP and no CORS headers', async () => {
    const r = await request({ path: '/', headers: { Host: host() } });
    expect(r.status).toBe(200);
    expect(r.headers['content-security-policy']).toMatch(/default-src 'self'/);
    expect(r.headers['access-control-allow-origin']).toBeUndefined();
    const traversal = await request({ path: '/..%2f..%2fetc/passwd.txt', headers: { Host: host() } });
    expect(traversal.status).toBe(404);
  });

  it('WebSocket events need the token and an allowed Origin', async () => {
    const open = (url: string, origin?: string) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(url, { headers: origin ? { Origin: origin } : {} });
        ws.on('open', () => {
          ws.close();
          resolve(101);
        });
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.on('error', () => resolve(-1));
      });
    const base = `ws://127.0.0.1:${server.port}/api/events`;
    expect(await open(base)).toBe(401);
    expect(await open(`${base}?token=${server.token}`, 'https://evil.example')).toBe(403);
    expect(await open(`${base}?token=${server.token}`, `http://127.0.0.1:${server.port}`)).toBe(101);
  });
});

describe('web mode API', () => {
  it('round-trips a project over RPC and pushes events over the WebSocket', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api/events?token=${server.token}`);
    await new Promise((r) => ws.on('open', r));
    const events: { event: string; payload: { projectId?: string } }[] = [];
    ws.on('message', (m) => events.push(JSON.parse(m.toString())));
    const created = JSON.parse((await rpc('projects.create', { name: '  Morning show  ' })).body);
    expect(created.ok).toBe(true);
    expect(created.result.name).toBe('Morning show');
    const line = JSON.parse((await rpc('lines.add', { projectId: created.result.id, text: 'Hello' })).body).result;
    expect(line.position).toBe(0);
    await new Promise((r) => setTimeout(r, 100));
    expect(events.map((e) => e.event)).toEqual(expect.arrayContaining(['projects.changed', 'project.changed']));
    ws.close();
    const del = JSON.parse((await rpc('projects.delete', { id: created.result.id })).body);
    expect(del).toEqual({ ok: true, result: { deleted: true } });
    const gone = await rpc('lines.update', { id: line.id, text: 'edit after delete' });
    expect(gone.status).toBe(404);
    expect(JSON.parse(gone.body).error.message).toMatch(/does not exist/);
  });

  it('refuses lines over the length limit and accepts one at the limit', async () => {
    const p = JSON.parse((await rpc('projects.create', { name: 'Limits' })).body).result;
    const long = await rpc('lines.add', { projectId: p.id, text: 'a'.repeat(100_000) });
    expect(long.status).toBe(400);
    expect(JSON.parse(long.body).error.message).toMatch(/at most 10,000 characters/);
    const atLimit = await rpc('lines.add', { projectId: p.id, text: 'a'.repeat(10_000) });
    expect(atLimit.status).toBe(200);
    const empty = await rpc('jobs.generate', {
      projectId: p.id,
      lineIds: [JSON.parse((await rpc('lines.add', { projectId: p.id })).body).result.id],
    });
    expect(JSON.parse(empty.body).error.code).toBe('UNSUPPORTED_TEXT');
  });

  it('serves take audio with Range support', async () => {
    const p = core.repos.projects.create('Media');
    const l = core.repos.lines.add(p.id, 'x');
    const wav = encodeWav(new Float32Array(2205).fill(0.25), 22050);
    mkdirSync(path.join(core.layout.takes, p.id), { recursive: true });
    writeFileSync(path.join(core.layout.takes, p.id, 'tk_media.wav'), wav);
    core.repos.takes.insert({
      id: 'tk_media',
      line_id: l.id,
      project_id: p.id,
      file: path.join(p.id, 'tk_media.wav'),
      engine_id: 'espeak',
      voice_id: 'espeak:en',
      text: 'x',
      sample_rate: 22050,
      duration_ms: 100,
      settings: '{}',
    });
    const full = await request({
      path: `/api/media/takes/tk_media.wav?token=${server.token}`,
      headers: { Host: host() },
    });
    expect(full.status).toBe(200);
    expect(full.headers['content-type']).toBe('audio/wav');
    expect(Number(full.headers['content-length'])).toBe(wav.length);
    const part = await request({
      path: `/api/media/takes/tk_media.wav?token=${server.token}`,
      headers: { Host: host(), Range: 'bytes=0-3' },
    });
    expect(part.status).toBe(206);
    expect(part.body).toBe('RIFF');
    expect(part.headers['content-range']).toBe(`bytes 0-3/${wav.length}`);
    const missing = await request({
      path: `/api/media/takes/tk_nope.wav?token=${server.token}`,
      headers: { Host: host() },
    });
    expect(missing.status).toBe(404);
    // The file went away after the take was looked up (takes deleted, an older mix revision swept): a clear 404,
    // and the server keeps serving (a read stream's 'error' used to be unhandled).
    rmSync(path.join(core.layout.takes, p.id, 'tk_media.wav'));
    const gone = await request({
      path: `/api/media/takes/tk_media.wav?token=${server.token}`,
      headers: { Host: host(), Range: 'bytes=0-3' },
    });
    expect(gone.status).toBe(404);
    const alive = await request({
      path: `/api/media/takes/tk_nope.wav?token=${server.token}`,
      headers: { Host: host() },
    });
    expect(alive.status).toBe(404);
  });
});
