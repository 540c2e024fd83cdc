/**
 * Minimal protobuf wire-format reader: enough to walk a SentencePiece ModelProto (varints, 32/64-bit fixed and
 * length-delimited fields). No schema: callers switch on field numbers.
 */

export interface ProtoField {
  field: number;
  wire: 0 | 1 | 2 | 5;
  /** wire 0: the varint; wire 1/5: unused (see `num`). */
  varint: bigint;
  /** wire 1: float64, wire 5: float32. */
  num: number;
  /** wire 2: the bytes (a view into the input). */
  bytes: Uint8Array;
}

const EMPTY = new Uint8Array(0);

export function* readFields(buf: Uint8Array): Generator<ProtoField> {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let p = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (p >= buf.length) throw new Error('protobuf: truncated varint');
      const b = buf[p++];
      result |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return result;
      shift += 7n;
      if (shift > 63n) throw new Error('protobuf: varint too long');
    }
  };
  while (p < buf.length) {
    const key = Number(varint());
    const field = key >>> 3;
    const wire = key & 7;
    if (wire === 0) {
      yield { field, wire, varint: varint(), num: 0, bytes: EMPTY };
    } else if (wire === 1) {
      if (p + 8 > buf.length) throw new Error('protobuf: truncated fixed64');
      yield { field, wire, varint: 0n, num: view.getFloat64(p, true), bytes: EMPTY };
      p += 8;
    } else if (wire === 5) {
      if (p + 4 > buf.length) throw new Error('protobuf: truncated fixed32');
      yield { field, wire, varint: 0n, num: view.getFloat32(p, true), bytes: EMPTY };
      p += 4;
    } else if (wire === 2) {
      const len = Number(varint());
      if (p + len > buf.length) throw new Error('protobuf: truncated length-delimited field');
      yield { field, wire, varint: 0n, num: 0, bytes: buf.subarray(p, p + len) };
      p += len;
    } else {
      throw new Error(`protobuf: unsupported wire type ${wire} (field ${field})`);
    }
  }
}
