/**
 * The dubbing pipeline's engine (DubDeps) on the core's synthesis worker: voices resolved like `timbre render` (an
 * id, a library voice's name, or an engine voice's name), library voices through the vault, every take made by the
 * one worker, so models stay loaded between takes. Shared by `timbre dub` and dubbing projects (dub-service.ts).
 */
import { ApiError } from '../../../native-models/common/errors.js';
import type { VoiceInfo } from '../../../preload/contract/index.js';
import type { WorkerHost } from '../jobs/worker-host.js';
import type { DubDeps, ResolvedVoice } from './pipeline.js';

/** Engines that re-generate at a faster speaking rate (`speed` option), and the fastest rate used for fitting. */
export const FASTER_RATE: Record<string, number> = { espeak: 1.6 };

export interface EngineDepsSource {
  voices(): Promise<VoiceInfo[]>;
  /** An API voice id → the engine voice and its options (library voices: decrypted conditioning). */
  resolve(voiceId: string): Promise<{ engineId: string; voiceId: string; options: ResolvedVoice['options'] }>;
  engines: Pick<WorkerHost, 'synthesize' | 'cancel'>;
  /** The installed source-separation pack (separation-host.ts `separationFor`), for `--background separate`. */
  separation?: DubDeps['separation'];
}

/** A voice argument as `timbre render` reads it: an id, a library voice's name, then any voice's name. */
export function matchVoice(voices: readonly VoiceInfo[], arg: string): string {
  const lower = arg.toLowerCase();
  const hit =
    voices.find((v) => v.id === arg) ??
    voices.find((v) => v.engineId === 'library' && v.name.toLowerCase() === lower) ??
    voices.find((v) => v.name.toLowerCase() === lower) ??
    (arg.startsWith('espeak:') ? { id: arg } : null);
  if (!hit) throw new ApiError('NOT_FOUND', `No voice "${arg}": pick one of the installed voices.`);
  return hit.id;
}

let takeCounter = 0;

export function engineDubDeps(src: EngineDepsSource): DubDeps {
  return {
    async resolveVoice(arg) {
      const id = matchVoice(await src.voices(), arg);
      const r = await src.resolve(id);
      return {
        id,
        engineId: r.engineId,
        voiceId: r.voiceId,
        options: r.options,
        maxRate: FASTER_RATE[r.engineId] ?? null,
      };
    },
    async synthesize(voice, text, options, signal) {
      if (signal.aborted) throw new ApiError('CANCELLED', 'The dub was cancelled.');
      return synthesizeWhole(src.engines, `dub-${process.pid}-${++takeCounter}`, voice, text, options, signal);
    },
    separation: src.separation,
  };
}

/** One take on the synthesis worker, collected whole (a segment's take is seconds long); `signal` cancels it. */
export async function synthesizeWhole(
  engines: Pick<WorkerHost, 'synthesize' | 'cancel'>,
  jobId: string,
  voice: Pick<ResolvedVoice, 'engineId' | 'voiceId'>,
  text: string,
  options: ResolvedVoice['options'],
  signal: AbortSignal,
): Promise<{ pcm: Float32Array; sampleRate: number }> {
  const chunks: Float32Array[] = [];
  let total = 0;
  const onAbort = () => engines.cancel(jobId);
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    const res = await engines.synthesize(
      { jobId, engineId: voice.engineId, voiceId: voice.voiceId, text, options, seed: 1 },
      {
        onChunk: (pcm) => {
          chunks.push(pcm);
          total += pcm.length;
        },
        onProgress: () => undefined,
      },
    );
    const pcm = new Float32Array(total);
    let at = 0;
    for (const c of chunks) {
      pcm.set(c, at);
      at += c.length;
    }
    return { pcm, sampleRate: res.sampleRate };
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}
