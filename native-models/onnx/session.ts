/**
 * onnxruntime-node sessions for every neural engine: creation with execution providers and thread counts, and a
 * signature check that fails with a message naming the mismatch (a wrong or corrupted model pack must never run).
 */
import * as ort from 'onnxruntime-node';
import { isMainThread } from 'node:worker_threads';

/**
 * onnxruntime (1.2x on Linux and macOS) starts a telemetry system with its first session: it writes a device id
 * (`$TMPDIR/.ses`: a timestamp and a GUID) and a `mat-debug-<pid>.log` into the temporary folder, and can upload
 * events where it finds a CA bundle. Timbre keeps no identifier and sends nothing: ORT_DISABLE_TELEMETRY=1 turns it
 * off. The library reads the process environment, which only a process's main thread can set (a worker's
 * process.env is a copy), so every entry point calls this before any session exists: bin/timbre.mjs, createCore
 * (desktop, server, tests) and this module when a main thread loads it. Child processes inherit it.
 */
export function disableOrtTelemetry(): void {
  if (isMainThread) process.env.ORT_DISABLE_TELEMETRY = '1';
}
disableOrtTelemetry();

export type TensorType = 'float32' | 'int64' | 'int32' | 'bool' | 'float16' | 'uint8' | 'int8';

export interface TensorSpec {
  name: string;
  type: TensorType;
  /** Expected rank; omit to accept any. */
  rank?: number;
}

export interface GraphSignature {
  inputs: TensorSpec[];
  outputs: TensorSpec[];
}

export interface SessionOptions {
  /** e.g. ['cuda', 'cpu']; the last entry should be 'cpu'. */
  executionProviders?: string[];
  intraOpThreads?: number;
  interOpThreads?: number;
}

export async function createSession(
  file: string | Uint8Array,
  opts: SessionOptions = {},
): Promise<ort.InferenceSession> {
  const so: ort.InferenceSession.SessionOptions = {
    executionProviders: opts.executionProviders ?? ['cpu'],
    graphOptimizationLevel: 'all',
  };
  if (opts.intraOpThreads) so.intraOpNumThreads = opts.intraOpThreads;
  if (opts.interOpThreads) so.interOpNumThreads = opts.interOpThreads;
  return typeof file === 'string' ? ort.InferenceSession.create(file, so) : ort.InferenceSession.create(file, so);
}

interface ValueMeta {
  name: string;
  isTensor: boolean;
  type?: string;
  shape?: readonly (number | string)[];
}

/** Returns the list of mismatches (empty when the session matches the signature). */
export function signatureMismatches(session: ort.InferenceSession, sig: GraphSignature, graph = 'graph'): string[] {
  const problems: string[] = [];
  const check = (
    kind: 'input' | 'output',
    specs: TensorSpec[],
    metas: readonly ValueMeta[],
    names: readonly string[],
  ) => {
    for (const spec of specs) {
      const meta = metas.find((m) => m.name === spec.name);
      if (!names.includes(spec.name)) {
        problems.push(`${graph}: missing ${kind} "${spec.name}" (has: ${names.join(', ') || 'none'})`);
        continue;
      }
      if (!meta || !meta.isTensor) continue;
      if (meta.type && meta.type !== spec.type)
        problems.push(`${graph}: ${kind} "${spec.name}" is ${meta.type}, expected ${spec.type}`);
      if (spec.rank !== undefined && meta.shape && meta.shape.length !== spec.rank)
        problems.push(`${graph}: ${kind} "${spec.name}" has rank ${meta.shape.length}, expected ${spec.rank}`);
    }
  };
  const s = session as unknown as { inputMetadata?: readonly ValueMeta[]; outputMetadata?: readonly ValueMeta[] };
  check('input', sig.inputs, s.inputMetadata ?? [], session.inputNames);
  check('output', sig.outputs, s.outputMetadata ?? [], session.outputNames);
  return problems;
}

export class SignatureError extends Error {
  constructor(readonly problems: string[]) {
    super(`The model does not match what the engine expects: ${problems.join('; ')}`);
    this.name = 'SignatureError';
  }
}

export function assertSignature(session: ort.InferenceSession, sig: GraphSignature, graph?: string): void {
  const problems = signatureMismatches(session, sig, graph);
  if (problems.length) throw new SignatureError(problems);
}

/** Result of {@link createSessionWithFallback}: the session, the provider it runs on, and a notice when it fell back. */
export interface SessionWithProvider {
  session: ort.InferenceSession;
  /** The execution provider the session was created with ('cpu' after a fallback). */
  provider: string;
  /** Set when the requested provider could not be used: a sentence the UI can show as is. */
  notice?: string;
}

const PROVIDER_LABELS: Record<string, string> = {
  cpu: 'CPU',
  cuda: 'CUDA',
  dml: 'DirectML',
  coreml: 'Core ML',
  webgpu: 'WebGPU',
  tensorrt: 'TensorRT',
};

export function providerLabel(name: string): string {
  return PROVIDER_LABELS[name] ?? name;
}

/**
 * Create a session on the first provider in `opts.executionProviders` (default: 'cpu'); when that provider is not in
 * this build of onnxruntime-node or fails to initialise (missing CUDA libraries, no GPU), create it on the CPU instead
 * and return a notice saying why. Errors that are not about the provider (a missing or corrupt model file) are thrown.
 */
export async function createSessionWithFallback(
  file: string | Uint8Array,
  opts: SessionOptions = {},
): Promise<SessionWithProvider> {
  const wanted = opts.executionProviders?.find((p) => p !== 'cpu') ?? 'cpu';
  if (wanted === 'cpu')
    return { session: await createSession(file, { ...opts, executionProviders: ['cpu'] }), provider: 'cpu' };
  const supported = ort.listSupportedBackends().map((b) => b.name);
  let reason: string;
  if (!supported.includes(wanted)) {
    reason = `this build of the inference runtime has no ${providerLabel(wanted)} support`;
  } else {
    try {
      return { session: await createSession(file, { ...opts, executionProviders: [wanted] }), provider: wanted };
    } catch (err) {
      reason = firstLine(err instanceof Error ? err.message : String(err));
    }
  }
  // A CPU failure here is a real error (bad file, out of memory): let it propagate.
  const session = await createSession(file, { ...opts, executionProviders: ['cpu'] });
  return {
    session,
    provider: 'cpu',
    notice: `${providerLabel(wanted)} acceleration is not available (${reason}); running on the CPU instead, which is slower.`,
  };
}

function firstLine(s: string): string {
  const line = s.split('\n').find((l) => l.trim()) ?? s;
  return line.length > 200 ? `${line.slice(0, 197)}...` : line.trim();
}

export { ort };
