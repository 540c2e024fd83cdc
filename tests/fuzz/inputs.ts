/**
 * Input generators shared by the fuzz targets and by the declared-size child process (which runs outside vitest, so
 * nothing here imports it).
 */
import fc from 'fast-check';
import { Readable } from 'node:stream';
import yazl from 'yazl';

/** The CI seed: fixed, so a CI failure replays exactly on any machine. */
export const CI_SEED = 20_261_216;

// Properties over different value types live in one list; fast-check only needs to run them.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyProperty = fc.IRawProperty<any, boolean>;

/** Strings that stress parsers: control characters, lone surrogates, emoji, CJK, RTL marks, BOMs. */
export const hostileString = (maxLength = 200) =>
  fc.oneof(
    fc.string({ maxLength, unit: 'binary' }),
    fc.string({ maxLength, unit: 'grapheme' }),
    fc.string({ maxLength, unit: fc.constantFrom('\0', '\ufeff', '\u2028', '\r', '\n', '\t', '\ud800', '\udfff') }),
  );

export type ByteEdit =
  | { kind: 'set'; at: number; byte: number }
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'u32'; at: number; value: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'append'; bytes: Uint8Array };

/** Edits that damage a file: replace or flip bytes, write a 32-bit value (a size field), truncate, append. */
export const byteEdits = (maxEdits = 8): fc.Arbitrary<ByteEdit[]> =>
  fc.array(
    fc.oneof(
      fc.record({ kind: fc.constant('set' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
      fc.record({ kind: fc.constant('u32' as const), at: fc.nat(), value: interestingU32 }),
      fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('append' as const), bytes: fc.uint8Array({ maxLength: 64 }) }),
    ),
    { minLength: 1, maxLength: maxEdits },
  );

export function applyEdits(input: Uint8Array, edits: readonly ByteEdit[]): Buffer {
  let buf = Buffer.from(input);
  for (const e of edits) {
    if (e.kind === 'append') buf = Buffer.concat([buf, e.bytes]);
    else if (buf.length === 0) continue;
    else if (e.kind === 'set') buf[e.at % buf.length] = e.byte;
    else if (e.kind === 'flip') buf[e.at % buf.length] ^= 1 << e.bit;
    else if (e.kind === 'truncate') buf = buf.subarray(0, e.at % buf.length);
    else if (buf.length >= 4) buf.writeUInt32LE(e.value, e.at % (buf.length - 3));
  }
  return buf;
}

/** A buffer from `base`, damaged by a few edits. */
export const mutatedBytes = (base: fc.Arbitrary<Uint8Array>, maxEdits = 8): fc.Arbitrary<Uint8Array> =>
  fc.tuple(base, byteEdits(maxEdits)).map(([b, edits]) => new Uint8Array(applyEdits(b, edits)));

/** 32-bit values that break size arithmetic: 0, 1, powers of two, the top of the range. */
export const interestingU32 = fc.oneof(
  fc.constantFrom(0, 1, 2, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff, 0xffff, 0x10000, 44, 36),
  fc.integer({ min: 0, max: 0xffffffff }),
);

const u16 = fc.oneof(
  fc.constantFrom(0, 1, 2, 6, 8, 16, 24, 32, 64, 0xfffe, 0xffff),
  fc.integer({ min: 0, max: 0xffff }),
);

/** A WAV file built chunk by chunk from arbitrary (often inconsistent) fields: what a hostile writer can produce. */
export const structuredWav: fc.Arbitrary<Uint8Array> = fc
  .record({
    riffSize: fc.option(interestingU32, { nil: undefined }),
    format: fc.oneof(fc.constantFrom(1, 3, 0xfffe), u16),
    subFormat: fc.oneof(fc.constantFrom(1, 3), u16),
    channels: fc.oneof(fc.integer({ min: 1, max: 8 }), u16),
    sampleRate: fc.oneof(fc.constantFrom(8000, 16000, 22050, 44100, 48000), interestingU32),
    bits: fc.oneof(fc.constantFrom(16, 32), u16),
    blockAlign: fc.option(u16, { nil: undefined }),
    fmtSize: fc.oneof(fc.constantFrom(16, 18, 40), interestingU32),
    dataDeclared: fc.option(interestingU32, { nil: undefined }),
    data: fc.uint8Array({ maxLength: 4096 }),
    junk: fc.array(
      fc.record({
        id: fc.string({ minLength: 4, maxLength: 4, unit: 'binary-ascii' }),
        size: interestingU32,
        body: fc.uint8Array({ maxLength: 32 }),
      }),
      { maxLength: 3 },
    ),
    dataFirst: fc.boolean(),
  })
  .map((w) => {
    const fmtBody = Buffer.alloc(w.format === 0xfffe ? 40 : 16);
    fmtBody.writeUInt16LE(w.format, 0);
    fmtBody.writeUInt16LE(w.channels, 2);
    fmtBody.writeUInt32LE(w.sampleRate, 4);
    fmtBody.writeUInt32LE((w.sampleRate * ((w.bits >> 3) * w.channels)) >>> 0, 8);
    fmtBody.writeUInt16LE(w.blockAlign ?? ((w.bits >> 3) * w.channels) & 0xffff, 12);
    fmtBody.writeUInt16LE(w.bits, 14);
    if (w.format === 0xfffe) {
      fmtBody.writeUInt16LE(22, 16);
      fmtBody.writeUInt16LE(w.subFormat, 24);
    }
    const chunk = (id: string, declared: number, body: Uint8Array) => {
      const h = Buffer.alloc(8);
      h.write(id, 0, 'latin1');
      h.writeUInt32LE(declared, 4);
      return Buffer.concat([h, body, body.length & 1 ? Buffer.alloc(1) : Buffer.alloc(0)]);
    };
    const fmt = chunk('fmt ', w.fmtSize === 16 || w.fmtSize === 40 ? fmtBody.length : w.fmtSize, fmtBody);
    const data = chunk('data', w.dataDeclared ?? w.data.length, w.data);
    const junk = w.junk.map((j) => chunk(j.id, j.size, j.body));
    const body = Buffer.concat(w.dataFirst ? [...junk, data, fmt] : [fmt, ...junk, data]);
    const head = Buffer.alloc(12);
    head.write('RIFF', 0, 'ascii');
    head.writeUInt32LE(w.riffSize ?? body.length + 4, 4);
    head.write('WAVE', 8, 'ascii');
    return new Uint8Array(Buffer.concat([head, body]));
  });

function collect(zip: yazl.ZipFile): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    zip.outputStream.on('error', reject);
  });
}

