/**
 * native-models/common/safe-fs.ts on real special files (issue #16): named pipes, character devices, sockets and
 * folders are refused without being opened, reads are capped, and output targets that are not regular files are
 * refused before writeFileAtomic's rename could replace them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { checkInputFile, checkOutputTarget, readInputFile, readInputHead } from '../../native-models/common/safe-fs.js';
import { writeFileAtomic } from '../../main/node/atomic-fs.js';
import { tempDir } from '../helpers/tmp.js';

const t = tempDir();
const fifo = path.join(t.dir, 'pipe.wav');
const dir = path.join(t.dir, 'folder');
const sock = path.join(t.dir, 'sock');
const file = path.join(t.dir, 'ten.bin');
let server: net.Server;

beforeAll(async () => {
  execFileSync('mkfifo', [fifo]);
  mkdirSync(dir);
  writeFileSync(file, Buffer.alloc(10, 7));
  server = net.createServer();
  await new Promise<void>((r) => server.listen(sock, r));
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  t.cleanup();
});

/** Rejects with the message when `p` settles within `ms`, or fails the test if it hangs (a FIFO open would). */
async function refusedFast(p: Promise<unknown>, ms = 2000): Promise<string> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still waiting after ${ms} ms`)), ms);
  });
  try {
    await Promise.race([p, hang]);
  } catch (err) {
    expect((err as Error).message).not.toMatch(/still waiting/);
    expect(Date.now() - started).toBeLessThan(ms);
    return (err as Error).message;
  } finally {
    clearTimeout(timer);
  }
  throw new Error('expected a refusal, got a result');
}

describe('input paths', () => {
  it('refuses a named pipe, a character device, a socket and a folder by what they are, without opening them', async () => {
    expect(await refusedFast(readInputFile(fifo, { maxBytes: 1 << 20 }))).toMatch(/named pipe \(FIFO\), not a regular/);
    expect(await refusedFast(readInputFile('/dev/zero', { maxBytes: 1 << 20 }))).toMatch(/character device/);
    expect(await refusedFast(readInputFile(sock, { maxBytes: 1 << 20 }))).toMatch(/a socket/);
    expect(await refusedFast(readInputFile(dir, { maxBytes: 1 << 20, what: 'The script' }))).toMatch(
      /^The script .*folder is a folder, not a regular file/,
    );
    expect(await refusedFast(readInputHead(fifo, 16))).toMatch(/named pipe/);
    expect(await refusedFast(checkInputFile(path.join(t.dir, 'none')))).toMatch(/No such file/);
    // A link to a pipe is a pipe.
    const link = path.join(t.dir, 'link-to-pipe');
    symlinkSync(fifo, link);
    expect(await refusedFast(readInputFile(link, { maxBytes: 10 }))).toMatch(/named pipe/);
  });

  it('many pipes at once leave the thread pool free: a later read answers at once', async () => {
    const fifos = [1, 2, 3, 4, 5, 6].map((i) => path.join(t.dir, `many-${i}`));
    for (const f of fifos) execFileSync('mkfifo', [f]);
    const results = await Promise.allSettled(fifos.map((f) => readInputFile(f, { maxBytes: 100 })));
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
    const started = Date.now();
    expect((await readInputFile(file, { maxBytes: 100 })).length).toBe(10);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('reads a regular file (or a link to one) up to the limit and refuses one byte more', async () => {
    expect(await readInputFile(file, { maxBytes: 10 })).toEqual(Buffer.alloc(10, 7));
    const link = path.join(t.dir, 'link-to-file');
    symlinkSync(file, link);
    expect((await readInputFile(link, { maxBytes: 10 })).length).toBe(10);
    const msg = await refusedFast(readInputFile(file, { maxBytes: 9, what: 'The voice file' }));
    expect(msg).toMatch(/The voice file ten\.bin is too large \(10 bytes; at most 9 bytes\)/);
    expect(
      await readInputFile(path.join(t.dir, 'ten.bin'), { maxBytes: 9, tooLarge: (n) => `custom ${n}` }).catch(
        (e: Error) => e.message,
      ),
    ).toBe('custom 10');
  });
});

describe('output targets', () => {
  it('passes a new path and an existing regular file; follows a link to a regular file', async () => {
    expect(await checkOutputTarget(path.join(t.dir, 'new.wav'))).toBe(path.join(t.dir, 'new.wav'));
    expect(await checkOutputTarget(file)).toBe(file);
    const link = path.join(t.dir, 'out-link');
    symlinkSync(file, link);
    expect(await checkOutputTarget(link)).toBe(file);
  });

  it('refuses a pipe, a folder, a socket, a device, a link to a folder and a dangling link', async () => {
    expect(await refusedFast(checkOutputTarget(fifo))).toMatch(/named pipe \(FIFO\), not a regular file.*Nothing was/);
    expect(await refusedFast(checkOutputTarget(dir))).toMatch(/is a folder, not a regular file: name a file inside it/);
    expect(await refusedFast(checkOutputTarget(sock))).toMatch(/a socket/);
    expect(await refusedFast(checkOutputTarget('/dev/null'))).toMatch(/character device/);
    const toDir = path.join(t.dir, 'link-to-dir');
    symlinkSync(dir, toDir);
    expect(await refusedFast(checkOutputTarget(toDir))).toMatch(/a symbolic link to a folder/);
    const dangling = path.join(t.dir, 'dangling');
    symlinkSync(path.join(t.dir, 'nowhere'), dangling);
    expect(await refusedFast(checkOutputTarget(dangling))).toMatch(/symbolic link to nothing/);
  });

  it('writeFileAtomic leaves a pipe a pipe (and writes nothing), and writes through a link to a regular file', async () => {
    const msg = await refusedFast(writeFileAtomic(fifo, 'data'));
    expect(msg).toMatch(/named pipe/);
    expect(lstatSync(fifo).isFIFO()).toBe(true);
    const target = path.join(t.dir, 'real.txt');
    writeFileSync(target, 'old');
    const link = path.join(t.dir, 'via-link.txt');
    symlinkSync(target, link);
    await writeFileAtomic(link, 'new');
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe(target);
    expect(readFileSync(target, 'utf8')).toBe('new');
    expect(statSync(dir).isDirectory()).toBe(true);
    expect(await refusedFast(writeFileAtomic(dir, 'x'))).toMatch(/folder/);
  });
});
