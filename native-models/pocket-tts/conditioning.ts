/**
 * Voice conditioning: the speaker-projected Mimi latents of a reference recording (`mimi_encoder` output), which
 * is all Pocket TTS needs to clone a voice. Encoded once, stored with the voice as bytes, reused without the
 * encoder.
 *
 * Byte format (little-endian): "TPVC" · u16 version (1) · u16 0 · u32 header length · UTF-8 JSON header
 * { packId, frames, dim, seconds, dtype: "float32le" } · zero padding to a multiple of 4 · frames·dim float32.
 */

export interface VoiceConditioning {
  /** Latents, row-major [frames, dim]. */
  latents: Float32Array;
  frames: number;
  dim: number;
  /** The export that encoded it (`Bundle.packId`); a conditioning only fits the graphs of the same export. */
  packId: string;
  /** Seconds of reference audio that were encoded. */
  seconds: number;
}

const MAGIC = [0x54, 0x50, 0x56, 0x43]; // "TPVC"
const VERSION = 1;

export class ConditioningFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConditioningFormatError';
  }
}

export function serializeConditioning(c: VoiceConditioning): Uint8Array {
  if (c.latents.length !== c.frames * c.dim) throw new ConditioningFormatError('latents length ≠ frames × dim');
  const header = new TextEncoder().encode(
    JSON.stringify({ packId: c.packId, frames: c.frames, dim: c.dim, seconds: c.seconds, dtype: 'float32le' }),
  );
  const dataOff = Math.ceil((12 + header.length) / 4) * 4;
  const out = new Uint8Array(dataOff + c.latents.length * 4);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  view.setUint16(4, VERSION, true);
  view.setUint32(8, header.length, true);
  out.set(header, 12);
  for (let i = 0; i < c.latents.length; i++) view.setFloat32(dataOff + i * 4, c.latents[i], true);
  return out;
}

export function deserializeConditioning(bytes: Uint8Array): VoiceConditioning {
  if (bytes.length < 12 || MAGIC.some((b, i) => bytes[i] !== b))
    throw new ConditioningFormatError('not a Pocket TTS voice conditioning (bad magic)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint16(4, true);
  if (version !== VERSION) throw new ConditioningFormatError(`unsupported voice conditioning version ${version}`);
  const headerLen = view.getUint32(8, true);
  if (12 + headerLen > bytes.length) throw new ConditioningFormatError('voice conditioning header is truncated');
  let h: { packId?: unknown; frames?: unknown; dim?: unknown; seconds?: unknown; dtype?: unknown };
  try {
    h = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + headerLen)));
  } catch {
    throw new ConditioningFormatError('voice conditioning header is not valid JSON');
  }
  const { frames, dim } = h;
  if (
    typeof h.packId !== 'string' ||
    !Number.isInteger(frames) ||
    !Number.isInteger(dim) ||
    (frames as number) < 1 ||
    (dim as number) < 1 ||
    h.dtype !== 'float32le'
  )
    throw new ConditioningFormatError('voice conditioning header is incomplete');
  const n = (frames as number) * (dim as number);
  const dataOff = Math.ceil((12 + headerLen) / 4) * 4;
  if (bytes.length !== dataOff + n * 4)
    throw new ConditioningFormatError(
      `voice conditioning holds ${bytes.length - dataOff} data bytes, expected ${n * 4}`,
    );
  const latents = new Float32Array(n);
  for (let i = 0; i < n; i++) latents[i] = view.getFloat32(dataOff + i * 4, true);
  return {
    latents,
    frames: frames as number,
    dim: dim as number,
    packId: h.packId,
    seconds: typeof h.seconds === 'number' ? h.seconds : 0,
  };
}
