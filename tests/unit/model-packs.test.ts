import { createHash, randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import yazl from 'yazl';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BUILTIN_CATALOG, POCKET_TTS_ENGLISH } from '../../native-models/catalog/catalog.js';
import { catalogEntrySchema, packManifestSchema, type PackManifest } from '../../native-models/catalog/schema.js';
import { PackError, PackManager, type PackProgress } from '../../native-models/packs/index.js';
import { registerModelsCommands } from '../../main/cli/commands/models.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

// ------------------------------------------------------------------ a real HTTP server on 127.0.0.1

interface ServerMode {
  /** Destroy the socket after this many body bytes, on the first `killTimes` requests. */
  killAfter?: number;
  killTimes?: number;
  /** Flip one byte of what is served. */
  corruptAt?: number;
  /** Send the body in small slices with pauses (for cancel tests). */
  slow?: boolean;
}

const files = new Map<string, Buffer>();
const requests: { path: string; range?: string }[] = [];
let mode: ServerMode = {};
let kills = 0;
let server: http.Server;
let base = '';

beforeAll(async () => {
  files.set('/a/model.onnx', randomBytes(3 * 1024 * 1024 + 17));
  files.set('/a/vocab.txt', Buffer.from('hello\nworld\n'));
  server = http.createServer((req, res) => {
    const body = files.get(req.url ?? '');
    requests.push({ path: req.url ?? '', range: req.headers.range });
    if (!body) {
      res.writeHead(404).end();
      return;
    }
    let data = body;
    if (mode.corruptAt !== undefined && req.url === '/a/model.onnx') {
      data = Buffer.from(body);
      data[mode.corruptAt] ^= 0xff;
    }
    let start = 0;
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const headers: http.OutgoingHttpHeaders = { etag: `"${sha(body).slice(0, 16)}"`, 'accept-ranges': 'bytes' };
    if (m) {
      start = Number(m[1]);
      if (start >= data.length) {
        res.writeHead(416, { 'content-range': `bytes */${data.length}` }).end();
        return;
      }
      res.writeHead(206, {
        ...headers,
        'content-length': data.length - start,
        'content-range': `bytes ${start}-${data.length - 1}/${data.length}`,
      });
    } else {
      res.writeHead(200, { ...headers, 'content-length': data.length });
    }
    const slice = data.subarray(start);
    if (mode.killAfter !== undefined && kills < (mode.killTimes ?? 1) && req.url === '/a/model.onnx') {
      kills++;
      res.write(slice.subarray(0, mode.killAfter), () => setTimeout(() => res.socket?.destroy(), 20));
      return;
    }
    if (mode.slow) {
      let off = 0;
      const tick = () => {
        if (res.destroyed) return;
        if (off >= slice.length) return void res.end();
        res.write(slice.subarray(off, off + 64 * 1024));
        off += 64 * 1024;
        setTimeout(tick, 20);
      };
      tick();
      return;
    }
    res.end(slice);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((r) => server.close(() => r())));

function testPack(over: Partial<PackManifest> = {}): PackManifest {
  const model = files.get('/a/model.onnx')!;
  const vocab = files.get('/a/vocab.txt')!;
  return packManifestSchema.parse({
    id: 'test-pack',
    version: '1',
    name: 'Test pack',
    kind: 'vad',
    capabilities: { cloning: false, presetVoices: [], languages: ['mul'] },
    files: [
      { path: 'model.onnx', bytes: model.length, sha256: sha(model), url: `${base}/a/model.onnx` },
      { path: 'sub/vocab.txt', bytes: vocab.length, sha256: sha(vocab), url: `${base}/a/vocab.txt` },
    ],
    licence: { id: 'MIT', text: 'MIT licence text' },
    requiresTermsAcceptance: false,
    ...over,
  });
}

let dataDir = '';
const fastRetry = { retries: 3, baseDelayMs: 10, maxDelayMs: 50 };

function manager(
  catalog: PackManifest[] = [testPack()],
  extra: Partial<ConstructorParameters<typeof PackManager>[0]> = {},
) {
  return new PackManager({ dataDir, catalog, diskMarginBytes: 0, ...extra });
}

beforeEach(async () => {
  dataDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'timbre-packs-'));
  mode = {};
  kills = 0;
  requests.length = 0;
});
afterEach(async () => {
  await fsp.rm(dataDir, { recursive: true, force: true });
});

async function expectPackError(p: Promise<unknown>, code: string, re?: RegExp): Promise<PackError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PackError);
  expect((err as PackError).code).toBe(code);
  if (re) expect((err as PackError).message).toMatch(re);
  return err as PackError;
}

