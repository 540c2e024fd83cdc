/**
 * Model packs published as .tar.bz2 (sherpa-onnx releases): the streaming bzip2 decoder against the system bzip2,
 * the tar reader against GNU tar's ustar/pax/GNU output, and the pack manager downloading (real HTTP server on
 * 127.0.0.1) and importing archive packs, with every refusal leaving nothing installed.
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, promises as fsp, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILTIN_CATALOG } from '../../native-models/catalog/catalog.js';
import { PARAKEET_CTC_EN } from '../../native-models/catalog/asr.js';
import { catalogEntrySchema, packManifestSchema, type PackManifest } from '../../native-models/catalog/schema.js';
import { bunzip2, Bzip2Error } from '../../native-models/packs/bzip2.js';
import { PackManager } from '../../native-models/packs/index.js';
import { extractTarBz2 } from '../../native-models/packs/tar.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
let tmp = '';
const files = new Map<string, Buffer>();
let server: http.Server;
let base = '';

async function decompressAll(file: string): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const c of bunzip2(createReadStream(file))) parts.push(c);
  return Buffer.concat(parts);
}

/** A folder tree → .tar.bz2 made by GNU tar + bzip2 (the tools that make sherpa-onnx's archives). */
function makeArchive(name: string, tree: Record<string, Buffer>, tarArgs: string[] = []): string {
  const dir = path.join(tmp, `src-${name}`);
  for (const [p, b] of Object.entries(tree)) {
    const full = path.join(dir, p);
    mkdirSync(path.dirname(full), { recursive: true });
    writeFileSync(full, b);
  }
  const out = path.join(tmp, `${name}.tar.bz2`);
  const tops = [...new Set(Object.keys(tree).map((p) => p.split('/')[0]))];
  execFileSync('tar', ['-cjf', out, ...tarArgs, '-C', dir, ...tops]);
  return out;
}

const model = randomBytes(1_500_000);
const tokens = Buffer.from(Array.from({ length: 1025 }, (_, i) => `tok${i} ${i}`).join('\n') + '\n');

function manifestFor(archive: string, url: string, over: Partial<PackManifest> = {}): PackManifest {
  const bytes = readFileSync(archive);
  return packManifestSchema.parse({
    id: 'test-asr',
    version: '1',
    name: 'Test ASR',
    kind: 'asr',
    capabilities: { cloning: false, presetVoices: [], languages: ['en'] },
    files: [
      { path: 'model.int8.onnx', bytes: model.length, sha256: sha(model), url },
      { path: 'tokens.txt', bytes: tokens.length, sha256: sha(tokens), url },
    ],
    archive: { url, bytes: bytes.length, sha256: sha(bytes), format: 'tar.bz2', root: 'pack-root' },
    licence: { id: 'MIT', text: 'test' },
    requiresTermsAcceptance: false,
    ...over,
  });
}

beforeAll(async () => {
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'timbre-archive-'));
  server = http.createServer((req, res) => {
    const body = files.get(req.url ?? '');
    if (!body) return void res.writeHead(404).end();
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const start = m ? Number(m[1]) : 0;
    res.writeHead(m ? 206 : 200, {
      'content-length': body.length - start,
      'accept-ranges': 'bytes',
      ...(m ? { 'content-range': `bytes ${start}-${body.length - 1}/${body.length}` } : {}),
    });
    res.end(body.subarray(start));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  await fsp.rm(tmp, { recursive: true, force: true });
});

describe('bzip2', () => {
  it('decodes what the system bzip2 writes: several blocks, every level, concatenated streams', async () => {
    // Runs (the initial RLE step), text and incompressible bytes, over 100 k blocks at level 1.
    const text = Buffer.from('the quick brown fox '.repeat(20_000) + 'a'.repeat(5000) + 'b'.repeat(3));
    const rand = randomBytes(250_000);
    const a = path.join(tmp, 'a.bin');
    const b = path.join(tmp, 'b.bin');
    writeFileSync(a, text);
    writeFileSync(b, rand);
    const cat = path.join(tmp, 'cat.bz2');
    execFileSync('bash', ['-c', `bzip2 -1 -c "${a}" > "${cat}" && bzip2 -9 -c "${b}" >> "${cat}"`]);
    const out = await decompressAll(cat);
    expect(sha(out)).toBe(sha(Buffer.concat([text, rand])));
  });

  it('an empty input file compresses to a valid stream that decodes to nothing', async () => {
    const f = path.join(tmp, 'empty.bz2');
    execFileSync('bash', ['-c', `printf '' | bzip2 -c > "${f}"`]);
    expect((await decompressAll(f)).length).toBe(0);
  });

  it('a flipped byte fails a CRC (or the code tables), a truncated file says so, other data is refused', async () => {
    const src = path.join(tmp, 'crc.bin');
    writeFileSync(src, Buffer.from('hello model pack '.repeat(10_000)));
    const good = execFileSync('bzip2', ['-c', src]);
    const bad = Buffer.from(good);
    bad[Math.floor(bad.length / 2)] ^= 0x10;
    const badFile = path.join(tmp, 'bad.bz2');
    writeFileSync(badFile, bad);
    await expect(decompressAll(badFile)).rejects.toBeInstanceOf(Bzip2Error);
    const cut = path.join(tmp, 'cut.bz2');
    writeFileSync(cut, good.subarray(0, good.length - 20));
    await expect(decompressAll(cut)).rejects.toThrow(/ends early|corrupted/);
    const notBz = path.join(tmp, 'not.bz2');
    writeFileSync(notBz, Buffer.from('PK\u0003\u0004 not bzip2'));
    await expect(decompressAll(notBz)).rejects.toThrow(/not a bzip2 archive/);
  });
});

