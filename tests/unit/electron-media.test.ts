import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../native-models/common/errors.js';
import { createMediaHandler, parseMediaUrl, parseRange, parseTakeUrl } from '../../main/electron-main/media.js';

/** A real 16-bit mono PCM WAV: 44-byte header + a ramp, so any byte range is distinguishable. */
function wav(samples: number, sampleRate = 24_000): Buffer {
  const data = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) data.writeInt16LE(((i * 37) % 65536) - 32768, i * 2);
  const h = Buffer.alloc(44);
  h.write('RIFF', 0);
  h.writeUInt32LE(36 + data.length, 4);
  h.write('WAVE', 8);
  h.write('fmt ', 12);
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(sampleRate, 24);
  h.writeUInt32LE(sampleRate * 2, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36);
  h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}

describe('timbre-media:// protocol', () => {
  let tmp: string;
  let file: string;
  let bytes: Buffer;
  let handle: (r: Request) => Promise<Response>;

  beforeAll(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'timbre-media-'));
    file = path.join(tmp, 'take.wav');
    bytes = wav(24_000);
    writeFileSync(file, bytes);
    handle = createMediaHandler({
      takeFilePath: (id) => {
        if (id === 'take_1') return file;
        if (id === 'take_gone') return path.join(tmp, 'deleted.wav');
        if (id === 'take_broken') throw new Error('db closed');
        throw new ApiError('NOT_FOUND', `Take "${id}" does not exist`);
      },
    });
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('serves the whole WAV with 200, audio/wav and Accept-Ranges', async () => {
    const res = await handle(new Request('timbre-media://takes/take_1.wav'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('audio/wav');
    expect(res.headers.get('accept-ranges')).toBe('bytes');
    expect(res.headers.get('content-length')).toBe(String(bytes.length));
    expect(Buffer.from(await res.arrayBuffer()).equals(bytes)).toBe(true);
  });

  it('answers a Range request with 206 and exactly the requested bytes', async () => {
    const res = await handle(new Request('timbre-media://takes/take_1.wav', { headers: { Range: 'bytes=1000-1999' } }));
    expect(res.status).toBe(206);
    expect(res.headers.get('content-range')).toBe(`bytes 1000-1999/${bytes.length}`);
    expect(res.headers.get('content-length')).toBe('1000');
    expect(Buffer.from(await res.arrayBuffer()).equals(bytes.subarray(1000, 2000))).toBe(true);
  });

  it('supports open-ended and suffix ranges (what <audio> sends when seeking)', async () => {
    const open = await handle(new Request('timbre-media://takes/take_1.wav', { headers: { Range: 'bytes=40000-' } }));
    expect(open.status).toBe(206);
    expect(Buffer.from(await open.arrayBuffer()).equals(bytes.subarray(40000))).toBe(true);
    const suffix = await handle(new Request('timbre-media://takes/take_1.wav', { headers: { Range: 'bytes=-44' } }));
    expect(suffix.status).toBe(206);
    expect(Buffer.from(await suffix.arrayBuffer()).equals(bytes.subarray(bytes.length - 44))).toBe(true);
  });

  it('answers 416 to a range past the end', async () => {
    const res = await handle(new Request('timbre-media://takes/take_1.wav', { headers: { Range: 'bytes=999999-' } }));
    expect(res.status).toBe(416);
    expect(res.headers.get('content-range')).toBe(`bytes */${bytes.length}`);
  });

  it('404s unknown takes and takes whose file is gone; 500 for other failures', async () => {
    expect((await handle(new Request('timbre-media://takes/nope.wav'))).status).toBe(404);
    expect((await handle(new Request('timbre-media://takes/take_gone.wav'))).status).toBe(404);
    expect((await handle(new Request('timbre-media://takes/take_broken.wav'))).status).toBe(500);
  });

  it('refuses anything that is not takes/<id>.wav', async () => {
    for (const url of [
      'timbre-media://takes/take_1.mp3',
      'timbre-media://takes/..%2ftake_1.wav',
      'timbre-media://takes/sub/take_1.wav',
      'timbre-media://other/take_1.wav',
      'timbre-media://takes/',
      'timbre-media://takes/%2e%2e%2f%2e%2e%2fetc%2fpasswd.wav',
    ])
      expect((await handle(new Request(url))).status, url).toBe(404);
    expect((await handle(new Request('timbre-media://takes/take_1.wav', { method: 'POST', body: 'x' }))).status).toBe(
      405,
    );
  });

  it('parses URLs and ranges strictly', () => {
    expect(parseTakeUrl('timbre-media://takes/take_1.wav?v=2')).toBe('take_1');
    expect(parseTakeUrl('timbre-media://user@takes/take_1.wav')).toBeNull();
    expect(parseRange(null, 100)).toBeNull();
    expect(parseRange('bytes=0-0', 100)).toEqual({ start: 0, end: 0 });
    expect(parseRange('bytes=90-200', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=0-1,5-6', 100)).toBeNull(); // multi-range: serve the whole file
    expect(parseRange('bytes=5-4', 100)).toBe('unsatisfiable');
    expect(parseRange('bytes=-0', 100)).toBe('unsatisfiable');
  });

  it('serves export files by id only, and no project mix', async () => {
    const h = createMediaHandler({
      takeFilePath: () => {
        throw new ApiError('NOT_FOUND', 'no');
      },
      exportFilePath: (id, index) => {
        if (id === 'exp_1' && index === 0) return file;
        throw new ApiError('NOT_FOUND', 'no such export file');
      },
    });
    const exp = await h(new Request('timbre-media://exports/exp_1/0'));
    expect(exp.status).toBe(200);
    expect(Buffer.from(await exp.arrayBuffer()).equals(bytes)).toBe(true);
    // The preview plays takes line by line: there is no mix route any more.
    expect((await h(new Request('timbre-media://projects/prj_1/mix.wav?rev=abc'))).status).toBe(404);
    expect((await h(new Request('timbre-media://exports/exp_1/1'))).status).toBe(404);
    for (const url of [
      'timbre-media://projects/prj_1/other.wav',
      'timbre-media://projects/../mix.wav',
      'timbre-media://exports/exp_1/x',
      'timbre-media://exports/exp_1/0/extra',
    ])
      expect((await h(new Request(url))).status, url).toBe(404);
    expect(parseMediaUrl('timbre-media://projects/prj_1/mix.wav?rev=1')).toBeNull();
    expect(parseMediaUrl('timbre-media://exports/exp_9/12')).toEqual({ kind: 'export', exportId: 'exp_9', index: 12 });
    expect(parseMediaUrl('timbre-media://u@exports/exp_9/12')).toBeNull();
  });
});
