/**
 * The speech-aligner interface: align a text to 16 kHz mono audio and say whether the audio says it.
 *
 * One shape for every implementation: the embedded SoundSwallower aligner (`soundswallower.ts`, offline, nothing
 * to download) now, an ASR pack later (it would transcribe, then report the same words/score/verdict). Callers
 * (consent checks, `timbre align`, take QC later) depend only on this file.
 */
import type { AlignResult } from '../../preload/contract/speech.js';

export type { AlignResult, AlignedWord, AlignedPhone } from '../../preload/contract/speech.js';

/** The sample rate every aligner takes (callers resample: `native-models/dsp/resample.ts`). */
export const ALIGN_SAMPLE_RATE = 16_000;
/** Longest audio aligned in one call (the decoder's memory grows with frames x states; see docs/security.md). */
export const MAX_ALIGN_SECONDS = 120;

export interface AlignOptions {
  signal?: AbortSignal;
  /** 0..1 as the stages finish (pronunciations, alignment, contrast, scoring). */
  onProgress?: (fraction: number, stage: string) => void;
  /** Include phone-level timings. */
  phones?: boolean;
}

export interface SpeechAligner {
  readonly name: string;
  /** Language codes it can align (BCP 47 prefixes: 'en', 'fr'). */
  readonly languages: readonly string[];
  align(audio16kMono: Float32Array, text: string, lang: string, opts?: AlignOptions): Promise<AlignResult>;
  dispose(): void;
}

/** An alignment that cannot run (bad input, unsupported language): the message is for the user. */
export class AlignError extends Error {
  constructor(
    readonly code: 'INVALID_INPUT' | 'UNSUPPORTED' | 'CANCELLED' | 'FAILED',
    message: string,
  ) {
    super(message);
    this.name = 'AlignError';
  }
}
