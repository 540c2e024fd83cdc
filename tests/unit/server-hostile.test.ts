/**
 * Issue #16, server classes: malformed WebSocket frames, malformed request targets and percent-encoding. A real
 * `timbre serve` process is driven over real sockets; after every bad input it must still answer good calls, accept a
 * new WebSocket client, and keep its database intact.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WebSocket } from 'ws';
import { startServer, type ServerProcess } from '../helpers/server-process.js';
import { expectServerAlive, integrityCheck } from '../helpers/hostile.js';

let dataDir: string;
let server: ServerProcess;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'timbre-server-hostile-'));
  server = await startServer(dataDir);
});

afterAll(() => {
  server?.proc.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

const port = () => Number(new URL(server.url).port);

/** A raw TCP connection that has completed the WebSocket handshake on /api/events. */
async function rawWebSocket(): Promise<{ socket: net.Socket; received: () => Buffer; ended: Promise<void> }> {
  const socket = net.connect(port(), '127.0.0.1');
  let buf = Buffer.alloc(0);
  socket.on('data', (d: Buffer) => (buf = Buffer.concat([buf, d])));
  const ended = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  socket.on('error', () => undefined);
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.write(
    `GET /api/events?token=${server.token} HTTP/1.1\r\nHost: 127.0.0.1:${port()}\r\nUpgrade: websocket\r\n` +
      `Connection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  // Wait for the full 101 response head.
  while (!buf.includes('\r\n\r\n')) await new Promise((r) => socket.once('data', r));
  const head = buf.subarray(0, buf.indexOf('\r\n\r\n') + 4).toString();
  expect(head).toMatch(/^HTTP\/1\.1 101/);
  buf = buf.subarray(head.length);
  return { socket, received: () => buf, ended };
}

/** A client frame: masked unless told otherwise; `declared` overrides the length field (64-bit form). */
function frame(firstByte: number, payload: Buffer, opts: { masked?: boolean; declared?: number } = {}): Buffer {
  const masked = opts.masked ?? true;
  const len = opts.declared ?? payload.length;
  const header: number[] = [firstByte];
  if (opts.declared !== undefined || len > 0xffff) {
    header.push((masked ? 0x80 : 0) | 127);
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(BigInt(len));
    header.push(...b);
  } else if (len > 125) {
    header.push((masked ? 0x80 : 0) | 126, len >> 8, len & 0xff);
  } else header.push((masked ? 0x80 : 0) | len);
  if (!masked) return Buffer.concat([Buffer.from(header), payload]);
  const key = randomBytes(4);
  const body = Buffer.from(payload.map((x, i) => x ^ key[i % 4]));
  return Buffer.concat([Buffer.from(header), key, body]);
}

/** A new client connects with the ws library and receives an event the server broadcasts. */
async function expectNewClientGetsEvents(): Promise<void> {
  const ws = new WebSocket(`ws://127.0.0.1:${port()}/api/events?token=${server.token}`);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const got = new Promise<string>((resolve) => ws.once('message', (d) => resolve(String(d))));
  const created = await server.rpc('projects.create', { name: 'after a bad frame' });
  expect(created.ok).toBe(true);
  expect(JSON.parse(await got)).toMatchObject({ event: 'projects.changed' });
  ws.close();
}

const BAD_FRAMES: Array<[string, () => Buffer, number]> = [
  ['an unmasked frame', () => frame(0x81, Buffer.from('hello'), { masked: false }), 1002],
  ['a reserved opcode (0x3)', () => frame(0x83, Buffer.from('x')), 1002],
  ['RSV1 set without an extension', () => frame(0xc1, Buffer.from('hello')), 1002],
  ['invalid UTF-8 text', () => frame(0x81, Buffer.from([0xc3, 0x28, 0xff, 0xfe])), 1007],
  ['a frame declaring a 10 MB payload', () => frame(0x82, randomBytes(1024), { declared: 10 * 1024 * 1024 }), 1009],
];

describe('malformed WebSocket frames on /api/events', () => {
  for (const [name, make, code] of BAD_FRAMES) {
    it(`${name}: that connection is closed (${code}); the server keeps answering`, async () => {
      const { socket, received, ended } = await rawWebSocket();
      socket.write(make());
      await ended; // the server closes the connection (it does not wait for our close frame)
      const data = received();
      // The server's close frame: FIN + opcode 8, unmasked, status code first in the payload.
      expect(data[0]).toBe(0x88);
      expect(data.readUInt16BE(2)).toBe(code);
      await expectServerAlive(server);
      await expectNewClientGetsEvents();
    });
  }

  it('a client that keeps sending frames after a bad one cannot take the server down', async () => {
    const { socket, ended } = await rawWebSocket();
    socket.write(Buffer.concat([frame(0x83, Buffer.from('x')), frame(0x81, Buffer.from([0xff])), randomBytes(4096)]));
    await ended;
    await expectServerAlive(server);
  });

  it('a connection reset in the middle of the handshake leaves the server up', async () => {
    const socket = net.connect(port(), '127.0.0.1');
    socket.on('error', () => undefined);
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(
      `GET /api/events?token=${server.token} HTTP/1.1\r\nHost: 127.0.0.1:${port()}\r\nUpgrade: websocket\r\n`,
    );
    socket.resetAndDestroy();
    await expectServerAlive(server);
  });
});

/** Sends a raw HTTP/1.1 request line and returns the status code. */
async function rawStatus(target: string, extraHeaders = ''): Promise<{ status: number; body: string }> {
  const socket = net.connect(port(), '127.0.0.1');
  socket.on('error', () => undefined);
  let buf = '';
  socket.on('data', (d: Buffer) => (buf += d.toString()));
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.end(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port()}\r\nConnection: close\r\n${extraHeaders}\r\n`);
  await new Promise<void>((resolve) => socket.on('close', () => resolve()));
  const m = /^HTTP\/1\.1 (\d{3})/.exec(buf);
  return { status: m ? Number(m[1]) : 0, body: buf.slice(buf.indexOf('\r\n\r\n') + 4) };
}

describe('malformed request targets', () => {
  it.each(['/%E0%A4%A', '/assets/%ZZ.js', '/%', '/x%C0%80.css', '/%ED%A0%80.js'])(
    'static path with bad percent-encoding %s → 400 with a plain message',
    async (target) => {
      const r = await rawStatus(target);
      expect(r.status).toBe(400);
      expect(JSON.parse(r.body)).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
      expect(r.body).toMatch(/percent-encoding/);
      await expectServerAlive(server);
    },
  );

  it('a NUL byte in a static path → 400', async () => {
    const r = await rawStatus('/a%00.js');
    expect(r.status).toBe(400);
  });

  it('a request target that is not a valid URL → 400, over HTTP and on the upgrade path', async () => {
    expect((await rawStatus('//a b')).status).toBe(400);
    const up = await rawStatus(
      '//x:99999/api/events',
      `Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n`,
    );
    expect(up.status).toBe(400);
    await expectServerAlive(server);
  });

  it('bad JSON bodies and bad Range headers on media get 4xx, never a crash', async () => {
    const post = (body: string) =>
      fetch(`${server.url}/api/rpc`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${server.token}` },
        body,
      });
    for (const body of ['{', '[]', 'null', '"x"', '{"method":"app.info","params":[1]}', '{"__proto__":{"x":1}}'])
      expect((await post(body)).status).toBeGreaterThanOrEqual(400);
    const media = await rawStatus(
      `/api/media/takes/nope.wav?token=${server.token}`,
      'Range: bytes=99999999999999999999-\r\n',
    );
    expect(media.status).toBe(404);
    await expectServerAlive(server);
  });

  it('the database stays intact after all of the above', async () => {
    await expectServerAlive(server);
    expect(integrityCheck(dataDir)).toBe('ok');
  });
});
