/**
 * NVIDIA Parakeet TDT-CTC 110M (English), the sherpa-onnx export of its CTC head (`model.int8.onnx` + `tokens.txt`):
 * NeMo log-mel features (`features.ts`) → the graph → greedy CTC (`ctc.ts`) → words with times.
 *
 * Graph contract (sherpa-onnx `offline-nemo-enc-dec-ctc-model.cc`): inputs `audio_signal` float32 [N, 80, T] and
 * `length` int64 [N] (the feature frame count); the first output is log-probabilities float32 [N, T', V] with
 * T' ≈ T / subsampling_factor. The model's metadata gives `vocab_size` (V without the blank, or with it: both are
 * accepted when they match tokens.txt), `subsampling_factor` (8) and `normalize_type` (`per_feature`).
 *
 * Long audio is cut into windows of at most `windowSeconds` at the quietest 10 ms within ±1 s of each nominal cut,
 * and each window is run with `contextSeconds` of audio on both sides (the conformer sees the neighbouring words);
 * only the tokens whose first frame falls inside the window's own span are kept. Attention memory grows with the
 * square of the window length, so the window bounds memory whatever the audio's length.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { assertPackIntact } from '../packs/integrity.js';
import { createSessionWithFallback, ort, signatureMismatches, type SessionOptions } from '../onnx/session.js';
import { readOnnxMetadata } from '../onnx/metadata.js';
import { greedyCtc, parseTokens, tokensToWords, type TimedToken, type Vocabulary } from './ctc.js';
import { HOP, N_MELS, nemoFeatures, FEATURE_SAMPLE_RATE } from './features.js';
import {
  MAX_TRANSCRIBE_SECONDS,
  segmentWords,
  TranscribeError,
  type TranscribeOptions,
  type Transcriber,
  type TranscriptResult,
} from './transcriber.js';

export const PARAKEET_PACK_ID = 'parakeet-ctc-en';
export const PARAKEET_MODEL_FILE = 'model.int8.onnx';
export const PARAKEET_TOKENS_FILE = 'tokens.txt';

export interface ParakeetOptions {
  packDir: string;
  sessionOptions?: SessionOptions;
  /** Own span of each window (default 20 s). */
  windowSeconds?: number;
  /** Audio added on each side of a window for context (default 2 s). */
  contextSeconds?: number;
}

/** Why the pack cannot be used, or undefined when its files are there. */
export function parakeetUnavailableReason(packDir: string): string | undefined {
  const missing = [PARAKEET_MODEL_FILE, PARAKEET_TOKENS_FILE].filter((f) => !existsSync(path.join(packDir, f)));
  if (missing.length)
    return (
      `Speech recognition needs the "${PARAKEET_PACK_ID}" model pack (Parakeet TDT-CTC 110M English, about 100 MB). ` +
      `Install it with: timbre models download ${PARAKEET_PACK_ID}`
    );
  return undefined;
}

interface Loaded {
  session: ort.InferenceSession;
  vocab: Vocabulary;
  subsampling: number;
  output: string;
}

export class ParakeetTranscriber implements Transcriber {
  readonly name = 'parakeet-ctc';
  readonly languages = ['en'] as const;
  private loaded?: Promise<Loaded>;
  private readonly windowSeconds: number;
  private readonly contextSeconds: number;
  /** Set when the session fell back to the CPU. */
  notice?: string;

  constructor(private readonly o: ParakeetOptions) {
    this.windowSeconds = o.windowSeconds ?? 20;
    this.contextSeconds = o.contextSeconds ?? 2;
    if (!(this.windowSeconds >= 2 && this.windowSeconds <= 60)) throw new RangeError('windowSeconds must be 2..60');
    if (!(this.contextSeconds >= 0 && this.contextSeconds <= 10)) throw new RangeError('contextSeconds must be 0..10');
  }

  private load(): Promise<Loaded> {
    this.loaded ??= this.doLoad().catch((err) => {
      this.loaded = undefined;
      throw err;
    });
    return this.loaded;
  }

  private async doLoad(): Promise<Loaded> {
    const why = parakeetUnavailableReason(this.o.packDir);
    if (why) throw new TranscribeError('UNAVAILABLE', why);
    try {
      assertPackIntact(this.o.packDir, PARAKEET_PACK_ID);
    } catch (err) {
      throw new TranscribeError('UNAVAILABLE', (err as Error).message);
    }
    const modelFile = path.join(this.o.packDir, PARAKEET_MODEL_FILE);
    let vocab: Vocabulary;
    try {
      vocab = parseTokens(readFileSync(path.join(this.o.packDir, PARAKEET_TOKENS_FILE), 'utf8'));
    } catch (err) {
      throw new TranscribeError('UNAVAILABLE', `The ${PARAKEET_PACK_ID} pack is damaged: ${(err as Error).message}.`);
    }
    const meta = await readOnnxMetadata(modelFile).catch((err: Error) => {
      throw new TranscribeError('UNAVAILABLE', `The ${PARAKEET_PACK_ID} model cannot be read: ${err.message}.`);
    });
    const subsampling = Number(meta.subsampling_factor);
    const vocabSize = Number(meta.vocab_size);
    const problems: string[] = [];
    if (!Number.isInteger(subsampling) || subsampling < 1 || subsampling > 32)
      problems.push(`subsampling_factor is "${meta.subsampling_factor ?? 'missing'}"`);
    if (!(vocabSize === vocab.tokens.length || vocabSize === vocab.tokens.length - 1))
      problems.push(`vocab_size is "${meta.vocab_size ?? 'missing'}" but tokens.txt has ${vocab.tokens.length} tokens`);
    if (meta.normalize_type !== undefined && meta.normalize_type !== '' && meta.normalize_type !== 'per_feature')
      problems.push(`normalize_type "${meta.normalize_type}" is not supported (only per_feature)`);
    const { session, notice } = await createSessionWithFallback(modelFile, this.o.sessionOptions);
    this.notice = notice;
    problems.push(
      ...signatureMismatches(
        session,
        {
          inputs: [
            { name: 'audio_signal', type: 'float32', rank: 3 },
            { name: 'length', type: 'int64', rank: 1 },
          ],
          outputs: [],
        },
        PARAKEET_MODEL_FILE,
      ),
    );
    const output = session.outputNames[0];
    const outMeta = (session as unknown as { outputMetadata?: { type?: string; shape?: unknown[] }[] })
      .outputMetadata?.[0];
    if (!output) problems.push('the model has no output');
    else if (outMeta?.type && outMeta.type !== 'float32') problems.push(`output "${output}" is ${outMeta.type}`);
    else if (outMeta?.shape && outMeta.shape.length !== 3)
      problems.push(`output "${output}" has rank ${outMeta.shape.length}, expected 3`);
    if (problems.length) {
      await session.release();
      throw new TranscribeError(
        'UNAVAILABLE',
        `The ${PARAKEET_PACK_ID} model does not match what Timbre expects: ${problems.join('; ')}.`,
      );
    }
    return { session, vocab, subsampling, output };
  }