describe('tar.bz2 extraction', () => {
  it('takes only the wanted files, by name, with pax long names; a wrong size is refused before writing', async () => {
    const long = `${'d'.repeat(120)}/model.bin`;
    const arch = makeArchive('pax', { [`pack-root/${long}`]: model, 'pack-root/README': Buffer.from('hi') }, [
      '--format=pax',
    ]);
    const dest = path.join(tmp, 'x-model.bin');
    const got = await extractTarBz2(
      arch,
      (n) => (n === `pack-root/${long}` ? { dest, bytes: model.length } : undefined),
      1,
    );
    expect(got.get(`pack-root/${long}`)?.sha256).toBe(sha(model));
    expect(sha(readFileSync(dest))).toBe(sha(model));
    const dest2 = path.join(tmp, 'x-model2.bin');
    await expect(
      extractTarBz2(arch, (n) => (n.endsWith('model.bin') ? { dest: dest2, bytes: 10 } : undefined), 1),
    ).rejects.toMatchObject({ code: 'SIZE_MISMATCH' });
    expect(existsSync(dest2)).toBe(false);
  });

  it('GNU long names work; what is skipped before the files is bounded', async () => {
    const long = `${'e'.repeat(150)}.txt`;
    const arch = makeArchive('gnu', { [`pack-root/big.bin`]: randomBytes(200_000), [`pack-root/${long}`]: tokens }, [
      '--format=gnu',
      '--sort=name',
    ]);
    const dest = path.join(tmp, 'y.txt');
    const got = await extractTarBz2(arch, (n) => (n.endsWith(long) ? { dest, bytes: tokens.length } : undefined), 1);
    expect([...got.values()][0].sha256).toBe(sha(tokens));
    await expect(
      extractTarBz2(arch, (n) => (n.endsWith(long) ? { dest: `${dest}2`, bytes: tokens.length } : undefined), 1, {
        maxSkippedBytes: 100_000,
      }),
    ).rejects.toThrow(/more than 100000 bytes/);
  });
});

