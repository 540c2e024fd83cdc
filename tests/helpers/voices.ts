/** Shared set-up for the voice library tests: a real core with the real VAD/GTCRN packs, and file scanning. */
import { decodeWav, encodeWav } from '../../native-models/audio/wav.js';
import { EspeakRuntime } from '../../native-models/espeak/runtime.js';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { createCore, type Core, type CoreOptions } from '../../main/node/core.js';

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
  opts: Partial<CoreOptions> = {},
): Promise<Core> {
  const core = await createCore({ dataDir, transport: 'web', version: 'test', ...opts });
  for (const id of packs) await call(core, 'models.import', { path: path.join(SHARED_MODELS, id) });
  return core;
}

export function allFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? allFiles(p) : [p];
  });
}

/** `text` spoken by eSpeak over a quiet room (-60 dBFS noise), as a 16-bit WAV. */
export async function spokenReading(text: string): Promise<Buffer> {
  const out = await new EspeakRuntime().run(['-v', 'en-us', '-w', 'r.wav', text], { outputs: ['r.wav'], clockMs: 0 });
  const wav = decodeWav(out.outputs.get('r.wav')!);
  let seed = 11;
  let brown = 0;
  const x = wav.samples.map((v) => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    brown = 0.98 * brown + (seed / 2 ** 32 - 0.5);
    return v + brown * 0.0005;
  });
  return encodeWav(x, wav.sampleRate);
}