export function zipOf(files: [string, Buffer][]): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const [name, bytes] of files) zip.addBuffer(bytes, name);
  zip.end();
  return collect(zip);
}

const xmlEscape = (s: string) => s.replace(/[<>&]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;' })[c]!);

/** The package parts every .docx needs besides word/document.xml. */
const DOCX_PARTS: [string, string][] = [
  [
    '[Content_Types].xml',
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
  ],
  [
    '_rels/.rels',
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
  ],
];

/** A minimal real Word document with these paragraphs (what mammoth reads). */
export function makeDocx(paragraphs: string[]): Promise<Buffer> {
  const body = paragraphs.map((p) => `<w:p><w:r><w:t>${xmlEscape(p)}</w:t></w:r></w:p>`).join('');
  return zipOf([
    ...DOCX_PARTS.map(([n, t]): [string, Buffer] => [n, Buffer.from(t)]),
    [
      'word/document.xml',
      Buffer.from(
        `<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>${body}</w:body></w:document>`,
      ),
    ],
  ]);
}

/**
 * A .docx zip bomb: word/document.xml inflates to `mb` MiB of text from a few hundred KiB, streamed through the
 * deflater so that making it never holds the inflated bytes in memory.
 */
export function makeDocxBomb(mb: number): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const [name, text] of DOCX_PARTS) zip.addBuffer(Buffer.from(text), name);
  const chunk = Buffer.alloc(1024 * 1024, 'a');
  const head =
    '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>';
  const tail = '</w:t></w:r></w:p></w:body></w:document>';
  zip.addReadStream(
    Readable.from(
      (function* () {
        yield Buffer.from(head);
        for (let i = 0; i < mb; i++) yield chunk;
        yield Buffer.from(tail);
      })(),
    ),
    'word/document.xml',
  );
  zip.end();
  return collect(zip);
}
