/**
 * The files of a Pocket TTS pack and its `bundle.json` (schema 2): which files must be there, the parsed metadata
 * with defaults, the state manifests, and the `.npy` reader for `bos_before_voice.npy`.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The catalog id of the pack (native-models/catalog): also its install folder under <dataDir>/models. */
export const POCKET_PACK_ID = 'pocket-tts';

export type GraphName = 'text_conditioner' | 'flow_lm_main' | 'flow_lm_flow' | 'mimi_encoder' | 'mimi_decoder';
export const GRAPHS: readonly GraphName[] = [
  'text_conditioner',
  'flow_lm_main',
  'flow_lm_flow',
  'mimi_encoder',
  'mimi_decoder',
];

/** Preferred file per graph, then the fallback the reference runtime also accepts. */
export const GRAPH_FILES: Record<GraphName, readonly string[]> = {
  text_conditioner: ['text_conditioner.onnx'],
  flow_lm_main: ['flow_lm_main_int8.onnx', 'flow_lm_main.onnx'],
  flow_lm_flow: ['flow_lm_flow_int8.onnx', 'flow_lm_flow.onnx'],
  mimi_encoder: ['mimi_encoder.onnx'],
  mimi_decoder: ['mimi_decoder_int8.onnx', 'mimi_decoder.onnx'],
};

export type StateDtype = 'float32' | 'int64' | 'bool';
export type StateFill = 'nan' | 'zeros' | 'ones' | 'empty';

export interface StateEntry {
  index: number;
  inputName: string;
  outputName: string;
  module?: string;
  key?: string;
  dtype: StateDtype;
  shape: number[];
  fill: StateFill;
}

export interface Bundle {
  bundleName: string;
  sampleRate: number;
  frameRate: number;
  samplesPerFrame: number;
  latentDim: number;
  conditioningDim: number;
  maxTokenPerChunk: number;
  insertBosBeforeVoice: boolean;
  bosBeforeVoiceFile: string | null;
  tokenizerFile: string;
  modelRecommendedFramesAfterEos: number | null;
  padWithSpacesForShortInputs: boolean;
  removeSemicolons: boolean;
  /** Not in the export's bundle.json; upstream english_2026-04 config recommends 0.3. */
  defaultTemperature: number;
  flowState: StateEntry[];
  mimiState: StateEntry[];
  /** Flow KV-cache positions (shape[2] of the rank-5 `cache` entries), or Infinity when none is declared. */
  cachePositions: number;
  /** `<bundle_name>:<first 16 hex of sha256(bundle.json)>`: conditionings are only valid for the same export. */
  packId: string;
}

export class BundleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BundleError';
  }
}

function parseManifest(raw: unknown, what: string): StateEntry[] {
  if (!Array.isArray(raw)) throw new BundleError(`bundle.json: ${what} is missing or not a list`);
  return raw.map((e: Record<string, unknown>, i) => {
    const dtype = e.dtype as string;
    const fill = (e.fill as string) ?? 'zeros';
    if (!['float32', 'int64', 'bool'].includes(dtype))
      throw new BundleError(`bundle.json: ${what}[${i}] has unsupported dtype "${dtype}"`);
    if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isInteger(d) && d >= 0))
      throw new BundleError(`bundle.json: ${what}[${i}] has an invalid shape`);
    if (typeof e.input_name !== 'string' || typeof e.output_name !== 'string')
      throw new BundleError(`bundle.json: ${what}[${i}] lacks input_name/output_name`);
    return {
      index: typeof e.index === 'number' ? e.index : i,
      inputName: e.input_name,
      outputName: e.output_name,
      module: e.module as string | undefined,
      key: e.key as string | undefined,
      dtype: dtype as StateDtype,
      shape: e.shape as number[],
      fill: (['nan', 'zeros', 'ones', 'empty'].includes(fill) ? fill : 'zeros') as StateFill,
    };
  });
}

