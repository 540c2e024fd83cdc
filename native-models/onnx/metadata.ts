/**
 * An ONNX model's `metadata_props` (ModelProto field 14: key/value strings), which onnxruntime-node does not expose
 * and which sherpa-onnx exports use to say how to drive the graph (vocab_size, subsampling_factor, normalize_type,
 * feature settings). Read by walking the top-level protobuf fields with positional reads: the graph (hundreds of MB)
 * is skipped, never read. Bounded: at most 256 entries of at most 64 KiB each.
 */
import { promises as fsp } from 'node:fs';

const MAX_ENTRIES = 256;
const MAX_ENTRY_BYTES = 64 * 1024;

export class OnnxMetadataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OnnxMetadataError';
  }
}

function varintAt(b: Uint8Array, p: number): { value: number; next: number } {
  let value = 0;
  let mul = 1;
  for (let i = 0; i < 10; i++) {
    if (p + i >= b.length) throw new OnnxMetadataError('truncated protobuf varint');
    const x = b[p + i];
    value += (x & 0x7f) * mul;
    mul *= 128;
    if (!(x & 0x80)) {
      if (value > Number.MAX_SAFE_INTEGER) throw new OnnxMetadataError('protobuf length too large');
      return { value, next: p + i + 1 };
    }
  }
  throw new OnnxMetadataError('bad protobuf varint');
}

function parseEntry(b: Uint8Array): [string, string] {
  let p = 0;
  let key = '';
  let value = '';
  const dec = new TextDecoder();
  while (p < b.length) {
    const tag = varintAt(b, p);
    p = tag.next;
    const field = Math.floor(tag.value / 8);
    const wire = tag.value % 8;
    if (wire !== 2) throw new OnnxMetadataError('unexpected field in a metadata entry');
    const len = varintAt(b, p);
    p = len.next;
    if (p + len.value > b.length) throw new OnnxMetadataError('truncated metadata entry');
    const s = dec.decode(b.subarray(p, p + len.value));
    if (field === 1) key = s;
    else if (field === 2) value = s;
    p += len.value;
  }
  return [key, value];
}

/** The model file's metadata_props as a plain object. */
export async function readOnnxMetadata(file: string): Promise<Record<string, string>> {
  const fh = await fsp.open(file, 'r');
  try {
    const size = (await fh.stat()).size;
    const head = Buffer.alloc(16);
    const out: Record<string, string> = {};
    let entries = 0;
    let pos = 0;
    while (pos < size) {
      const { bytesRead } = await fh.read(head, 0, Math.min(16, size - pos), pos);
      const view = head.subarray(0, bytesRead);
      const tag = varintAt(view, 0);
      const field = Math.floor(tag.value / 8);
      const wire = tag.value % 8;
      let p = tag.next;
      if (wire === 0) {
        p = varintAt(view, p).next;
        pos += p;
      } else if (wire === 1) pos += p + 8;
      else if (wire === 5) pos += p + 4;
      else if (wire === 2) {
        const len = varintAt(view, p);
        const start = pos + len.next;
        if (start + len.value > size) throw new OnnxMetadataError('the model file is truncated');
        if (field === 14) {
          if (++entries > MAX_ENTRIES) throw new OnnxMetadataError('too many metadata entries');
          if (len.value > MAX_ENTRY_BYTES) throw new OnnxMetadataError('a metadata entry is too large');
          const body = Buffer.alloc(len.value);
          await fh.read(body, 0, len.value, start);
          const [k, v] = parseEntry(body);
          out[k] = v;
        }
        pos = start + len.value;
      } else throw new OnnxMetadataError(`not an ONNX model (protobuf wire type ${wire} at byte ${pos})`);
    }
    return out;
  } finally {
    await fh.close();
  }
}
