/**
 * Dubbing media uploaded from the browser (web mode, `PUT /api/uploads?kind=dub-media`) on a real `timbre serve`:
 * the upload streams to disk as it arrives, so the server's memory does not grow with the video's size; a real
 * video uploaded in chunks becomes a project whose copy is byte-identical; an upload cut off part-way or declared
 * over the cap keeps nothing.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type ServerProcess } from '../helpers/server-process.js';

let server: ServerProcess;
let dir: string;
let data: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'timbre-dub-upload-'));
  data = path.join(dir, 'data');
  server = await startServer(data);
}, 60_000);

afterAll(async () => {
  if (server && server.proc.exitCode === null) {
    server.proc.kill('SIGTERM');
    await new Promise((r) => server.proc.once('exit', r));
  }
  rmSync(dir, { recursive: true, force: true });
});

/** Peak resident memory (VmHWM) of the server process, in MiB. */
function peakRssMb(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${server.proc.pid}/status`, 'utf8'));
  return Number(m![1]) / 1024;
}

const uploadsDir = () => path.join(data, 'dub', 'uploads');
const kept = () => (existsSync(uploadsDir()) ? readdirSync(uploadsDir()) : []);

interface Answer {
  status: number;
  body: { ok: boolean; result?: { uploadId: string }; error?: { code: string; message: string } };
}

/** PUT `chunks` (sent one after another, without Content-Length unless `declared` is given). */
function put(name: string, chunks: Iterable<Buffer>, opts: { declared?: number } = {}): Promise<Answer> {
  const url = new URL(`${server.url}/api/uploads?kind=dub-media&name=${encodeURIComponent(name)}`);
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      method: 'PUT',
      headers: {
        Authorization: `Bearer ${server.token}`,
        'Content-Type': 'application/octet-stream',
        ...(opts.declared !== undefined ? { 'Content-Length': opts.declared } : {}),
      },
    });
    let answered = false;
    req.on('response', (res) => {
      answered = true;
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => {
        req.destroy();
        resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Answer['body'] });
      });
    });
    req.on('error', (err) => {
      if (!answered) reject(err);
    });
    const it = chunks[Symbol.iterator]();
    const pump = () => {
      for (;;) {
        if (answered || req.destroyed) return;
        const next = it.next();
        if (next.done) return void req.end();
        if (!req.write(next.value)) return void req.once('drain', pump);
      }
    };
    pump();
  });
}

function* bytes(total: number, chunk = 1 << 20): Generator<Buffer> {
  const b = Buffer.alloc(chunk, 0x5a);
  for (let o = 0; o < total; o += chunk) yield o + chunk <= total ? b : b.subarray(0, total - o);
}

describe('dubbing media uploaded from the browser', () => {
  it('a real video sent in chunks becomes a project with a byte-identical copy', async () => {
    const video = path.join(dir, 'clip.webm');
    execFileSync('ffmpeg', [
      '-v',
      'error',
      '-f',
      'lavfi',
      '-i',
      'testsrc=size=160x120:rate=10:duration=3',
      '-f',
      'lavfi',
      '-i',
      'sine=frequency=330:duration=3',
      '-c:v',
      'libvpx',
      '-b:v',
      '200k',
      '-c:a',
      'libopus',
      '-shortest',
      video,
    ]);
    const original = readFileSync(video);
    const parts: Buffer[] = [];
    for (let o = 0; o < original.length; o += 4096) parts.push(original.subarray(o, o + 4096));
    const r = await put('clip.webm', parts);
    expect(r.status).toBe(200);
    const uploadId = r.body.result!.uploadId;
    const created = await server.rpc<{ id: string; media: { path: string; uploaded: boolean } }>('dub.create', {
      media: { uploadId },
      name: 'Uploaded',
    });
    if (!created.ok) throw new Error(created.error.message);
    expect(created.result.media.uploaded).toBe(true);
    expect(readFileSync(created.result.media.path).equals(original)).toBe(true);
    const del = await server.rpc('dub.delete', { projectId: created.result.id });
    expect(del.ok).toBe(true);
    expect(kept()).toEqual([]);
  }, 60_000);

  it("streams to disk: 600 MB arrive while the server's peak memory grows by far less", async () => {
    const before = peakRssMb();
    const total = 600 * 1024 * 1024;
    const r = await put('long.mkv', bytes(total));
    expect(r.status).toBe(200);
    const after = peakRssMb();
    expect(after - before).toBeLessThan(120);
    const [id] = kept();
    expect(readdirSync(path.join(uploadsDir(), id))).toEqual(['long.mkv']);
    expect(readFileSync(path.join(uploadsDir(), id, 'long.mkv')).length).toBe(total);
    rmSync(path.join(uploadsDir(), id), { recursive: true });
  }, 120_000);

  it('an upload cut off part-way keeps nothing; one declared over the cap is refused at once', async () => {
    // 16 MB sent, seen arriving on disk, then the connection is cut: the partial file goes.
    const url = new URL(`${server.url}/api/uploads?kind=dub-media&name=cut.mp4`);
    const req = http.request(url, {
      method: 'PUT',
      headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/octet-stream' },
    });
    req.on('error', () => undefined);
    for (const b of bytes(16 * 1024 * 1024)) req.write(b);
    await expect.poll(kept, { timeout: 30_000 }).toHaveLength(1);
    req.destroy();
    await expect.poll(kept, { timeout: 30_000 }).toEqual([]);

    const big = await put('huge.mp4', bytes(1024 * 1024), { declared: 9 * 1024 * 1024 * 1024 });
    expect(big.status).toBe(413);
    expect(big.body.error?.message).toMatch(/huge\.mp4 is larger than 8192 MiB/);
    expect(kept()).toEqual([]);
    // The server still answers.
    expect((await server.rpc('dub.list', {})).ok).toBe(true);
  }, 60_000);
});
