/**
 * Source separation (vocals / accompaniment) with Deezer Spleeter 2-stems, as exported to ONNX by k2-fsa/sherpa-onnx
 * (`scripts/spleeter/export_onnx.py`, run by `sherpa-onnx/csrc/offline-source-separation-spleeter-impl.h`).
 *
 * The contract (docs/models.md, "Source separation"):
 * - Two graphs, `vocals.onnx` and `accompaniment.onnx`, each `x` float32 [2, num_splits, 512, 1024] → `y` float32
 *   [2, num_splits, 512, 1024]: channel (stereo), split, frame, bin. `x` is the magnitude of the first 1024 bins of
 *   the STFT of 44.1 kHz stereo audio (FFT 4096, hop 1024, periodic Hann window of 4096, no normalisation), frames
 *   grouped by 512; `y` is the model's estimate of that stem's magnitude. Metadata: `model_type` = `spleeter`,
 *   `stems` = `2`, `comment` = `vocals` or `accompaniment` (checked, so swapped files are refused).
 * - The stems come from ratio masks over the mixture's complex STFT: m_v = (y_v² + ε/2) / (y_v² + y_a² + ε),
 *   m_a = (y_a² + ε/2) / (y_v² + y_a² + ε), ε = 1e-10 (the upstream post-processing), then the inverse STFT
 *   (windowed overlap-add divided by the summed squared window, 1.5 for this window and hop).
 * - The bins above 1024 (above 11 kHz), which the model never sees, get the mask of bin 1023 (upstream sets them to
 *   zero, which drops everything above 11 kHz from both stems). So the masks sum to 1 in every bin and
 *   vocals + accompaniment reconstruct the input.
 *
 * Streaming: the input is a raw interleaved float32 stereo file at 44.1 kHz read by file offset, one split at a time
 * (512 frames ≈ 11.9 s of audio); splits overlap by {@link SPLEETER_OVERLAP_FRAMES} frames and their masks are
 * cross-faded there, so split boundaries leave no seam; the stems are written to raw files by offset as each
 * stretch of output becomes final. Memory is bounded by one split (a few tens of MB plus the model's activations)
 * whatever the length of the input. Cancellable between splits; progress per split.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { ApiError } from '../common/errors.js';
import { Fft } from '../enhance/fft.js';
import { readOnnxMetadata } from '../onnx/metadata.js';
import { SPLEETER_FILES, SPLEETER_RATE, spleeterUnavailableReason, type Stem } from './pack.js';
import {
  assertSignature,
  createSessionWithFallback,
  ort,
  type GraphSignature,
  type SessionOptions,
} from '../onnx/session.js';

export const SPLEETER_FFT = 4096;
export const SPLEETER_HOP = 1024;
/** Bins the model sees (of FFT/2 + 1 = 2049). */
export const SPLEETER_MODEL_BINS = 1024;
/** Frames per split: the model's third dimension. */
export const SPLEETER_SPLIT_FRAMES = 512;
/** Frames two consecutive splits share; their masks are cross-faded over these frames. */
export const SPLEETER_OVERLAP_FRAMES = 64;
/** The longest input the engine accepts: 6 hours (a feature film with margin; ~7.6 GB of raw stereo float). */
export const SPLEETER_MAX_SECONDS = 6 * 3600;

export { SPLEETER_FILES, SPLEETER_RATE, spleeterUnavailableReason, type Stem };

const BINS = SPLEETER_FFT / 2 + 1;
const STRIDE = SPLEETER_SPLIT_FRAMES - SPLEETER_OVERLAP_FRAMES;
/** Samples of zeros in front of the signal, so the first real sample is covered by 4 full frames like every other. */
const LEAD = SPLEETER_FFT - SPLEETER_HOP;
/** Σ w²[n + kH] over the 4 frames covering a sample: 1.5 for a periodic Hann window at a quarter-window hop. */
const OLA_NORM = 1.5;
const EPS = 1e-10;

export const SPLEETER_SIGNATURE: GraphSignature = {
  inputs: [{ name: 'x', type: 'float32', rank: 4 }],
  outputs: [{ name: 'y', type: 'float32', rank: 4 }],
};