const modelsDirEntries = async () => (await fsp.readdir(path.join(dataDir, 'models'))).sort();

// ------------------------------------------------------------------ catalog

describe('catalog', () => {
  it('every built-in entry validates against the catalog schema', () => {
    expect(BUILTIN_CATALOG.map((m) => m.id)).toEqual(
      expect.arrayContaining(['pocket-tts', 'silero-vad', 'gtcrn', 'parakeet-ctc-en']),
    );
    expect(new Set(BUILTIN_CATALOG.map((m) => m.id)).size).toBe(BUILTIN_CATALOG.length);
    for (const m of BUILTIN_CATALOG) expect(catalogEntrySchema.safeParse(m).success).toBe(true);
  });

  it('Pocket TTS english_2026-04 pins every export file and the twelve voices', async () => {
    const shared = JSON.parse(await fsp.readFile('../shared/models/pocket-tts/MANIFEST.json', 'utf8'));
    const exp = shared.export_english_2026_04;
    expect(POCKET_TTS_ENGLISH.version).toBe('english_2026-04');
    for (const [name, f] of Object.entries<{ bytes: number; sha256: string; url: string }>(exp.files)) {
      const entry = POCKET_TTS_ENGLISH.files.find((x) => x.path === name);
      expect(entry, name).toEqual({ path: name, bytes: f.bytes, sha256: f.sha256, url: f.url });
    }
    expect(POCKET_TTS_ENGLISH.capabilities.presetVoices).toHaveLength(12);
    expect(POCKET_TTS_ENGLISH.files).toHaveLength(9 + 12);
    expect(POCKET_TTS_ENGLISH.requiresTermsAcceptance).toBe(true);
  });

  it('Silero VAD and GTCRN entries match the real files', async () => {
    for (const [id, file] of [
      ['silero-vad', '../shared/models/silero-vad/silero_vad.onnx'],
      ['gtcrn', '../shared/models/gtcrn/gtcrn.onnx'],
    ]) {
      const buf = await fsp.readFile(file);
      const entry = BUILTIN_CATALOG.find((m) => m.id === id)!.files[0];
      expect(entry.bytes).toBe(buf.length);
      expect(entry.sha256).toBe(sha(buf));
    }
  });

  it('rejects unpinned URLs, unsafe paths and bad hashes', () => {
    const good = BUILTIN_CATALOG[1];
    const withFile = (f: object) => ({ ...good, files: [{ ...good.files[0], ...f }] });
    const unpinned = catalogEntrySchema.safeParse(
      withFile({ url: 'https://github.com/snakers4/silero-vad/raw/master/src/silero_vad/data/silero_vad.onnx' }),
    );
    expect(unpinned.success).toBe(false);
    expect(JSON.stringify(unpinned.error?.issues)).toMatch(/pinned to a revision/);
    expect(packManifestSchema.safeParse(withFile({ path: '../evil.onnx' })).success).toBe(false);
    expect(packManifestSchema.safeParse(withFile({ path: '/etc/passwd' })).success).toBe(false);
    expect(packManifestSchema.safeParse(withFile({ sha256: 'abc' })).success).toBe(false);
  });
});

// ------------------------------------------------------------------ download

