/**
 * The speech-recognition interface (the ASR counterpart of `speech/aligner.ts`): 16 kHz mono audio in, a transcript
 * with word and segment timings out, with progress and cancel. Implementations: Parakeet CTC (`parakeet.ts`). Runs
 * inside a worker thread (`main/node/speech/asr.worker.ts`); callers use the host (`asr-host.ts`).
 */

export const ASR_SAMPLE_RATE = 16_000;
/** Longest audio transcribed in one call: it is processed in bounded windows, but the samples are held in memory. */
export const MAX_TRANSCRIBE_SECONDS = 2 * 60 * 60;

export interface TranscriptWord {
  word: string;
  /** Seconds from the start of the audio. */
  start: number;
  end: number;
  /** 0..1, the model's lowest token probability within the word. */
  confidence: number;
}

export interface TranscriptSegment {
  text: string;
  start: number;
  end: number;
  /** Indices into `words` (first, last inclusive). */
  firstWord: number;
  lastWord: number;
}

export interface TranscriptResult {
  text: string;
  words: TranscriptWord[];
  segments: TranscriptSegment[];
  durationSeconds: number;
  /** The pack that made it, e.g. "parakeet-ctc-en tdt_ctc_110m-en-36000-int8". */
  model: string;
  language: string;
}

export interface TranscribeOptions {
  signal?: AbortSignal;
  /** 0..1 after each window. */
  onProgress?: (fraction: number) => void;
}

export interface Transcriber {
  readonly name: string;
  readonly languages: readonly string[];
  transcribe(audio16kMono: Float32Array, opts?: TranscribeOptions): Promise<TranscriptResult>;
  dispose(): Promise<void>;
}

export type TranscribeErrorCode = 'INVALID_INPUT' | 'UNAVAILABLE' | 'CANCELLED' | 'FAILED';

export class TranscribeError extends Error {
  constructor(
    readonly code: TranscribeErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'TranscribeError';
  }
}

/** Sentence ends, long pauses and a length cap make readable segments. */
export const SEGMENT_PAUSE_SECONDS = 0.8;
export const SEGMENT_MAX_SECONDS = 15;

export function segmentWords(words: TranscriptWord[]): TranscriptSegment[] {
  const segs: TranscriptSegment[] = [];
  let first = 0;
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    const next = words[i + 1];
    const sentenceEnd = /[.?!]["')\]]*$/.test(w.word);
    const pause = next ? next.start - w.end >= SEGMENT_PAUSE_SECONDS : true;
    const long = next ? next.end - words[first].start > SEGMENT_MAX_SECONDS : true;
    if (!next || sentenceEnd || pause || long) {
      segs.push({
        text: words
          .slice(first, i + 1)
          .map((x) => x.word)
          .join(' '),
        start: words[first].start,
        end: w.end,
        firstWord: first,
        lastWord: i,
      });
      first = i + 1;
    }
  }
  return segs;
}