/** Periodic Hann window (tf.signal.hann_window(periodic=True), kaldi-native-fbank's "hann"). */
export function periodicHann(n: number): Float64Array {
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) w[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n);
  return w;
}

/** Frames the engine computes for `samples` samples: enough that the last sample is covered by 4 frames. */
export function spleeterFrameCount(samples: number): number {
  return samples > 0 ? Math.floor((samples - 1) / SPLEETER_HOP) + 4 : 0;
}

export interface SeparateOptions {
  /** Where to write the accompaniment stem (raw interleaved float32 stereo, 44.1 kHz). */
  accompanimentOut?: string;
  /** Where to write the vocals stem (same format). */
  vocalsOut?: string;
  signal?: AbortSignal;
  /** Fraction of the input done (0..1), once per split. */
  onProgress?(fraction: number): void;
}

export interface SpleeterLoadOptions {
  session?: SessionOptions;
}

type Session = ort.InferenceSession;

async function loadGraph(dir: string, stem: Stem, so: SessionOptions): Promise<{ session: Session; notice?: string }> {
  const file = path.join(dir, SPLEETER_FILES[stem]);
  const meta = await readOnnxMetadata(file).catch((err: Error) => {
    throw new ApiError('ENGINE_UNAVAILABLE', `${SPLEETER_FILES[stem]} is not a readable ONNX model: ${err.message}`);
  });
  if (meta.model_type !== 'spleeter' || meta.stems !== '2')
    throw new ApiError(
      'ENGINE_UNAVAILABLE',
      `${SPLEETER_FILES[stem]} is not a Spleeter 2-stems model (model_type "${meta.model_type ?? ''}", stems "${meta.stems ?? ''}").`,
    );
  if (meta.comment !== stem)
    throw new ApiError(
      'ENGINE_UNAVAILABLE',
      `${SPLEETER_FILES[stem]} holds the "${meta.comment ?? 'unknown'}" model, not "${stem}": the pack's files are swapped or mixed up; reinstall it.`,
    );
  const { session, notice } = await createSessionWithFallback(file, so);
  try {
    assertSignature(session, SPLEETER_SIGNATURE, SPLEETER_FILES[stem]);
    const shape = (
      session as unknown as { inputMetadata?: { name: string; shape?: readonly (number | string)[] }[] }
    ).inputMetadata?.find((m) => m.name === 'x')?.shape;
    if (shape && (shape[0] !== 2 || shape[2] !== SPLEETER_SPLIT_FRAMES || shape[3] !== SPLEETER_MODEL_BINS))
      throw new ApiError(
        'ENGINE_UNAVAILABLE',
        `${SPLEETER_FILES[stem]}: input "x" has shape [${shape.join(', ')}], expected [2, num_splits, 512, 1024].`,
      );
  } catch (err) {
    await session.release();
    if (err instanceof ApiError) throw err;
    throw new ApiError('ENGINE_UNAVAILABLE', (err as Error).message);
  }
  return { session, notice };
}

export class SpleeterSeparator {
  private readonly fft = new Fft(SPLEETER_FFT);
  private readonly window = periodicHann(SPLEETER_FFT);

  private constructor(
    private readonly vocals: Session,
    private readonly accompaniment: Session,
    /** A sentence when the requested execution provider was not available (running on the CPU). */
    readonly notice?: string,
  ) {}

  static async load(dir: string, opts: SpleeterLoadOptions = {}): Promise<SpleeterSeparator> {
    const why = spleeterUnavailableReason(dir);
    if (why) throw new ApiError('ENGINE_UNAVAILABLE', why);
    const so = opts.session ?? {};
    const v = await loadGraph(dir, 'vocals', so);
    let a: Awaited<ReturnType<typeof loadGraph>>;
    try {
      a = await loadGraph(dir, 'accompaniment', so);
    } catch (err) {
      await v.session.release();
      throw err;
    }
    return new SpleeterSeparator(v.session, a.session, v.notice ?? a.notice);
  }