describe('archive packs in the pack manager', () => {
  it('downloads the archive, extracts and verifies the pinned files, removes the archive, installs atomically', async () => {
    const arch = makeArchive('ok', {
      'pack-root/model.int8.onnx': model,
      'pack-root/tokens.txt': tokens,
      'pack-root/test_wavs/0.wav': randomBytes(1000),
    });
    files.set('/r/ok.tar.bz2', readFileSync(arch));
    const m = manifestFor(arch, `${base}/r/ok.tar.bz2`);
    const data = await fsp.mkdtemp(path.join(tmp, 'data-'));
    const pm = new PackManager({ dataDir: data, catalog: [m], freeBytes: async () => 1e12 });
    expect((await pm.status(m.id)).status).toBe('not-installed');
    const phases = new Set<string>();
    const l = await pm.download(m.id, { onProgress: (p) => phases.add(p.phase) });
    expect(l.status).toBe('installed');
    expect([...phases]).toEqual(expect.arrayContaining(['download', 'install']));
    const dir = pm.packDir(m.id);
    expect((await fsp.readdir(dir)).sort()).toEqual(['model.int8.onnx', 'pack.json', 'tokens.txt']);
    expect(sha(readFileSync(path.join(dir, 'model.int8.onnx')))).toBe(sha(model));
    expect((await pm.verify(m.id)).ok).toBe(true);
    expect((await fsp.readdir(path.join(data, 'models'))).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  it('an archive whose bytes differ from the pin is refused; an archive whose inner file differs too', async () => {
    const arch = makeArchive('tamper', { 'pack-root/model.int8.onnx': model, 'pack-root/tokens.txt': tokens });
    const m = manifestFor(arch, `${base}/r/tamper.tar.bz2`);
    const served = Buffer.from(readFileSync(arch));
    served[served.length - 100] ^= 1;
    files.set('/r/tamper.tar.bz2', served);
    const data = await fsp.mkdtemp(path.join(tmp, 'data-'));
    const pm = new PackManager({ dataDir: data, catalog: [m], freeBytes: async () => 1e12 });
    await expect(pm.download(m.id, { retry: { retries: 0 } })).rejects.toMatchObject({ code: 'CHECKSUM_MISMATCH' });
    expect(existsSync(pm.packDir(m.id))).toBe(false);

    // The archive is the pinned one, but the file inside is not (a manifest pinning another model).
    const other = makeArchive('other', {
      'pack-root/model.int8.onnx': randomBytes(model.length),
      'pack-root/tokens.txt': tokens,
    });
    files.set('/r/other.tar.bz2', readFileSync(other));
    const m2 = {
      ...manifestFor(other, `${base}/r/other.tar.bz2`),
      files: m.files.map((f) => ({ ...f, url: `${base}/r/other.tar.bz2` })),
    };
    const pm2 = new PackManager({ dataDir: data, catalog: [m2], freeBytes: async () => 1e12 });
    await expect(pm2.download(m2.id)).rejects.toMatchObject({ code: 'CHECKSUM_MISMATCH' });
    expect(existsSync(pm2.packDir(m2.id))).toBe(false);
  });

  it('imports a .tar.bz2 recognised by its sha256, or named; entries outside the pack folder are never written', async () => {
    const arch = makeArchive('imp', { 'pack-root/model.int8.onnx': model, 'pack-root/tokens.txt': tokens });
    const m = manifestFor(arch, `${base}/r/imp.tar.bz2`);
    const data = await fsp.mkdtemp(path.join(tmp, 'data-'));
    const pm = new PackManager({ dataDir: data, catalog: [m], freeBytes: async () => 1e12 });
    expect((await pm.import(arch)).status).toBe('installed');
    await pm.remove(m.id);

    // A repackaged archive (other layout, a hostile "../" entry made with --transform): not recognised by hash,
    // refused without a pack id; with one, only the pinned files are taken, at the manifest's paths.
    const dir = path.join(tmp, 'src-hostile');
    await fsp.mkdir(path.join(dir, 'x'), { recursive: true });
    await fsp.writeFile(path.join(dir, 'x', 'model.int8.onnx'), model);
    await fsp.writeFile(path.join(dir, 'x', 'tokens.txt'), tokens);
    await fsp.writeFile(path.join(dir, 'x', 'evil.txt'), 'evil');
    const hostile = path.join(tmp, 'hostile.tar.bz2');
    execFileSync('tar', [
      '-cjf',
      hostile,
      '-C',
      dir,
      '--transform=s,^x/evil.txt,../../evil.txt,',
      '--transform=s,^x/,pack-root/,',
      'x',
    ]);
    await expect(pm.import(hostile)).rejects.toMatchObject({ code: 'MISSING_FILES' });
    const l = await pm.import(hostile, { packId: m.id });
    expect(l.status).toBe('installed');
    expect(existsSync(path.join(tmp, 'evil.txt'))).toBe(false);
    expect(existsSync(path.join(data, 'evil.txt'))).toBe(false);
    expect((await fsp.readdir(pm.packDir(m.id))).sort()).toEqual(['model.int8.onnx', 'pack.json', 'tokens.txt']);

    // An archive that lacks a file names it, and installs nothing.
    await pm.remove(m.id);
    const partial = makeArchive('partial', { 'pack-root/tokens.txt': tokens });
    await expect(pm.import(partial, { packId: m.id })).rejects.toThrow(/lacks files .*model\.int8\.onnx/);
    expect(existsSync(pm.packDir(m.id))).toBe(false);
    expect((await fsp.readdir(path.join(data, 'models'))).filter((n) => n.startsWith('.staging'))).toEqual([]);
  });
});

describe('catalog', () => {
  it('the Parakeet entry pins the archive and both inner files, and is in the built-in catalog', () => {
    expect(BUILTIN_CATALOG.find((m) => m.id === PARAKEET_CTC_EN.id)).toBeDefined();
    expect(PARAKEET_CTC_EN.archive?.sha256).toBe('17f945007b52ccd8b7200ffc7c5652e9e8e961dfdf479cefcabd06cf5703630b');
    expect(PARAKEET_CTC_EN.files.map((f) => [f.path, f.bytes])).toEqual([
      ['model.int8.onnx', 131_652_171],
      ['tokens.txt', 9_953],
    ]);
  });

  it('an archive pack needs an https release asset or revision-pinned URL, and files naming the archive', () => {
    const ok = PARAKEET_CTC_EN;
    expect(catalogEntrySchema.safeParse(ok).success).toBe(true);
    const moving = { ...ok, archive: { ...ok.archive!, url: 'https://example.com/latest/model.tar.bz2' } };
    moving.files = ok.files.map((f) => ({ ...f, url: moving.archive.url }));
    expect(catalogEntrySchema.safeParse(moving).success).toBe(false);
    const mixed = { ...ok, files: [{ ...ok.files[0], url: 'https://github.com/a/b/releases/download/t/other.onnx' }] };
    expect(packManifestSchema.safeParse(mixed).success).toBe(false);
  });
});
