/**
 * Speech for the public API (`POST /v1/audio/speech`, `timbre mcp`): text in, 24 kHz mono PCM out in chunks as the
 * engine makes them. Resolves OpenAI's model and voice names onto Timbre's engines and voices, and runs requests one
 * at a time in arrival order (the synthesis worker is one thread: running several at once only interleaves them),
 * with a bounded wait list (more → 429). Cancelling (the client went away) stops the engine.
 */
import type { LedgerSink } from '../privacy/ledger.js';
import { randomBytes } from 'node:crypto';
import type { SpeechRequest, VoiceInfo } from '../../../preload/contract/index.js';
import { SPEECH_LIMITS } from '../../../preload/contract/index.js';
import { ApiError } from '../../../native-models/common/errors.js';
import { Resampler } from '../../../native-models/dsp/resample.js';
import { timeStretch } from '../../../native-models/dsp/stretch.js';
import type { WorkerHost } from '../jobs/worker-host.js';

/** Every format of the API is made from this rate (OpenAI's `pcm` is 24 kHz 16-bit). */
export const SPEECH_RATE = 24_000;

/** OpenAI's model names, answered by the best installed engine. */
export const OPENAI_MODELS = ['tts-1', 'tts-1-hd', 'gpt-4o-mini-tts'] as const;
/** Engines in order of preference for the OpenAI model names. */
const ENGINE_PREFERENCE = ['pocket-tts', 'espeak'];

/** OpenAI's voice names on eSpeak NG: distinct variants, so a client that picks different voices hears different ones. */
const ESPEAK_OPENAI_VOICES: Record<string, string> = {
  alloy: 'en-us',
  ash: 'en-us+m1',
  ballad: 'en-us+m2',
  coral: 'en-us+f1',
  echo: 'en-us+m3',
  fable: 'en-gb+m4',
  onyx: 'en-us+m5',
  nova: 'en-us+f2',
  sage: 'en-us+f3',
  shimmer: 'en-us+f4',
  verse: 'en-us+m6',
  marin: 'en-us+f5',
  cedar: 'en-us+m7',
};
export const OPENAI_VOICES = Object.keys(ESPEAK_OPENAI_VOICES);

export interface SpeechDeps {
  engines: WorkerHost;
  /** Every voice: library voices (engineId `library`) and engine voices (as `voices.list`). */
  voices(): Promise<VoiceInfo[]>;
  /** Installed engines. */
  availableEngines(): Promise<string[]>;
  /** Library voices that can be spoken now (a cloning engine that has them is installed). */
  usableLibraryVoices(): Set<string>;
  /** A library voice as an engine voice plus options (its cloning conditioning); throws when it cannot be used. */
  resolveLibrary(voiceId: string): Promise<{ engineId: string; voiceId: string; options?: Record<string, string> }>;
  /** The privacy ledger: each request records which model ran (never the text). */
  ledger?: LedgerSink;
}

export interface ResolvedSpeech {
  engineId: string;
  voiceId: string;
  options: Record<string, string | number>;
  /** What was chosen, for logs and response headers: `espeak:en-us+f2`, `library:<id>`. */
  label: string;
}