describe('download', () => {
  it('lists a fresh pack as not installed, downloads, verifies and installs it atomically', async () => {
    const pm = manager();
    expect((await pm.list())[0].status).toBe('not-installed');
    const events: PackProgress[] = [];
    const res = await pm.download('test-pack', { onProgress: (p) => events.push(p), retry: fastRetry });
    expect(res.status).toBe('installed');
    const dir = path.join(dataDir, 'models', 'test-pack');
    expect(sha(await fsp.readFile(path.join(dir, 'model.onnx')))).toBe(sha(files.get('/a/model.onnx')!));
    expect(await fsp.readFile(path.join(dir, 'sub/vocab.txt'), 'utf8')).toBe('hello\nworld\n');
    expect(JSON.parse(await fsp.readFile(path.join(dir, 'pack.json'), 'utf8')).version).toBe('1');
    expect(await modelsDirEntries()).toEqual(['test-pack']);
    const last = events.filter((e) => e.phase === 'download').at(-1)!;
    expect(last.bytesDone).toBe(last.bytesTotal);
    expect((await pm.verify('test-pack')).ok).toBe(true);
  });

  it('resumes with a Range request after the connection is killed midway; sha256 ok', async () => {
    mode = { killAfter: 1_000_000 };
    const retries: string[] = [];
    const res = await manager().download('test-pack', {
      retry: fastRetry,
      onRetry: (file, attempt, _d, e) => retries.push(`${file}#${attempt}: ${e.message}`),
    });
    expect(res.status).toBe('installed');
    expect(retries).toHaveLength(1);
    const modelReqs = requests.filter((r) => r.path === '/a/model.onnx');
    expect(modelReqs).toHaveLength(2);
    expect(modelReqs[0].range).toBeUndefined();
    // Resumed from what had reached the disk: at least part of what was sent, never from zero.
    const from = Number(/^bytes=(\d+)-$/.exec(modelReqs[1].range ?? '')?.[1]);
    expect(from).toBeGreaterThan(0);
    expect(from).toBeLessThanOrEqual(1_000_000);
    const got = await fsp.readFile(path.join(dataDir, 'models/test-pack/model.onnx'));
    expect(sha(got)).toBe(sha(files.get('/a/model.onnx')!));
  });

  it('keeps a .part and state when a run fails, lists the pack as partial, and the next run resumes', async () => {
    mode = { killAfter: 1_500_000, killTimes: 1 };
    const pm = manager();
    await expectPackError(pm.download('test-pack', { retry: { retries: 0 } }), 'NETWORK');
    const staging = path.join(dataDir, 'models/.staging-test-pack');
    const part = await fsp.stat(path.join(staging, 'model.onnx.part'));
    expect(part.size).toBeGreaterThan(0);
    expect(
      JSON.parse(await fsp.readFile(path.join(staging, '.state.json'), 'utf8')).files['model.onnx'].etag,
    ).toBeTruthy();
    const listed = await pm.status('test-pack');
    expect(listed.status).toBe('partial');
    expect(listed.bytesPresent).toBe(part.size);
    expect(await fsp.stat(path.join(dataDir, 'models/test-pack')).catch(() => null)).toBeNull();

    const res = await manager().download('test-pack', { retry: fastRetry });
    expect(res.status).toBe('installed');
    expect(requests.filter((r) => r.path === '/a/model.onnx').at(-1)!.range).toBe(`bytes=${part.size}-`);
    expect((await manager().verify('test-pack')).ok).toBe(true);
    expect(await modelsDirEntries()).toEqual(['test-pack']);
  });

  it('a corrupted byte fails sha256 with a clear error and leaves nothing installed', async () => {
    mode = { corruptAt: 12345 };
    const pm = manager();
    const err = await expectPackError(pm.download('test-pack', { retry: fastRetry }), 'CHECKSUM_MISMATCH');
    expect(err.message).toContain(`expected ${sha(files.get('/a/model.onnx')!)}`);
    expect(err.message).toMatch(/corrupted or not the pinned version/);
    expect((await pm.status('test-pack')).status).not.toBe('installed');
    expect(await fsp.stat(path.join(dataDir, 'models/test-pack')).catch(() => null)).toBeNull();
    // The bad bytes are gone: the next attempt starts from zero (and succeeds once the server is fixed).
    expect(
      await fsp.stat(path.join(dataDir, 'models/.staging-test-pack/model.onnx.part')).catch(() => null),
    ).toBeNull();
    mode = {};
    expect((await pm.download('test-pack', { retry: fastRetry })).status).toBe('installed');
  });

  it('cancel via AbortSignal stops promptly, keeps the partial download, installs nothing', async () => {
    mode = { slow: true };
    const ac = new AbortController();
    const pm = manager();
    const started = Date.now();
    const p = pm.download('test-pack', {
      signal: ac.signal,
      onProgress: (e) => {
        if (e.bytesDone > 300_000) ac.abort();
      },
    });
    await expectPackError(p, 'CANCELLED');
    expect(Date.now() - started).toBeLessThan(5000);
    expect((await pm.status('test-pack')).status).toBe('partial');
    expect(await fsp.stat(path.join(dataDir, 'models/test-pack')).catch(() => null)).toBeNull();
    expect(await fsp.stat(path.join(dataDir, 'models/.lock-test-pack')).catch(() => null)).toBeNull();
  });

  it('refuses to start when the disk is too small, before any request', async () => {
    const pm = manager([testPack()], { freeBytes: async () => 1000 });
    await expectPackError(pm.download('test-pack'), 'DISK_FULL', /Not enough free disk space/);
    expect(requests).toHaveLength(0);
  });

  it('a real statfs reports free space (sanity of the default check)', async () => {
    const { freeBytesOn } = await import('../../native-models/packs/manager.js');
    expect(await freeBytesOn(os.tmpdir())).toBeGreaterThan(0);
  });

  it('needs terms acceptance for packs that require it; unknown ids are named', async () => {
    const pm = manager([testPack({ requiresTermsAcceptance: true })]);
    await expectPackError(pm.download('test-pack'), 'TERMS_NOT_ACCEPTED', /must be accepted/);
    await expectPackError(pm.download('nope'), 'UNKNOWN_PACK', /Known packs: test-pack/);
    expect(requests).toHaveLength(0);
  });

  it('a 404 is not retried and says which URL failed', async () => {
    const bad = testPack();
    bad.files[1] = { ...bad.files[1], url: `${base}/missing.txt` };
    await expectPackError(
      manager([bad]).download('test-pack', { retry: fastRetry }),
      'HTTP',
      /missing\.txt answered HTTP 404/,
    );
    expect(requests.filter((r) => r.path === '/missing.txt')).toHaveLength(1);
  });

  it('remove deletes the pack and partial state', async () => {
    const pm = manager();
    await pm.download('test-pack', { retry: fastRetry });
    expect(await pm.remove('test-pack')).toBe(true);
    expect(await modelsDirEntries()).toEqual([]);
    expect(await pm.remove('test-pack')).toBe(false);
    await expectPackError(pm.verify('test-pack'), 'NOT_INSTALLED');
  });

  it('verify finds a tampered installed file', async () => {
    const pm = manager();
    await pm.download('test-pack', { retry: fastRetry });
    const f = path.join(dataDir, 'models/test-pack/model.onnx');
    const buf = await fsp.readFile(f);
    buf[7] ^= 1;
    await fsp.writeFile(f, buf);
    const report = await pm.verify('test-pack');
    expect(report.ok).toBe(false);
    expect(report.files.find((x) => x.path === 'model.onnx')?.problem).toMatch(/sha256/);
  });
});