  async dispose(): Promise<void> {
    await Promise.all([this.vocals.release(), this.accompaniment.release()]);
  }

  /**
   * Separate a raw interleaved float32 stereo file at 44.1 kHz into the stems asked for (same format, same length).
   * Returns the number of frames (samples per channel) written.
   */
  async separateRawFile(input: string, opts: SeparateOptions): Promise<{ frames: number }> {
    if (!opts.accompanimentOut && !opts.vocalsOut)
      throw new ApiError('INVALID_INPUT', 'Ask for at least one stem (vocals or accompaniment).');
    const inFh = await fsp.open(input, 'r');
    const outs: { stem: Stem; fh: fsp.FileHandle }[] = [];
    try {
      const bytes = (await inFh.stat()).size;
      if (bytes % 8 !== 0)
        throw new ApiError('INVALID_INPUT', 'The audio to separate is not whole stereo float32 frames.');
      const samples = bytes / 8;
      if (samples > SPLEETER_MAX_SECONDS * SPLEETER_RATE)
        throw new ApiError(
          'INVALID_INPUT',
          `The audio is longer than ${SPLEETER_MAX_SECONDS / 3600} hours, the most the separator takes; split it first.`,
        );
      if (opts.accompanimentOut)
        outs.push({ stem: 'accompaniment', fh: await fsp.open(opts.accompanimentOut, 'w', 0o600) });
      if (opts.vocalsOut) outs.push({ stem: 'vocals', fh: await fsp.open(opts.vocalsOut, 'w', 0o600) });
      await this.run(inFh, samples, outs, opts);
      return { frames: samples };
    } finally {
      await Promise.all([inFh.close(), ...outs.map((o) => o.fh.close())]);
    }
  }

