/**
 * How much a recording sounds like a voice, with the installed speaker-embedding pack: the cosine similarity
 * (clamped to 0..1) of its embedding to the mean of the voice's own samples' embeddings. One measure for the studio's
 * voice-drift QC (take-qc.ts) and the dub report's per-segment similarity (core.ts wires it into DubDeps), so the two
 * never disagree about the same voice.
 *
 * A voice's embedding is computed once per voice, embedder and set of samples (their key changes when a sample is
 * added, removed or replaced) and kept in memory only: a voiceprint is biometric data and is never written to disk.
 */
import { resample } from '../../../native-models/dsp/resample.js';
import { MIN_EMBED_SECONDS, SpeakerEmbedError } from '../../../native-models/speaker/embedder.js';
import { cosineSimilarity, meanEmbedding } from '../../../native-models/speech/cluster.js';

const EMBED_RATE = 16_000;

export interface SpeakerEmbedderLike {
  /** An embedding of 16 kHz mono audio (at least 0.5 s). */
  embed(audio16k: Float32Array): Promise<Float32Array>;
}

/** A voice's own samples, with a key that changes whenever they change (their sha256s). */
export interface VoiceReference {
  key: string;
  load(): Promise<{ samples: Float32Array; sampleRate: number }[]>;
}

export interface VoiceSimilarityDeps {
  /** The installed pack's embedder, or null (looked up at each call: a pack installed later is used). */
  speakerEmbedder: () => SpeakerEmbedderLike | null;
  /** The voice's samples, or null for voices without any (engine voices). */
  voiceSamples: (voiceId: string) => VoiceReference | null;
}

export const at16k = (x: { samples: Float32Array; sampleRate: number }): Float32Array =>
  x.sampleRate === EMBED_RATE ? x.samples : resample(x.samples, x.sampleRate, EMBED_RATE);

export class VoiceSimilarity {
  private readonly voices = new Map<
    string,
    { key: string; embedder: SpeakerEmbedderLike; embedding: Promise<Float32Array> }
  >();
  /** How many voice embeddings were computed (the cache is used: tests). */
  computed = 0;

  constructor(private readonly d: VoiceSimilarityDeps) {}

  /**
   * The similarity of `audio` to voice `voiceId`, 0..1; null when it cannot be told: no pack installed, a voice
   * without samples, audio too short to embed. Other failures (a locked vault, a broken model) throw.
   */
  async of(voiceId: string, audio: { samples: Float32Array; sampleRate: number }): Promise<number | null> {
    const embedder = this.d.speakerEmbedder();
    const ref = embedder ? this.d.voiceSamples(voiceId) : null;
    if (!embedder || !ref) return null;
    const take = await embedOrNull(embedder, at16k(audio));
    if (!take) return null;
    const voice = await this.voiceEmbedding(voiceId, ref, embedder);
    return Math.max(0, Math.min(1, cosineSimilarity(take, voice)));
  }

  private voiceEmbedding(voiceId: string, ref: VoiceReference, embedder: SpeakerEmbedderLike): Promise<Float32Array> {
    const hit = this.voices.get(voiceId);
    if (hit && hit.key === ref.key && hit.embedder === embedder) return hit.embedding;
    const embedding = (async () => {
      this.computed++;
      const list: Float32Array[] = [];
      for (const c of await ref.load()) {
        const e = await embedOrNull(embedder, at16k(c));
        if (e) list.push(e);
      }
      if (!list.length) throw new Error('the voice has no sample long enough to compare with');
      return meanEmbedding(list);
    })();
    this.voices.set(voiceId, { key: ref.key, embedder, embedding });
    embedding.catch(() => {
      if (this.voices.get(voiceId)?.embedding === embedding) this.voices.delete(voiceId);
    });
    return embedding;
  }
}

/** An embedding, or null when the audio cannot be embedded (too short, invalid); a failing model throws. */
async function embedOrNull(e: SpeakerEmbedderLike, audio16k: Float32Array): Promise<Float32Array | null> {
  if (audio16k.length < MIN_EMBED_SECONDS * EMBED_RATE) return null;
  try {
    return await e.embed(audio16k);
  } catch (err) {
    if (err instanceof SpeakerEmbedError && err.code !== 'FAILED') return null;
    throw err;
  }
}