// ------------------------------------------------------------------ import

async function writeZip(zipPath: string, entries: [string, Buffer][]): Promise<void> {
  const zip = new yazl.ZipFile();
  // yazl refuses unsafe names itself, so a zip-slip archive is built with same-length placeholders patched afterwards.
  const patches: [Buffer, Buffer][] = [];
  entries.forEach(([name, data], i) => {
    const safe = /(^|\/)\.\.(\/|$)|^\//.test(name) ? `${String(i).padStart(name.length, 'q')}` : name;
    if (safe !== name) patches.push([Buffer.from(safe), Buffer.from(name)]);
    zip.addBuffer(data, safe);
  });
  zip.end();
  const chunks: Buffer[] = [];
  for await (const c of zip.outputStream) chunks.push(c as Buffer);
  let buf = Buffer.concat(chunks);
  for (const [from, to] of patches) {
    let at = buf.indexOf(from);
    while (at >= 0) {
      to.copy(buf, at);
      at = buf.indexOf(from, at + 1);
    }
  }
  await fsp.writeFile(zipPath, buf);
  buf = Buffer.alloc(0);
}

describe('import', () => {
  let src = '';
  beforeEach(async () => {
    src = await fsp.mkdtemp(path.join(os.tmpdir(), 'timbre-import-'));
  });
  afterEach(() => fsp.rm(src, { recursive: true, force: true }));

  it('imports from a folder (flat layout), verified, without touching the network', async () => {
    await fsp.writeFile(path.join(src, 'model.onnx'), files.get('/a/model.onnx')!);
    await fsp.writeFile(path.join(src, 'vocab.txt'), files.get('/a/vocab.txt')!);
    const res = await manager().import(src);
    expect(res.status).toBe('installed');
    expect(requests).toHaveLength(0);
    expect((await manager().verify('test-pack')).ok).toBe(true);
    expect(JSON.parse(await fsp.readFile(path.join(dataDir, 'models/test-pack/pack.json'), 'utf8')).source).toBe(
      'import',
    );
  });

  it('a folder with a corrupted file is refused and nothing is installed', async () => {
    const bad = Buffer.from(files.get('/a/model.onnx')!);
    bad[100] ^= 0xff;
    await fsp.writeFile(path.join(src, 'model.onnx'), bad);
    await fsp.mkdir(path.join(src, 'sub'));
    await fsp.writeFile(path.join(src, 'sub/vocab.txt'), files.get('/a/vocab.txt')!);
    await expectPackError(manager().import(src, { packId: 'test-pack' }), 'CHECKSUM_MISMATCH', /model\.onnx/);
    expect(await modelsDirEntries()).toEqual([]);
  });

  it('a folder missing a file names it', async () => {
    await fsp.writeFile(path.join(src, 'model.onnx'), files.get('/a/model.onnx')!);
    await expectPackError(manager().import(src, { packId: 'test-pack' }), 'MISSING_FILES', /sub\/vocab\.txt/);
  });

  it('imports from a zip with a top-level folder', async () => {
    const zipPath = path.join(src, 'pack.zip');
    await writeZip(zipPath, [
      ['test-pack/model.onnx', files.get('/a/model.onnx')!],
      ['test-pack/sub/vocab.txt', files.get('/a/vocab.txt')!],
      ['test-pack/README.md', Buffer.from('ignored')],
    ]);
    const events: PackProgress[] = [];
    const res = await manager().import(zipPath, { onProgress: (e) => events.push(e) });
    expect(res.status).toBe('installed');
    expect(events.some((e) => e.phase === 'import')).toBe(true);
    expect((await manager().verify('test-pack')).ok).toBe(true);
    expect(await fsp.stat(path.join(dataDir, 'models/test-pack/README.md')).catch(() => null)).toBeNull();
  });

  it('refuses a zip-slip archive with a clear error and writes nothing outside (or inside)', async () => {
    const zipPath = path.join(src, 'evil.zip');
    await writeZip(zipPath, [
      ['model.onnx', files.get('/a/model.onnx')!],
      ['sub/vocab.txt', files.get('/a/vocab.txt')!],
      ['../../x', Buffer.from('pwned')],
    ]);
    const err = await expectPackError(manager().import(zipPath), 'UNSAFE_ARCHIVE');
    expect(err.message).toContain('"../../x"');
    expect(err.message).toMatch(/outside the pack folder/);
    expect(await fsp.readdir(path.join(dataDir, 'models')).catch(() => [])).toEqual([]);
    expect(await fsp.stat(path.join(dataDir, '..', 'x')).catch(() => null)).toBeNull();
  });

  it('refuses an absolute entry path', async () => {
    const zipPath = path.join(src, 'abs.zip');
    await writeZip(zipPath, [
      ['model.onnx', files.get('/a/model.onnx')!],
      ['/tmp/timbre-evil', Buffer.from('pwned')],
    ]);
    const err = await expectPackError(manager().import(zipPath), 'UNSAFE_ARCHIVE');
    expect(err.message).toContain('/tmp/timbre-evil');
  });

  it('a file that is not a zip is a clear error', async () => {
    const p = path.join(src, 'not.zip');
    await fsp.writeFile(p, 'hello');
    await expectPackError(manager().import(p), 'BAD_ARCHIVE', /not a readable zip/);
  });
});