export class SpeechService {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly deps: SpeechDeps,
    private readonly concurrency = 1,
  ) {}

  /** Requests running and waiting (for tests and status). */
  get load(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }

  /** `GET /v1/models`: the installed engines and the OpenAI names they answer to. */
  async models(): Promise<string[]> {
    const installed = await this.deps.availableEngines();
    return installed.length ? [...OPENAI_MODELS, ...installed] : [];
  }

  /** `GET /v1/audio/voices`. */
  async voiceList(): Promise<{ id: string; name: string; engine: string; language: string; available: boolean }[]> {
    const usable = this.deps.usableLibraryVoices();
    return (await this.deps.voices()).map((v) => ({
      id: v.id,
      name: v.name,
      engine: v.engineId,
      language: v.language,
      available: v.engineId !== 'library' || usable.has(v.id),
    }));
  }

  /** Which engine a `model` means; NOT_FOUND (404 `model_not_found`) when none. */
  async engineFor(model: string): Promise<string> {
    const installed = await this.deps.availableEngines();
    if ((OPENAI_MODELS as readonly string[]).includes(model)) {
      const best = ENGINE_PREFERENCE.find((e) => installed.includes(e)) ?? installed[0];
      if (best) return best;
    } else if (installed.includes(model)) return model;
    throw new ApiError(
      'NOT_FOUND',
      `The model "${model}" does not exist here. Use one of: ${[...OPENAI_MODELS, ...installed].join(', ')} (GET /v1/models).`,
      { param: 'model', openaiCode: 'model_not_found' },
    );
  }

  /** The engine voice a request's `model` and `voice` mean; INVALID_INPUT / NOT_FOUND with `param: 'voice'`. */
  async resolve(req: Pick<SpeechRequest, 'model' | 'voice'>): Promise<ResolvedSpeech> {
    const engine = await this.engineFor(req.model);
    const explicitEngine = !(OPENAI_MODELS as readonly string[]).includes(req.model);
    const asked = typeof req.voice === 'string' ? req.voice : req.voice.id;
    const voices = await this.deps.voices();
    const lower = asked.toLowerCase();

    // An OpenAI voice name on the chosen engine.
    if (OPENAI_VOICES.includes(lower) && !voices.some((v) => v.name.toLowerCase() === lower)) {
      if (engine === 'espeak') {
        const id = ESPEAK_OPENAI_VOICES[lower];
        return { engineId: 'espeak', voiceId: id, options: {}, label: `espeak:${id}` };
      }
      const own = voices.filter((v) => v.engineId === engine).sort((a, b) => a.id.localeCompare(b.id));
      if (own.length) {
        const v = own[OPENAI_VOICES.indexOf(lower) % own.length];
        return { engineId: engine, voiceId: v.id.slice(engine.length + 1), options: {}, label: v.id };
      }
    }
    // A voice id, or a voice's name (library voices first: they are the user's own).
    const match =
      voices.find((v) => v.id === asked) ??
      voices.find((v) => v.engineId === 'library' && v.name.toLowerCase() === lower) ??
      voices.find((v) => v.engineId === engine && (v.name.toLowerCase() === lower || v.id === `${engine}:${asked}`));
    if (!match)
      throw new ApiError(
        'NOT_FOUND',
        `No voice "${asked}". Use a voice id or name from GET /v1/audio/voices, or one of OpenAI's: ${OPENAI_VOICES.join(', ')}.`,
        { param: 'voice', openaiCode: 'voice_not_found' },
      );
    if (match.engineId === 'library') {
      const r = await this.deps.resolveLibrary(match.id.slice('library:'.length));
      if (explicitEngine && r.engineId !== engine)
        throw new ApiError(
          'INVALID_INPUT',
          `The voice "${match.name}" is made for ${r.engineId}, not ${engine}: use model ${r.engineId} or tts-1.`,
          { param: 'voice' },
        );
      return { engineId: r.engineId, voiceId: r.voiceId, options: { ...r.options }, label: match.id };
    }
    if (match.engineId !== engine && explicitEngine)
      throw new ApiError(
        'INVALID_INPUT',
        `The voice "${asked}" belongs to ${match.engineId}, not ${engine}: use model ${match.engineId} or tts-1.`,
        { param: 'voice' },
      );
    return {
      engineId: match.engineId,
      voiceId: match.id.slice(match.engineId.length + 1),
      options: {},
      label: match.id,
    };
  }

  /**
   * Speak `req.input`: `onAudio` gets 24 kHz mono chunks in order, as soon as each exists. Waits its turn first
   * (429 when the wait list is full). Aborting `signal` stops the engine and rejects with CANCELLED.
   */
  async speak(
    req: Pick<SpeechRequest, 'model' | 'voice' | 'input' | 'speed'>,
    onAudio: (pcm: Float32Array) => void,
    signal?: AbortSignal,
    resolved?: ResolvedSpeech,
  ): Promise<{ seconds: number; voice: string }> {
    const voice = resolved ?? (await this.resolve(req));
    await this.turn(signal);
    const jobId = `speech-${randomBytes(6).toString('hex')}`;
    const onAbort = () => this.deps.engines.cancel(jobId);
    signal?.addEventListener('abort', onAbort, { once: true });
    let resampler: Resampler | null = null;
    let emitted = 0;
    const out = (pcm: Float32Array) => {
      const x = stretch(pcm, req.speed ?? 1);
      emitted += x.length;
      if (x.length) onAudio(x);
    };
    try {
      if (signal?.aborted) throw new ApiError('CANCELLED', 'Cancelled');
      this.deps.ledger?.record('model.run', { engine: voice.engineId, voice: voice.label, item: 'api', jobId });
      await this.deps.engines.synthesize(
        { jobId, engineId: voice.engineId, voiceId: voice.voiceId, text: req.input, options: voice.options },
        {
          onChunk: (pcm, rate) => {
            if (rate !== SPEECH_RATE) {
              resampler ??= new Resampler(rate, SPEECH_RATE);
              out(resampler.push(pcm));
            } else out(pcm);
          },
          onProgress: () => undefined,
        },
      );
      if (resampler) out((resampler as Resampler).flush());
      return { seconds: emitted / SPEECH_RATE, voice: voice.label };
    } finally {
      signal?.removeEventListener('abort', onAbort);
      this.release();
    }
  }

  private turn(signal?: AbortSignal): Promise<void> {
    if (this.running < this.concurrency) {
      this.running++;
      return Promise.resolve();
    }
    if (this.waiting.length >= SPEECH_LIMITS.queueMax)
      return Promise.reject(
        new ApiError(
          'RATE_LIMITED',
          `Too many speech requests are waiting (${this.waiting.length}): try again in a few seconds.`,
        ),
      );
    return new Promise<void>((resolve, reject) => {
      const go = () => {
        signal?.removeEventListener('abort', onAbort);
        this.running++;
        resolve();
      };
      const onAbort = () => {
        const i = this.waiting.indexOf(go);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(new ApiError('CANCELLED', 'Cancelled'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(go);
    });
  }

  private release(): void {
    this.running--;
    const next = this.waiting.shift();
    if (next) next();
  }
}

/** Tempo change keeping pitch over OpenAI's 0.25–4 range (the stretcher does 0.5–2 per pass). */
function stretch(pcm: Float32Array, speed: number): Float32Array {
  if (speed === 1 || pcm.length === 0) return pcm;
  let x = pcm;
  let left = speed;
  while (left > 2 || left < 0.5) {
    const step = left > 2 ? 2 : 0.5;
    x = timeStretch(x, SPEECH_RATE, step);
    left /= step;
  }
  return Math.abs(left - 1) < 1e-9 ? x : timeStretch(x, SPEECH_RATE, left);
}
