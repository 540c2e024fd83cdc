/**
 * A guard in front of mammoth for `.docx` scripts (issue #16: a 42 KB zip bomb inflated to 4.3 GB).
 *
 * A .docx is a zip. Before anything is inflated, the central directory is checked: the number of entries, each
 * entry's declared size, the declared total and each entry's compression ratio. Then every entry is inflated by yauzl,
 * which stops an entry that inflates to more than it declared (a lying central directory), with a running cap on the
 * total as well. mammoth then reads a copy of the document whose entries are stored (not compressed), so it has
 * nothing left to inflate: whatever mammoth does, it works on at most DOCX_LIMITS.inflatedBytesMax bytes.
 */
import { crc32 } from 'node:zlib';
import yauzl from 'yauzl';
import { ApiError } from '../../../native-models/common/errors.js';

export const DOCX_LIMITS = {
  /** Entries in the archive: a Word document has a few dozen. */
  entriesMax: 2000,
  /** Inflated size of all the entries together (a script's XML is far smaller). */
  inflatedBytesMax: 64 * 1024 * 1024,
  /** Inflated size over compressed size, for entries over ratioFloorBytes (deflate's maximum is about 1032:1). */
  ratioMax: 200,
  ratioFloorBytes: 1024 * 1024,
} as const;

function refuse(name: string, why: string, details: Record<string, unknown> = {}): ApiError {
  return new ApiError(
    'INVALID_INPUT',
    `"${name}" was refused: ${why}. It may be damaged or built to exhaust memory; save it again from Word, or paste its text.`,
    { reason: 'docx-limits', ...details },
  );
}

interface Part {
  name: string;
  data: Buffer;
}

/** Check and inflate a .docx with the limits above; returns the same document with stored (uncompressed) entries. */
export async function boundedDocx(bytes: Buffer, name: string): Promise<Buffer> {
  const zip = await yauzl
    .fromBufferPromise(bytes, { lazyEntries: true, validateEntrySizes: true, decodeStrings: true })
    .catch((err: Error) => {
      throw new ApiError('INVALID_INPUT', `"${name}" could not be read as a Word document (${err.message}).`);
    });
  const L = DOCX_LIMITS;
  if (zip.entryCount > L.entriesMax)
    throw refuse(name, `it holds ${zip.entryCount} parts (at most ${L.entriesMax})`, { entries: zip.entryCount });
  const parts: Part[] = [];
  let declared = 0;
  let inflated = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on('error', (err: Error) =>
        reject(
          /too many bytes|too few bytes|invalid/i.test(err.message)
            ? refuse(name, `its contents do not match their declared sizes (${err.message})`)
            : new ApiError('INVALID_INPUT', `"${name}" could not be read as a Word document (${err.message}).`),
        ),
      );
      zip.on('end', () => resolve());
      zip.on('entry', (entry: yauzl.Entry) => {
        if (entry.fileName.endsWith('/')) return zip.readEntry();
        const size = entry.uncompressedSize;
        declared += size;
        if (declared > L.inflatedBytesMax)
          return reject(
            refuse(name, `its parts declare more than ${L.inflatedBytesMax / 1048576} MiB once unpacked`, {
              declared,
            }),
          );
        if (size > L.ratioFloorBytes && size > L.ratioMax * Math.max(1, entry.compressedSize))
          return reject(
            refuse(
              name,
              `its part ${entry.fileName} unpacks ${Math.round(size / Math.max(1, entry.compressedSize))} times larger than it is stored (at most ${L.ratioMax} times)`,
              { part: entry.fileName, ratio: size / Math.max(1, entry.compressedSize) },
            ),
          );
        zip.openReadStream(entry, (err, stream) => {
          if (err) return reject(refuse(name, `its part ${entry.fileName} cannot be unpacked (${err.message})`));
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => {
            inflated += c.length;
            if (inflated > L.inflatedBytesMax) {
              stream.destroy();
              return reject(refuse(name, `it unpacks to more than ${L.inflatedBytesMax / 1048576} MiB`, { inflated }));
            }
            chunks.push(c);
          });
          stream.on('error', (e: Error) =>
            reject(refuse(name, `its part ${entry.fileName} does not match its declared size (${e.message})`)),
          );
          stream.on('end', () => {
            parts.push({ name: entry.fileName, data: Buffer.concat(chunks) });
            zip.readEntry();
          });
        });
      });
      zip.readEntry();
    });
  } finally {
    zip.close();
  }
  return storedZip(parts);
}

/** A zip with every entry stored (method 0): what mammoth reads without inflating anything. */
function storedZip(parts: Part[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const p of parts) {
    const nameBytes = Buffer.from(p.name, 'utf8');
    const crc = crc32(p.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(0, 8); // stored
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(p.data.length, 18);
    local.writeUInt32LE(p.data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(p.data.length, 20);
    central.writeUInt32LE(p.data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, p.data);
    centrals.push(central, nameBytes);
    offset += 30 + nameBytes.length + p.data.length;
  }
  const cdSize = centrals.reduce((n, b) => n + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(parts.length, 8);
  end.writeUInt16LE(parts.length, 10);
  end.writeUInt32LE(cdSize, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, ...centrals, end]);
}
