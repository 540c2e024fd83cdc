/**
 * Speaker embeddings from a sherpa-onnx WeSpeaker / 3D-Speaker export: Kaldi fbank (`fbank.ts`) → the graph
 * (input float32 [N, T, 80], output float32 [N, D]) → one vector a recording, compared by cosine similarity
 * (`speech/cluster.ts`). The model's metadata says how: `framework` (wespeaker or 3d-speaker), `sample_rate`
 * (16000), `normalize_samples` (0: samples in the 16-bit range), `output_dim`, `feature_normalize_type`
 * ("global-mean" or empty).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { assertPackIntact } from '../packs/integrity.js';
import { readOnnxMetadata } from '../onnx/metadata.js';
import { createSessionWithFallback, ort, type SessionOptions } from '../onnx/session.js';
import { FBANK_BINS, kaldiFbank, subtractGlobalMean } from './fbank.js';

export const SPEAKER_PACK_ID = 'speaker-wespeaker-en';
export const SPEAKER_MODEL_FILE = 'wespeaker_en_voxceleb_resnet34_LM.onnx';
/** Shortest audio embedded (the model needs some frames to pool over). */
export const MIN_EMBED_SECONDS = 0.5;
/** Longest audio embedded at once (memory grows with frames); longer audio is cut to its first 60 s. */
export const MAX_EMBED_SECONDS = 60;

export class SpeakerEmbedError extends Error {
  constructor(
    readonly code: 'UNAVAILABLE' | 'INVALID_INPUT' | 'FAILED',
    message: string,
  ) {
    super(message);
    this.name = 'SpeakerEmbedError';
  }
}

export function speakerUnavailableReason(packDir: string, file = SPEAKER_MODEL_FILE): string | undefined {
  if (existsSync(path.join(packDir, file))) return undefined;
  return `The speaker check needs the "${SPEAKER_PACK_ID}" model pack (WeSpeaker ResNet34, 26.5 MB). Install it with: timbre models download ${SPEAKER_PACK_ID}`;
}

interface Loaded {
  session: ort.InferenceSession;
  input: string;
  output: string;
  scale: boolean;
  cmn: boolean;
  dim: number;
}

export class SpeakerEmbedder {
  private loaded?: Promise<Loaded>;
  constructor(
    private readonly packDir: string,
    private readonly sessionOptions: SessionOptions = {},
    private readonly file = SPEAKER_MODEL_FILE,
  ) {}

  private load(): Promise<Loaded> {
    this.loaded ??= this.doLoad().catch((err) => {
      this.loaded = undefined;
      throw err;
    });
    return this.loaded;
  }

  private async doLoad(): Promise<Loaded> {
    const why = speakerUnavailableReason(this.packDir, this.file);
    if (why) throw new SpeakerEmbedError('UNAVAILABLE', why);
    try {
      assertPackIntact(this.packDir, SPEAKER_PACK_ID);
    } catch (err) {
      throw new SpeakerEmbedError('UNAVAILABLE', (err as Error).message);
    }
    const file = path.join(this.packDir, this.file);
    const meta = await readOnnxMetadata(file).catch((err: Error) => {
      throw new SpeakerEmbedError('UNAVAILABLE', `The speaker model cannot be read: ${err.message}.`);
    });
    const problems: string[] = [];
    if (meta.framework !== 'wespeaker' && meta.framework !== '3d-speaker')
      problems.push(`framework is "${meta.framework ?? 'missing'}" (wespeaker or 3d-speaker expected)`);
    if (meta.sample_rate !== '16000')
      problems.push(`sample_rate is "${meta.sample_rate ?? 'missing'}" (16000 expected)`);
    const cmnType = meta.feature_normalize_type ?? '';
    if (cmnType !== '' && cmnType !== 'global-mean')
      problems.push(`feature_normalize_type "${cmnType}" is not supported`);
    const dim = Number(meta.output_dim);
    if (!Number.isInteger(dim) || dim < 1 || dim > 4096)
      problems.push(`output_dim is "${meta.output_dim ?? 'missing'}"`);
    const { session } = await createSessionWithFallback(file, this.sessionOptions);
    const s = session as unknown as {
      inputMetadata?: { type?: string; shape?: unknown[] }[];
      outputMetadata?: { type?: string; shape?: unknown[] }[];
    };
    const inMeta = s.inputMetadata?.[0];
    const outMeta = s.outputMetadata?.[0];
    if (session.inputNames.length !== 1) problems.push(`the graph has ${session.inputNames.length} inputs, expected 1`);
    if (inMeta?.shape && inMeta.shape.length !== 3)
      problems.push(`its input has rank ${inMeta.shape.length}, expected 3`);
    if (outMeta?.shape && outMeta.shape.length !== 2)
      problems.push(`its output has rank ${outMeta.shape.length}, expected 2`);
    if (problems.length) {
      await session.release();
      throw new SpeakerEmbedError(
        'UNAVAILABLE',
        `The ${SPEAKER_PACK_ID} model does not match what Timbre expects: ${problems.join('; ')}.`,
      );
    }
    return {
      session,
      input: session.inputNames[0],
      output: session.outputNames[0],
      scale: meta.normalize_samples === '0',
      cmn: cmnType === 'global-mean',
      dim,
    };
  }

  /** One embedding for 16 kHz mono audio (at least MIN_EMBED_SECONDS; only the first MAX_EMBED_SECONDS are used). */
  async embed(audio16k: Float32Array): Promise<Float32Array> {
    if (audio16k.length < MIN_EMBED_SECONDS * 16_000)
      throw new SpeakerEmbedError(
        'INVALID_INPUT',
        `The recording is shorter than ${MIN_EMBED_SECONDS} s: too short to tell a voice.`,
      );
    for (let i = 0; i < audio16k.length; i++)
      if (!Number.isFinite(audio16k[i]))
        throw new SpeakerEmbedError('INVALID_INPUT', 'The audio holds invalid samples.');
    const l = await this.load();
    const f = kaldiFbank(audio16k.subarray(0, MAX_EMBED_SECONDS * 16_000), l.scale);
    if (l.cmn) subtractGlobalMean(f.data, f.frames);
    const x = new ort.Tensor('float32', f.data, [1, f.frames, FBANK_BINS]);
    let out: ort.InferenceSession.OnnxValueMapType;
    try {
      out = await l.session.run({ [l.input]: x }, [l.output]);
    } catch (err) {
      throw new SpeakerEmbedError('FAILED', `The speaker model failed: ${(err as Error).message}`);
    }
    const t = out[l.output] as ort.Tensor;
    if (t.dims.length !== 2 || t.dims[0] !== 1 || t.dims[1] !== l.dim)
      throw new SpeakerEmbedError(
        'FAILED',
        `The speaker model returned shape [${t.dims.join(', ')}], expected [1, ${l.dim}].`,
      );
    return Float32Array.from(t.data as Float32Array);
  }

  async dispose(): Promise<void> {
    const l = await this.loaded?.catch(() => undefined);
    this.loaded = undefined;
    await l?.session.release();
  }
}
