/**
 * The engine interface every speech engine implements (eSpeak NG, Pocket TTS, later ones).
 *
 * Engines run inside the synthesis worker (never on the main thread). They stream mono float32 PCM in chunks,
 * report progress, and stop promptly when their AbortSignal fires. Plain Node: no Electron, no DB.
 */

export interface EngineVoice {
  /** Engine-local voice id (the API's voice id is `<engineId>:<id>`). */
  id: string;
  name: string;
  /** BCP-47-ish language tag, e.g. `en-US`, `cmn`. */
  language: string;
  gender: 'female' | 'male' | 'unknown';
}

/** One language an engine speaks, installed or not (engines with per-language model packs). */
export interface EngineLanguage {
  /** BCP-47 primary language subtag, e.g. `fr`. */
  language: string;
  /** The engine can clone a voice from a recording in this language. */
  cloning: boolean;
  /** Its model files are installed and usable now. */
  available: boolean;
  /** When unavailable: what to install. */
  reason?: string;
}

export interface EngineAvailability {
  available: boolean;
  /** When unavailable: exactly what is missing and how to install it. */
  reason?: string;
  /** Available, but with something the user should know (e.g. running on the CPU because the GPU failed). */
  notice?: string;
}

export interface SynthesisRequest {
  text: string;
  /** Engine-local voice id. */
  voiceId: string;
  /** Engine-specific knobs (speed, temperature, flow steps, …). Unknown keys are ignored. */
  options?: Record<string, number | string | boolean>;
  /** Seed for engines with sampling; equal seeds give equal audio. */
  seed?: number;
}

export interface SynthesisSink {
  /** A chunk of mono PCM in [-1, 1] at `sampleRate`; chunks arrive in order. */
  onChunk(pcm: Float32Array, sampleRate: number): void;
  /** Fraction done, 0..1. */
  onProgress(fraction: number): void;
}

export interface SynthesisResult {
  sampleRate: number;
  /** Total samples emitted. */
  samples: number;
}

export interface TtsEngine {
  readonly id: string;
  readonly name: string;
  /** SPDX id of the engine's (or its model's) licence. */
  readonly license: string;
  availability(): Promise<EngineAvailability>;
  listVoices(): Promise<EngineVoice[]>;
  /**
   * Synthesize `req.text`. Throws EngineError('UNSUPPORTED_TEXT', …) for text the engine cannot speak and
   * EngineError('CANCELLED', …) when `signal` aborts.
   */
  synthesize(req: SynthesisRequest, sink: SynthesisSink, signal: AbortSignal): Promise<SynthesisResult>;
  /**
   * Cloning engines only: encode a reference recording (mono PCM at any rate) into a voice conditioning to store
   * with the voice and pass back as `options.conditioning` (base64) so later generations start immediately.
   */
  cloneVoice?(pcm: Float32Array, sampleRate: number, opts?: { language?: string }): Promise<Uint8Array>;
  /**
   * The languages the engine speaks, installed or not. Optional: an engine without it speaks the languages of its
   * voices (`listVoices`), and clones (when it can) in all of them.
   */
  languages?(): Promise<EngineLanguage[]>;
  dispose(): Promise<void>;
}

export type EngineErrorCode =
  'UNSUPPORTED_TEXT' | 'ENGINE_UNAVAILABLE' | 'ENGINE_ERROR' | 'CANCELLED' | 'INVALID_INPUT';

/** An engine failure with a code the API maps 1:1 to its error codes. */
export class EngineError extends Error {
  constructor(
    readonly code: EngineErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'EngineError';
  }
}

export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new EngineError('CANCELLED', 'Synthesis was cancelled');
}