// ------------------------------------------------------------------ CLI

describe('timbre models CLI', () => {
  async function cli(args: string[]): Promise<{ out: string; err: string; error?: unknown }> {
    let out = '';
    let err = '';
    const program = new Command().exitOverride();
    registerModelsCommands(program, () => dataDir, {
      createManager: (d) => new PackManager({ dataDir: d, catalog: [testPack()], diskMarginBytes: 0 }),
      stdout: (s) => (out += s),
      stderr: (s) => (err += s),
      isTTY: false,
    });
    for (const c of program.commands) c.exitOverride().commands.forEach((s) => s.exitOverride());
    try {
      await program.parseAsync(args, { from: 'user' });
      return { out, err };
    } catch (error) {
      return { out, err, error };
    }
  }

  it('list --json, import, verify, remove', async () => {
    const listed = await cli(['models', 'list', '--json']);
    expect(JSON.parse(listed.out)[0]).toMatchObject({ id: 'test-pack', status: 'not-installed' });
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'timbre-cli-'));
    await fsp.writeFile(path.join(dir, 'model.onnx'), files.get('/a/model.onnx')!);
    await fsp.writeFile(path.join(dir, 'vocab.txt'), files.get('/a/vocab.txt')!);
    const imp = await cli(['models', 'import', dir]);
    expect(imp.error).toBeUndefined();
    expect(imp.out).toMatch(/Installed test-pack 1/);
    expect(imp.err).toMatch(/import test-pack: /);
    expect((await cli(['models', 'list'])).out).toMatch(/test-pack\s+1 .*installed/);
    expect((await cli(['models', 'verify', 'test-pack'])).out).toMatch(/all 2 files verified/);
    expect((await cli(['models', 'remove', 'test-pack'])).out).toMatch(/Removed test-pack/);
    await fsp.rm(dir, { recursive: true, force: true });
  });

  it('download prints progress on stderr; unknown ids are usage errors (exit 2)', async () => {
    const dl = await cli(['models', 'download', 'test-pack']);
    expect(dl.error).toBeUndefined();
    expect(dl.err).toMatch(/download test-pack: .*%/);
    const bad = await cli(['models', 'verify', 'nope']);
    expect((bad.error as { exitCode?: number }).exitCode).toBe(2);
    expect((bad.error as Error).message).toMatch(/Unknown model pack "nope"/);
  });
});
