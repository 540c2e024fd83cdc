/**
 * Issue #16: a `.docx` zip bomb (42 KB → 4.3 GB) through script import. Declared sizes and ratios are checked before
 * inflating, a central directory that lies about sizes is caught while inflating, and the inflated total is capped;
 * the server's peak memory stays bounded and it keeps answering. Bombs are generated here (deflate of zeros).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import yazl from 'yazl';
import { DOCX_LIMITS, boundedDocx } from '../../main/node/studio/docx-guard.js';
import { expectServerAlive, integrityCheck } from '../helpers/hostile.js';
import { ROOT, startServer, type ServerProcess } from '../helpers/server-process.js';
import { tempDir } from '../helpers/tmp.js';

const CONTENT_TYPES =
  '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>';
const RELS =
  '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>';
const documentXml = (paragraphs: string[]) =>
  `<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>${paragraphs.map((p) => `<w:p><w:r><w:t>${p}</w:t></w:r></w:p>`).join('')}</w:body></w:document>`;

/** `mib` MiB of zeros, produced a MiB at a time (never held in memory whole). */
function zeros(mib: number): Readable {
  let left = mib;
  const chunk = Buffer.alloc(1 << 20);
  return new Readable({
    read() {
      this.push(left-- > 0 ? chunk : null);
    },
  });
}

/** A docx whose word/document.xml is `body` (a buffer, or a stream of zeros). */
function docx(body: Buffer | Readable): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  zip.addBuffer(Buffer.from(CONTENT_TYPES), '[Content_Types].xml');
  zip.addBuffer(Buffer.from(RELS), '_rels/.rels');
  if (Buffer.isBuffer(body)) zip.addBuffer(body, 'word/document.xml');
  else zip.addReadStream(body, 'word/document.xml');
  zip.end();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    zip.outputStream.on('error', reject);
  });
}

/** Make the central directory lie: word/document.xml declares `size` bytes (what a bomb does to pass size checks). */
function lieAboutSize(zip: Buffer, size: number): Buffer {
  const out = Buffer.from(zip);
  const name = Buffer.from('word/document.xml');
  for (let i = out.lastIndexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02])); i >= 0; i--) {
    if (out.readUInt32LE(i) !== 0x02014b50) continue;
    const n = out.readUInt16LE(i + 28);
    if (out.subarray(i + 46, i + 46 + n).equals(name)) {
      out.writeUInt32LE(size, i + 24);
      return out;
    }
  }
  throw new Error('central directory entry not found');
}

async function refused(bytes: Buffer): Promise<{ message: string; ms: number }> {
  const started = Date.now();
  try {
    await boundedDocx(bytes, 'bomb.docx');
  } catch (err) {
    return { message: (err as Error).message, ms: Date.now() - started };
  }
  throw new Error('expected a refusal');
}

let bomb: Buffer; // 256 MiB of zeros, honest central directory
let liar: Buffer; // the same, declaring 1000 bytes

beforeAll(async () => {
  bomb = await docx(zeros(256));
  liar = lieAboutSize(bomb, 1000);
}, 60_000);

describe('docx guard', () => {
  it('the generated bomb is small and declares 256 MiB', () => {
    expect(bomb.length).toBeLessThan(1024 * 1024);
    // yazl's own record of the entry (before the lie): 256 MiB declared.
    const i = bomb.lastIndexOf(Buffer.from('word/document.xml')) - 46;
    expect(bomb.readUInt32LE(i + 24)).toBe(256 * 1024 * 1024);
  });

  it('refuses by declared size, by ratio, and a lying central directory while inflating', async () => {
    const declared = await refused(bomb);
    expect(declared.message).toMatch(/"bomb\.docx" was refused: its parts declare more than 64 MiB once unpacked/);
    expect(declared.ms).toBeLessThan(500);

    const dense = await docx(zeros(8)); // 8 MiB declared: under the total, but ~1000:1
    expect((await refused(dense)).message).toMatch(
      /its part word\/document\.xml unpacks \d+ times larger than it is stored \(at most 200 times\)/,
    );

    const lie = await refused(liar);
    expect(lie.message).toMatch(
      /"bomb\.docx" was refused: its part word\/document\.xml does not match its declared size \(too many bytes/,
    );
    expect(lie.ms).toBeLessThan(2000);
  });

  it('refuses many honest parts, each under the ratio floor, that together declare over the cap', async () => {
    const zip = new yazl.ZipFile();
    const part = randomBytes(1 << 20); // incompressible: ratio 1
    for (let i = 0; i < 65; i++) zip.addBuffer(part, `word/media/p${i}.bin`, { compress: false });
    zip.end();
    const chunks: Buffer[] = [];
    await new Promise<void>((resolve) => {
      zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
      zip.outputStream.on('end', resolve);
    });
    expect((await refused(Buffer.concat(chunks))).message).toMatch(/declare more than 64 MiB/);
    expect(DOCX_LIMITS.inflatedBytesMax).toBe(64 * 1024 * 1024);
  });

  it('a real document still reads, entry for entry', async () => {
    const good = await docx(Buffer.from(documentXml(['HOST: Hello.', 'Second.'])));
    const stored = await boundedDocx(good, 'good.docx');
    const mammoth = await import('mammoth');
    expect((await mammoth.extractRawText({ buffer: stored })).value.trim().split(/\n+/)).toEqual([
      'HOST: Hello.',
      'Second.',
    ]);
  });
});

describe('script.import of a docx bomb on a real server', () => {
  const t = tempDir();
  let server: ServerProcess;
  let projectId: string;
  beforeAll(async () => {
    execFileSync(process.execPath, [path.join(ROOT, 'build/scripts/build.mjs'), '--node', '--if-stale'], {
      stdio: 'ignore',
    });
    server = await startServer(path.join(t.dir, 'data'));
    const p = await server.rpc<{ id: string }>('projects.create', { name: 'Bomb' });
    if (!p.ok) throw new Error(p.error.message);
    projectId = p.result.id;
  }, 120_000);
  afterAll(() => {
    server?.proc.kill();
    t.cleanup();
  });

  /** Peak resident memory of the server process so far (Linux /proc VmHWM), in MiB. */
  const peakMb = () =>
    Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${server.proc.pid}/status`, 'utf8'))![1]) / 1024;

  it('refuses each bomb (by path and uploaded) within seconds, under 1 GB, and keeps answering', async () => {
    const cases: [string, Buffer][] = [
      ['bomb.docx', bomb],
      ['liar.docx', liar],
    ];
    for (const [name, bytes] of cases) {
      const file = path.join(t.dir, name);
      writeFileSync(file, bytes);
      for (const source of [{ path: file }, { fileName: name, base64: bytes.toString('base64') }]) {
        const started = Date.now();
        const r = await server.rpc('script.import', { projectId, source });
        expect(r.ok).toBe(false);
        if (!r.ok) expect(r.error.message).toMatch(new RegExp(`"${name.replace('.', '\\.')}" was refused`));
        expect(Date.now() - started).toBeLessThan(10_000);
      }
    }
    expect(peakMb()).toBeLessThan(1024);
    await expectServerAlive(server);
    const good = await server.rpc<{ lines: unknown[] }>('script.import', {
      projectId,
      source: {
        fileName: 'ok.docx',
        base64: (await docx(Buffer.from(documentXml(['One line.'])))).toString('base64'),
      },
    });
    expect(good.ok && good.result.lines.length).toBe(1);
    expect(integrityCheck(path.join(t.dir, 'data'))).toBe('ok');
  }, 120_000);
});
