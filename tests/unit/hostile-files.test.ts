/**
 * Issue #16, "files and paths": input paths that are not regular files (named pipes, devices, folders) are refused
 * quickly by every input path of the server and the CLI, without blocking the thread pool; output paths that exist and
 * are not regular files are refused (never replaced), and `export -o <folder>` is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createCore } from '../../main/node/core.js';
import { encodeWav } from '../../native-models/audio/wav.js';
import { expectServerAlive, integrityCheck, partialFiles, runCli } from '../helpers/hostile.js';
import { ROOT, startServer, type ServerProcess } from '../helpers/server-process.js';
import { tempDir } from '../helpers/tmp.js';

const t = tempDir();
const data = path.join(t.dir, 'data');
const fifo = (name: string) => {
  const p = path.join(t.dir, name);
  execFileSync('mkfifo', [p]);
  return p;
};
const isRoot = process.getuid?.() === 0;

beforeAll(() => {
  execFileSync(process.execPath, [path.join(ROOT, 'build/scripts/build.mjs'), '--node', '--if-stale'], {
    stdio: 'ignore',
  });
}, 120_000);
afterAll(() => t.cleanup());

describe('the server refuses input paths that are not regular files, and keeps answering', () => {
  let server: ServerProcess;
  let projectId: string;
  beforeAll(async () => {
    server = await startServer(data);
    const p = await server.rpc<{ id: string }>('projects.create', { name: 'Files' });
    if (!p.ok) throw new Error(p.error.message);
    projectId = p.result.id;
  }, 60_000);
  afterAll(() => server?.proc.kill());

  it('four FIFO voice imports are refused at once and a later file call answers promptly', async () => {
    const pipes = [1, 2, 3, 4].map((i) => fifo(`voice-${i}.timbrevoice`));
    const started = Date.now();
    const replies = await Promise.all(
      pipes.map((p) => server.rpc('library.importFile', { path: p, passphrase: 'a passphrase' })),
    );
    for (const r of replies) {
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.message).toMatch(/is a named pipe \(FIFO\), not a regular file/);
    }
    // A later call that reads a file (the thread pool must be free): a regular non-voice file gets its own error.
    const junk = path.join(t.dir, 'junk.timbrevoice');
    writeFileSync(junk, 'not a voice file at all');
    const good = await server.rpc('library.importFile', { path: junk, passphrase: 'a passphrase' });
    expect(good.ok).toBe(false);
    if (!good.ok) expect(good.error.message).toMatch(/not a Timbre voice file/);
    expect(Date.now() - started).toBeLessThan(5000);
    await expectServerAlive(server);
  }, 30_000);

  it('every path input refuses a FIFO, /dev/zero and a folder with a specific message', async () => {
    const folder = path.join(t.dir, 'a-folder');
    mkdirSync(folder);
    const cases: [string, (p: string) => unknown][] = [
      ['library.importFile', (p) => ({ path: p, passphrase: 'a passphrase' })],
      ['voiceAudio.stage', (p) => ({ path: p })],
      ['library.import', (p) => ({ name: 'V', path: p, attest: { name: 'Me Myself', purpose: 'testing' } })],
      ['script.import', (p) => ({ projectId, source: { path: p } })],
      ['projects.setMix', (p) => ({ id: projectId, musicBed: { source: { path: p } } })],
    ];
    for (const [method, params] of cases) {
      // Named with the extension each method expects, so the check under test is the one that answers.
      const ext = method === 'script.import' ? 'txt' : 'wav';
      const zero = path.join(t.dir, `zero-${method}.${ext}`);
      symlinkSync('/dev/zero', zero);
      const dir = path.join(folder, `dir-${method}.${ext}`);
      mkdirSync(dir);
      for (const [p, kind] of [
        [fifo(`${method}.${ext}`), /named pipe \(FIFO\)/],
        [zero, /character device/],
        [dir, /folder/],
      ] as const) {
        const started = Date.now();
        const r = await server.rpc(method, params(p));
        expect(r.ok, `${method} ${p}`).toBe(false);
        if (!r.ok) {
          expect(r.error.code, `${method} ${p}: ${r.error.message}`).toBe('INVALID_INPUT');
          expect(r.error.message, method).toMatch(kind);
        }
        expect(Date.now() - started, `${method} ${p}`).toBeLessThan(3000);
      }
    }
    const pack = await server.rpc('models.import', { path: fifo('pack.zip'), acceptTerms: true });
    expect(pack.ok).toBe(false);
    if (!pack.ok) expect(pack.error.message).toMatch(/named pipe \(FIFO\), not a model pack archive/);
    await expectServerAlive(server);
    expect(integrityCheck(data)).toBe('ok');
    expect(partialFiles(data)).toEqual([]);
  }, 60_000);
});

describe('the CLI', () => {
  const cliData = path.join(t.dir, 'cli-data');

  it('voices import /dev/zero is refused in a moment with little memory', async () => {
    const r = await runCli(['voices', 'import', '/dev/zero'], {
      dataDir: cliData,
      env: { TIMBRE_VOICE_PASSPHRASE: 'a passphrase' },
      timeoutMs: 30_000,
    });
    expect(r.timedOut).toBe(false);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/\/dev\/zero is a character device, not a regular file/);
    expect(r.maxRssMb).toBeLessThan(300);
    expect(r.wallMs).toBeLessThan(15_000);
  }, 40_000);

  it('say refuses an output FIFO, folder or device node and leaves it as it was', async () => {
    const out = fifo('say-out.wav');
    const r = await runCli(['say', 'hello', '-o', out], { dataDir: cliData, timeoutMs: 30_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/is a named pipe \(FIFO\), not a regular file.*Nothing was written/);
    expect(lstatSync(out).isFIFO()).toBe(true);
    const ref = await runCli(['say', 'hello', '--voice', fifo('ref.wav'), '-o', path.join(t.dir, 'ref-out.wav')], {
      dataDir: cliData,
      timeoutMs: 30_000,
    });
    expect(ref.timedOut).toBe(false);
    expect(ref.code).toBe(2);
    expect(ref.stderr).toMatch(/The reference recording .*ref\.wav is a named pipe \(FIFO\), not a regular file/);
    const folder = path.join(t.dir, 'say-folder');
    mkdirSync(folder);
    const d = await runCli(['say', 'hello', '-o', folder], { dataDir: cliData, timeoutMs: 30_000 });
    expect(d.code).toBe(2);
    expect(d.stderr).toMatch(/is a folder, not a regular file: name a file inside it/);
    expect(readdirSync(folder)).toEqual([]);
    expect(partialFiles(t.dir)).toEqual([]);
  }, 60_000);

  it.skipIf(!isRoot)(
    'as root, say -o <a copy of /dev/full> leaves the device node in place',
    async () => {
      const node = path.join(t.dir, 'full-copy');
      const mk = spawnSync('mknod', [node, 'c', '1', '7']);
      if (mk.status !== 0) {
        // A container without CAP_MKNOD: the check itself is covered by safe-fs.test.ts on /dev/null.
        console.warn(`skipping the device-node case: mknod failed (${mk.stderr.toString().trim()})`);
        return;
      }
      const r = await runCli(['say', 'hello', '-o', node], { dataDir: cliData, timeoutMs: 30_000 });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/is a character device, not a regular file/);
      expect(lstatSync(node).isCharacterDevice()).toBe(true);
    },
    60_000,
  );

  it('record refuses an output FIFO or folder before it opens the microphone', async () => {
    const out = fifo('rec.wav');
    const r = await runCli(['record', '--seconds', '1', '-o', out], { dataDir: cliData, timeoutMs: 30_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/rec\.wav is a named pipe \(FIFO\), not a regular file/);
    expect(lstatSync(out).isFIFO()).toBe(true);
    const folder = path.join(t.dir, 'rec-folder');
    mkdirSync(folder);
    const d = await runCli(['record', '--seconds', '1', '-o', folder], { dataDir: cliData, timeoutMs: 30_000 });
    expect(d.code).toBe(2);
    expect(d.stderr).toMatch(/is a folder, not a regular file/);
  }, 60_000);

  it('clean refuses a FIFO as input and as output', async () => {
    const wav = path.join(t.dir, 'tone.wav');
    const sr = 16_000;
    writeFileSync(
      wav,
      encodeWav(
        Float32Array.from({ length: sr }, (_, i) => 0.3 * Math.sin((2 * Math.PI * 220 * i) / sr)),
        sr,
      ),
    );
    const inPipe = fifo('clean-in.wav');
    const a = await runCli(['clean', inPipe, '-o', path.join(t.dir, 'cleaned.wav')], {
      dataDir: cliData,
      timeoutMs: 30_000,
    });
    expect(a.timedOut).toBe(false);
    expect(a.code).toBe(1);
    expect(a.stderr).toMatch(/named pipe \(FIFO\), not a regular file/);
    const outPipe = fifo('clean-out.wav');
    const b = await runCli(['clean', wav, '-o', outPipe], { dataDir: cliData, timeoutMs: 30_000 });
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/named pipe \(FIFO\), not a regular file/);
    expect(lstatSync(outPipe).isFIFO()).toBe(true);
    expect(existsSync(path.join(t.dir, 'cleaned.wav'))).toBe(false);
  }, 60_000);

  it('export refuses -o <existing folder> (no "<folder>.mp3" next to it) and a FIFO for --srt', async () => {
    const exportData = path.join(t.dir, 'export-data');
    const core = await createCore({ dataDir: exportData, transport: 'web', version: 'test' });
    const call = async <T>(m: string, p: unknown) => {
      const r = await core.dispatch(m, p);
      if (!r.ok) throw new Error(r.error.message);
      return r.result as T;
    };
    const { id } = await call<{ id: string }>('projects.create', { name: 'Export' });
    await call('script.import', { projectId: id, source: { text: 'Hello there.', format: 'txt' } });
    await call('jobs.generate', { projectId: id });
    await core.jobs.idle();
    await core.close();

    const parent = path.join(t.dir, 'exports');
    const folder = path.join(parent, 'episode');
    mkdirSync(folder, { recursive: true });
    const r = await runCli(['export', id, '-o', folder], { dataDir: exportData, timeoutMs: 60_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/is a folder, not a file: name a file inside it/);
    expect(readdirSync(parent)).toEqual(['episode']);
    expect(readdirSync(folder)).toEqual([]);

    const srt = fifo('subs.srt');
    const s = await runCli(['export', id, '-o', path.join(parent, 'ep.mp3'), '--srt', srt], {
      dataDir: exportData,
      timeoutMs: 60_000,
    });
    expect(s.code).toBe(2);
    expect(s.stderr).toMatch(/The SRT subtitle file .* is a named pipe \(FIFO\), not a regular file/);
    expect(lstatSync(srt).isFIFO()).toBe(true);
    expect(readdirSync(parent)).toEqual(['episode']);
    expect(integrityCheck(exportData)).toBe('ok');
  }, 120_000);
});