  private async run(
    inFh: fsp.FileHandle,
    samples: number,
    outs: { stem: Stem; fh: fsp.FileHandle }[],
    opts: SeparateOptions,
  ): Promise<void> {
    const N = SPLEETER_FFT;
    const H = SPLEETER_HOP;
    const S = SPLEETER_SPLIT_FRAMES;
    const O = SPLEETER_OVERLAP_FRAMES;
    const totalFrames = spleeterFrameCount(samples);
    const win = this.window;
    // Per split: the complex spectra of 2 channels × S frames × BINS, the model input and the masks.
    const specRe = new Float32Array(2 * S * BINS);
    const specIm = new Float32Array(2 * S * BINS);
    const x = new Float32Array(2 * S * SPLEETER_MODEL_BINS);
    const maskV = new Float32Array(2 * S * SPLEETER_MODEL_BINS);
    const prevTail = new Float32Array(2 * O * SPLEETER_MODEL_BINS);
    let havePrev = false;
    // Input samples for one split, de-interleaved: padded positions [f0·H, f0·H + (S−1)·H + N).
    const spanSamples = (S - 1) * H + N;
    const inBuf = Buffer.alloc(spanSamples * 8);
    const inF32 = new Float32Array(inBuf.buffer, inBuf.byteOffset, spanSamples * 2);
    const chan = [new Float64Array(spanSamples), new Float64Array(spanSamples)];
    // Overlap-add accumulators per stem and channel (padded positions [olaStart, olaStart + olaLen)).
    const olaLen = (S - 1) * H + N;
    const ola = outs.map(() => [new Float64Array(olaLen), new Float64Array(olaLen)]);
    let olaStart = 0; // padded sample index of ola[...][0]
    let written = 0; // original samples written to each output
    // Both channels go through one complex FFT (left in the real part, right in the imaginary part) both ways.
    const zr = new Float64Array(N);
    // The stretch written per split (at most the accumulator's length), reused.
    const outBytes = Buffer.alloc(olaLen * 8);
    const outF32 = new Float32Array(outBytes.buffer, outBytes.byteOffset, olaLen * 2);
    const zi = new Float64Array(N);

    for (let f0 = 0; f0 < totalFrames; f0 += STRIDE) {
      if (opts.signal?.aborted) throw new ApiError('CANCELLED', 'The separation was cancelled.');
      const last = f0 + S >= totalFrames;
      const frames = Math.min(S, totalFrames - f0);
      // 1. Read the padded span [f0·H − LEAD, …) of the original (zeros before 0 and past the end).
      inF32.fill(0);
      const from = f0 * H - LEAD;
      const a = Math.max(0, from);
      const b = Math.min(samples, from + spanSamples);
      if (b > a) {
        const want = (b - a) * 8;
        let got = 0;
        while (got < want) {
          const { bytesRead } = await inFh.read(inBuf, (a - from) * 8 + got, want - got, a * 8 + got);
          if (bytesRead === 0) throw new ApiError('INTERNAL', 'The audio file to separate shrank while it was read.');
          got += bytesRead;
        }
      }
      for (let i = 0; i < spanSamples; i++) {
        chan[0][i] = inF32[2 * i];
        chan[1][i] = inF32[2 * i + 1];
      }
      // 2. STFT of every frame of the split; the model input is the magnitude of the first 1024 bins. One complex
      //    FFT per frame: z = l + j·r, then L[k] = (Z[k] + Z*[N−k]) / 2 and R[k] = (Z[k] − Z*[N−k]) / 2j.
      x.fill(0);
      const [l, r] = chan;
      for (let t = 0; t < frames; t++) {
        const off = t * H;
        for (let n = 0; n < N; n++) {
          zr[n] = l[off + n] * win[n];
          zi[n] = r[off + n] * win[n];
        }
        this.fft.transform(zr, zi);
        const b0 = t * BINS;
        const b1 = (S + t) * BINS;
        const x0 = t * SPLEETER_MODEL_BINS;
        const x1 = (S + t) * SPLEETER_MODEL_BINS;
        for (let k = 0; k < BINS; k++) {
          const j = k === 0 ? 0 : N - k;
          const ar = zr[k];
          const ai = zi[k];
          const br = zr[j];
          const bi = zi[j];
          const lr = 0.5 * (ar + br);
          const li = 0.5 * (ai - bi);
          const rr = 0.5 * (ai + bi);
          const ri = 0.5 * (br - ar);
          specRe[b0 + k] = lr;
          specIm[b0 + k] = li;
          specRe[b1 + k] = rr;
          specIm[b1 + k] = ri;
          if (k < SPLEETER_MODEL_BINS) {
            x[x0 + k] = Math.sqrt(lr * lr + li * li);
            x[x1 + k] = Math.sqrt(rr * rr + ri * ri);
          }
        }
      }
      // 3. Both models on the split, then the vocals ratio mask (the accompaniment's is 1 − it, up to ε).
      const dims = [2, 1, S, SPLEETER_MODEL_BINS];
      const yv = await this.runModel(this.vocals, x, dims);
      const ya = await this.runModel(this.accompaniment, x, dims);
      for (let i = 0; i < maskV.length; i++) {
        const v2 = yv[i] * yv[i];
        const a2 = ya[i] * ya[i];
        maskV[i] = (v2 + EPS / 2) / (v2 + a2 + EPS);
      }
      // 4. Cross-fade the first O frames with the previous split's masks for them.
      if (havePrev) {
        for (let c = 0; c < 2; c++)
          for (let t = 0; t < O && t < frames; t++) {
            const wgt = (t + 0.5) / O;
            const mb = (c * S + t) * SPLEETER_MODEL_BINS;
            const pb = (c * O + t) * SPLEETER_MODEL_BINS;
            for (let k = 0; k < SPLEETER_MODEL_BINS; k++)
              maskV[mb + k] = (1 - wgt) * prevTail[pb + k] + wgt * maskV[mb + k];
          }
      }
      if (!last) {
        for (let c = 0; c < 2; c++)
          prevTail.set(
            maskV.subarray((c * S + STRIDE) * SPLEETER_MODEL_BINS, (c * S + S) * SPLEETER_MODEL_BINS),
            c * O * SPLEETER_MODEL_BINS,
          );
        havePrev = true;
      }
      // 5. Frames final now: [f0, f0 + STRIDE), or all of them in the last split. Mask, inverse FFT, overlap-add.
      const finalFrames = last ? frames : STRIDE;
      for (let si = 0; si < outs.length; si++) {
        const vocalsStem = outs[si].stem === 'vocals';
        const [accL, accR] = ola[si];
        for (let t = 0; t < finalFrames; t++) {
          // Z = L·m_L + j·R·m_R over the whole circle (L[N−k] = L*[k]); its inverse is l + j·r.
          const b0 = t * BINS;
          const b1 = (S + t) * BINS;
          const m0 = t * SPLEETER_MODEL_BINS;
          const m1 = (S + t) * SPLEETER_MODEL_BINS;
          const top0 = maskV[m0 + SPLEETER_MODEL_BINS - 1];
          const top1 = maskV[m1 + SPLEETER_MODEL_BINS - 1];
          for (let k = 0; k < BINS; k++) {
            let ml = k < SPLEETER_MODEL_BINS ? maskV[m0 + k] : top0;
            let mr = k < SPLEETER_MODEL_BINS ? maskV[m1 + k] : top1;
            if (!vocalsStem) {
              ml = 1 - ml;
              mr = 1 - mr;
            }
            const lr = specRe[b0 + k] * ml;
            const li = k === 0 || k === N / 2 ? 0 : specIm[b0 + k] * ml;
            const rr = specRe[b1 + k] * mr;
            const ri = k === 0 || k === N / 2 ? 0 : specIm[b1 + k] * mr;
            // Z[k] = L + jR; Z[N−k] = L* + jR*.
            zr[k] = lr - ri;
            zi[k] = li + rr;
            if (k > 0 && k < N / 2) {
              zr[N - k] = lr + ri;
              zi[N - k] = rr - li;
            }
          }
          this.fft.transform(zr, zi, true);
          const at = (f0 + t) * H - olaStart;
          for (let n = 0; n < N; n++) {
            accL[at + n] += (zr[n] / N) * win[n];
            accR[at + n] += (zi[n] / N) * win[n];
          }
        }
      }
      // 6. Padded samples before (f0 + finalFrames)·H are complete (no later frame reaches them): write them out.
      const doneTo = last ? samples + LEAD : (f0 + finalFrames) * H;
      const origFrom = written;
      const origTo = Math.min(samples, doneTo - LEAD);
      if (origTo > origFrom) {
        const n = origTo - origFrom;
        const outBuf = outBytes.subarray(0, n * 8);
        const o32 = outF32.subarray(0, n * 2);
        for (let si = 0; si < outs.length; si++) {
          const [l, r] = ola[si];
          const off = origFrom + LEAD - olaStart;
          for (let i = 0; i < n; i++) {
            o32[2 * i] = l[off + i] / OLA_NORM;
            o32[2 * i + 1] = r[off + i] / OLA_NORM;
          }
          let put = 0;
          while (put < outBuf.length) {
            const { bytesWritten } = await outs[si].fh.write(outBuf, put, outBuf.length - put, origFrom * 8 + put);
            put += bytesWritten;
          }
        }
        written = origTo;
      }
      // 7. Slide the accumulators to the next split's first frame.
      if (!last) {
        const shift = STRIDE * H;
        for (const pair of ola)
          for (const acc of pair) {
            acc.copyWithin(0, shift);
            acc.fill(0, olaLen - shift);
          }
        olaStart += shift;
      }
      opts.onProgress?.(Math.min(1, (f0 + finalFrames) / totalFrames));
      if (last) break;
    }
  }

  private async runModel(session: Session, x: Float32Array, dims: number[]): Promise<Float32Array> {
    const out = await session.run({ x: new ort.Tensor('float32', x, dims) });
    const y = out.y;
    if (!y || y.type !== 'float32' || y.data.length !== x.length)
      throw new ApiError(
        'ENGINE_ERROR',
        `The separation model returned ${y ? `${y.type} [${y.dims.join(', ')}]` : 'no "y"'}, expected float32 [${dims.join(', ')}].`,
      );
    return y.data as Float32Array;
  }
}