export function parseBundle(bytes: Uint8Array): Bundle {
  let j: Record<string, unknown>;
  try {
    j = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
  } catch (e) {
    throw new BundleError(`bundle.json is not valid JSON: ${(e as Error).message}`);
  }
  const num = (k: string, fallback?: number): number => {
    const v = j[k];
    if (typeof v === 'number' && Number.isFinite(v) && v > 0) return v;
    if (fallback !== undefined && v === undefined) return fallback;
    throw new BundleError(`bundle.json: "${k}" is missing or not a positive number`);
  };
  const sampleRate = num('sample_rate');
  const frameRate = num('frame_rate', sampleRate / num('samples_per_frame', 1920));
  const samplesPerFrame = num('samples_per_frame', Math.round(sampleRate / frameRate));
  const flowState = parseManifest(j.flow_lm_state_manifest, 'flow_lm_state_manifest');
  const mimiState = parseManifest(j.mimi_state_manifest, 'mimi_state_manifest');
  const caches = flowState.filter((e) => e.key === 'cache' && e.shape.length === 5).map((e) => e.shape[2]);
  const recommended = j.model_recommended_frames_after_eos;
  return {
    bundleName: typeof j.bundle_name === 'string' ? j.bundle_name : 'unknown',
    sampleRate,
    frameRate,
    samplesPerFrame,
    latentDim: num('latent_dim'),
    conditioningDim: num('conditioning_dim'),
    maxTokenPerChunk: num('max_token_per_chunk', 50),
    insertBosBeforeVoice: j.insert_bos_before_voice === true,
    bosBeforeVoiceFile: typeof j.bos_before_voice_file === 'string' ? j.bos_before_voice_file : null,
    tokenizerFile: typeof j.tokenizer_file === 'string' ? j.tokenizer_file : 'tokenizer.model',
    modelRecommendedFramesAfterEos: typeof recommended === 'number' ? recommended : null,
    padWithSpacesForShortInputs: j.pad_with_spaces_for_short_inputs === true,
    removeSemicolons: j.remove_semicolons === true,
    defaultTemperature: typeof j.default_temperature === 'number' ? j.default_temperature : 0.3,
    flowState,
    mimiState,
    cachePositions: caches.length ? Math.min(...caches) : Infinity,
    packId: `${typeof j.bundle_name === 'string' ? j.bundle_name : 'unknown'}:${createHash('sha256').update(bytes).digest('hex').slice(0, 16)}`,
  };
}

/** Reads a little-endian float32 `.npy` (v1–v3, C order). */
export function parseNpyFloat32(bytes: Uint8Array): { data: Float32Array; shape: number[] } {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (bytes.length < 10 || magic.some((b, i) => bytes[i] !== b)) throw new BundleError('not a .npy file');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = bytes[6];
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  const header = new TextDecoder().decode(bytes.subarray(start, start + headerLen));
  if (!/'descr':\s*'<f4'/.test(header)) throw new BundleError(`.npy is not little-endian float32 (${header.trim()})`);
  if (/'fortran_order':\s*True/.test(header)) throw new BundleError('.npy in Fortran order is not supported');
  const m = /'shape':\s*\(([^)]*)\)/.exec(header);
  if (!m) throw new BundleError('.npy header has no shape');
  const shape = m[1]
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  const off = start + headerLen;
  if (bytes.length - off < count * 4) throw new BundleError('.npy data is truncated');
  const data = new Float32Array(count);
  for (let i = 0; i < count; i++) data[i] = view.getFloat32(off + i * 4, true);
  return { data, shape };
}

export interface PackFiles {
  graphs: Partial<Record<GraphName, string>>;
  bundle?: string;
  tokenizer?: string;
  bos?: string;
  /** Missing required files, named as the pinned export names them. */
  missing: string[];
}

/** Which pack files are present (resolving the int8/fp32 fallbacks). */
export function locatePackFiles(packDir: string): PackFiles {
  const out: PackFiles = { graphs: {}, missing: [] };
  const at = (f: string) => (existsSync(join(packDir, f)) ? join(packDir, f) : undefined);
  for (const g of GRAPHS) {
    const found = GRAPH_FILES[g].map(at).find(Boolean);
    if (found) out.graphs[g] = found;
    else out.missing.push(GRAPH_FILES[g][0]);
  }
  out.bundle = at('bundle.json');
  if (!out.bundle) out.missing.push('bundle.json');
  let tokenizerFile = 'tokenizer.model';
  let bosFile: string | null = 'bos_before_voice.npy';
  if (out.bundle) {
    try {
      const b = parseBundle(readFileSync(out.bundle));
      tokenizerFile = b.tokenizerFile;
      bosFile = b.insertBosBeforeVoice ? b.bosBeforeVoiceFile : null;
    } catch {
      // A broken bundle.json is reported when the engine loads; here only presence matters.
    }
  }
  out.tokenizer = at(tokenizerFile);
  if (!out.tokenizer) out.missing.push(tokenizerFile);
  if (bosFile) {
    out.bos = at(bosFile);
    if (!out.bos) out.missing.push(bosFile);
  }
  return out;
}
