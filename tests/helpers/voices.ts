/** Shared set-up for the voice library tests: a real core with the real VAD/GTCRN packs, and file scanning. */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { createCore, type Core } from '../../main/node/core.js';

export const SHARED_MODELS = path.resolve('../shared/models');
export const SPEECH_16K = path.resolve('../shared/eval/speech/16k');
export const SPEECH_NATIVE = path.resolve('../shared/eval/speech/native');

export class CallError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details: unknown,
  ) {
    super(message);
    this.name = `CallError(${code})`;
  }
}

/** Call a method through the real dispatcher (validation included); throws CallError on an error reply. */
export async function call<T>(c: Core, method: string, params: unknown = {}): Promise<T> {
  const r = await c.dispatch(method, params);
  if (!r.ok) throw new CallError(r.error.code, r.error.message, r.error.details);
  return r.result as T;
}

/** The error reply of a call that must fail. */
export async function callError(c: Core, method: string, params: unknown = {}): Promise<CallError> {
  const r = await c.dispatch(method, params);
  if (r.ok) throw new Error(`${method} succeeded but was expected to fail`);
  return new CallError(r.error.code, r.error.message, r.error.details);
}

export async function openVoiceCore(
  dataDir: string,
  packs: ('silero-vad' | 'gtcrn')[] = ['silero-vad'],
): Promise<Core> {
  const core = await createCore({ dataDir, transport: 'web', version: 'test' });
  for (const id of packs) await call(core, 'models.import', { path: path.join(SHARED_MODELS, id) });
  return core;
}

export function allFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? allFiles(p) : [p];
  });
}