  /** Window cuts (sample indices): each at the quietest 10 ms in the second before the nominal cut. */
  cutPoints(audio: Float32Array): number[] {
    const sr = FEATURE_SAMPLE_RATE;
    const win = Math.round(this.windowSeconds * sr);
    const cuts = [0];
    let prev = 0;
    while (audio.length - prev > win) {
      const nominal = prev + win;
      let best = nominal;
      let bestE = Infinity;
      for (let s = nominal - sr; s + HOP <= nominal; s += HOP) {
        let e = 0;
        for (let i = s; i < s + HOP; i++) e += audio[i] * audio[i];
        if (e < bestE) {
          bestE = e;
          best = s + HOP / 2;
        }
      }
      cuts.push(best);
      prev = best;
    }
    cuts.push(audio.length);
    return cuts;
  }

  async transcribe(audio: Float32Array, opts: TranscribeOptions = {}): Promise<TranscriptResult> {
    const sr = FEATURE_SAMPLE_RATE;
    const duration = audio.length / sr;
    if (duration > MAX_TRANSCRIBE_SECONDS)
      throw new TranscribeError(
        'INVALID_INPUT',
        `The audio is ${Math.round(duration / 60)} minutes long; at most ${MAX_TRANSCRIBE_SECONDS / 60} minutes are transcribed at once. Split it first.`,
      );
    for (let i = 0; i < audio.length; i++)
      if (!Number.isFinite(audio[i])) throw new TranscribeError('INVALID_INPUT', 'The audio holds invalid samples.');
    const cancelled = () => new TranscribeError('CANCELLED', 'The transcription was cancelled.');
    if (opts.signal?.aborted) throw cancelled();
    const { session, vocab, subsampling, output } = await this.load();
    const frameSeconds = (subsampling * HOP) / sr;
    const ctx = Math.round(this.contextSeconds * sr);
    const cuts = this.cutPoints(audio);
    const timed: TimedToken[] = [];
    opts.onProgress?.(0);
    for (let c = 0; c + 1 < cuts.length; c++) {
      if (opts.signal?.aborted) throw cancelled();
      const own0 = cuts[c];
      const own1 = cuts[c + 1];
      const from = Math.max(0, own0 - ctx);
      const to = Math.min(audio.length, own1 + ctx);
      const piece = audio.subarray(from, to);
      if (piece.length < HOP) continue;
      const feats = nemoFeatures(piece);
      const input = new ort.Tensor('float32', feats.data, [1, N_MELS, feats.frames]);
      const len = new ort.Tensor('int64', BigInt64Array.from([BigInt(feats.frames)]), [1]);
      let out: ort.InferenceSession.OnnxValueMapType;
      try {
        out = await session.run({ audio_signal: input, length: len }, [output]);
      } catch (err) {
        throw new TranscribeError('FAILED', `Speech recognition failed: ${(err as Error).message}`);
      }
      if (opts.signal?.aborted) throw cancelled();
      const lp = out[output] as ort.Tensor;
      const dims = lp.dims;
      if (dims.length !== 3 || dims[0] !== 1 || dims[2] !== vocab.tokens.length)
        throw new TranscribeError(
          'FAILED',
          `The model returned log-probabilities of shape [${dims.join(', ')}]; expected [1, T, ${vocab.tokens.length}].`,
        );
      const frames = Math.min(dims[1], Math.ceil(feats.frames / subsampling));
      const toks = greedyCtc(lp.data as Float32Array, frames, dims[2], vocab.blank);
      lp.dispose?.();
      const offset = from / sr;
      for (const t of toks) {
        const start = offset + t.first * frameSeconds;
        if (start < own0 / sr || start >= own1 / sr) continue;
        timed.push({
          piece: vocab.tokens[t.id],
          start,
          end: Math.min(duration, offset + (t.last + 1) * frameSeconds),
          prob: t.prob,
        });
      }
      opts.onProgress?.(own1 / audio.length);
    }
    const words = tokensToWords(timed).map((w) => ({
      word: w.word,
      start: round3(w.start),
      end: round3(w.end),
      confidence: round3(w.confidence),
    }));
    return {
      text: words.map((w) => w.word).join(' '),
      words,
      segments: segmentWords(words),
      durationSeconds: round3(duration),
      model: PARAKEET_PACK_ID,
      language: 'en',
    };
  }

  async dispose(): Promise<void> {
    const l = await this.loaded?.catch(() => undefined);
    this.loaded = undefined;
    await l?.session.release();
  }
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;
