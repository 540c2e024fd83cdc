/**
 * Per-segment similarity in the dub report (#11): the cosine similarity of a take's speaker embedding to its voice's
 * reference recording, with the speaker-embedding pack (`speaker-wespeaker-en`, native-models/speaker/). Without the
 * pack, for a voice without a reference (built-in voices) or a take shorter than the embedder needs, it is null.
 *
 * The pack is looked for at each call (installing it makes the next export report similarities); the reference
 * embeddings are kept per reference content (a hash of its samples), so each voice's reference is embedded once
 * while it stays the same and a changed sample is embedded again.
 */
import { createHash } from 'node:crypto';
import { resample } from '../../../native-models/dsp/resample.js';
import {
  MIN_EMBED_SECONDS,
  SpeakerEmbedder,
  SpeakerEmbedError,
  speakerUnavailableReason,
} from '../../../native-models/speaker/embedder.js';
import { cosineSimilarity } from '../../../native-models/speech/cluster.js';
import type { DubDeps, ResolvedVoice } from './pipeline.js';

export interface TakeSimilarityOptions {
  /** The speaker-embedding pack's folder (`<models>/speaker-wespeaker-en`). */
  packDir: string;
  /** The voice's reference recording (a library voice's first sample), or null when it has none. */
  reference(voice: ResolvedVoice): Promise<{ samples: Float32Array; sampleRate: number } | null>;
}

/** Reference embeddings kept (one per voice of a dub; a dub has at most 200 speakers). */
const CACHE_MAX = 256;

export function takeSimilarity(o: TakeSimilarityOptions): NonNullable<DubDeps['similarity']> {
  let embedder: SpeakerEmbedder | null = null;
  const refs = new Map<string, Promise<Float32Array | null>>();
  const at16k = (pcm: Float32Array, rate: number) => (rate === 16_000 ? pcm : resample(pcm, rate, 16_000));
  /** An embedding, or null when the audio cannot be embedded (too short, invalid); other failures throw. */
  const embed = async (e: SpeakerEmbedder, audio16k: Float32Array): Promise<Float32Array | null> => {
    if (audio16k.length < MIN_EMBED_SECONDS * 16_000) return null;
    try {
      return await e.embed(audio16k);
    } catch (err) {
      if (err instanceof SpeakerEmbedError && err.code !== 'FAILED') return null;
      throw err;
    }
  };
  return async (voice, pcm, sampleRate, signal) => {
    if (signal.aborted || speakerUnavailableReason(o.packDir)) return null;
    const ref = await o.reference(voice);
    if (!ref) return null;
    embedder ??= new SpeakerEmbedder(o.packDir);
    const e = embedder;
    const key = createHash('sha256')
      .update(new Uint8Array(ref.samples.buffer, ref.samples.byteOffset, ref.samples.byteLength))
      .update(String(ref.sampleRate))
      .digest('hex');
    let refEmb = refs.get(key);
    if (!refEmb) {
      refEmb = embed(e, at16k(ref.samples, ref.sampleRate));
      refEmb.catch(() => refs.delete(key));
      if (refs.size >= CACHE_MAX) refs.delete(refs.keys().next().value!);
      refs.set(key, refEmb);
    }
    const [a, b] = [await refEmb, await embed(e, at16k(pcm, sampleRate))];
    if (!a || !b) return null;
    return Math.max(0, Math.min(1, cosineSimilarity(a, b)));
  };
}
