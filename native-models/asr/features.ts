/**
 * NeMo's log-mel front end (`FilterbankFeatures` / `AudioToMelSpectrogramPreprocessor`), as the Parakeet
 * TDT-CTC 110M model was trained with and as sherpa-onnx feeds its NeMo CTC exports:
 *
 * - 16 kHz mono in [-1, 1]; preemphasis y[t] = x[t] − 0.97·x[t−1] (y[0] = x[0]);
 * - frames every 160 samples (10 ms), centred: the signal is padded with 256 zeros on each side (torch.stft
 *   `center=True`, NeMo's `pad_mode="constant"`), so there are ⌊N / 160⌋ + 1 frames;
 * - each frame: a 400-sample (25 ms) symmetric Hann window (torch.hann_window(400, periodic=False)) placed in the
 *   middle of a 512-point FFT; power spectrum |X|²;
 * - 80 mel bands from 0 to 8 kHz, librosa's Slaney mel scale and Slaney area normalisation;
 * - log(mel + 2⁻²⁴) (NeMo's `log_zero_guard_value`);
 * - per-feature normalisation over the frames: (x − mean) / (std + 1e-5), std with N − 1 (NeMo's
 *   `normalize_batch`, `per_feature`; sherpa-onnx reads `normalize_type` from the model's metadata).
 *
 * Output is channel-major [80, T] (the model's `audio_signal` is [N, 80, T]).
 */
import { Fft } from '../enhance/fft.js';

export const FEATURE_SAMPLE_RATE = 16_000;
export const N_MELS = 80;
export const HOP = 160;
export const WIN = 400;
export const N_FFT = 512;
export const PREEMPH = 0.97;
export const LOG_GUARD = 2 ** -24;
export const NORM_EPS = 1e-5;

function hzToMel(f: number): number {
  const fSp = 200 / 3;
  const minLogHz = 1000;
  const minLogMel = minLogHz / fSp;
  const logstep = Math.log(6.4) / 27;
  return f >= minLogHz ? minLogMel + Math.log(f / minLogHz) / logstep : f / fSp;
}

function melToHz(m: number): number {
  const fSp = 200 / 3;
  const minLogHz = 1000;
  const minLogMel = minLogHz / fSp;
  const logstep = Math.log(6.4) / 27;
  return m >= minLogMel ? minLogHz * Math.exp(logstep * (m - minLogMel)) : fSp * m;
}

/** librosa.filters.mel(sr, n_fft, n_mels, fmin=0, fmax=sr/2, htk=False, norm='slaney'): [nMels][nFft/2+1]. */
export function slaneyMelFilterbank(
  sampleRate = FEATURE_SAMPLE_RATE,
  nFft = N_FFT,
  nMels = N_MELS,
  fMin = 0,
  fMax = sampleRate / 2,
): Float64Array[] {
  const bins = nFft / 2 + 1;
  const melMin = hzToMel(fMin);
  const melMax = hzToMel(fMax);
  const melF = Array.from({ length: nMels + 2 }, (_, i) => melToHz(melMin + ((melMax - melMin) * i) / (nMels + 1)));
  const fftF = Array.from({ length: bins }, (_, k) => (k * sampleRate) / nFft);
  const out: Float64Array[] = [];
  for (let i = 0; i < nMels; i++) {
    const w = new Float64Array(bins);
    const d0 = melF[i + 1] - melF[i];
    const d1 = melF[i + 2] - melF[i + 1];
    const enorm = 2 / (melF[i + 2] - melF[i]);
    for (let k = 0; k < bins; k++) {
      const lower = (fftF[k] - melF[i]) / d0;
      const upper = (melF[i + 2] - fftF[k]) / d1;
      w[k] = Math.max(0, Math.min(lower, upper)) * enorm;
    }
    out.push(w);
  }
  return out;
}

/** torch.hann_window(WIN, periodic=False), centred in N_FFT points. */
export function paddedHannWindow(win = WIN, nFft = N_FFT): Float64Array {
  const w = new Float64Array(nFft);
  const off = Math.floor((nFft - win) / 2);
  for (let n = 0; n < win; n++) w[off + n] = 0.5 - 0.5 * Math.cos((2 * Math.PI * n) / (win - 1));
  return w;
}

/** Frames NeMo computes for `samples` samples (centred STFT). */
export function frameCount(samples: number): number {
  return Math.floor(samples / HOP) + 1;
}

/** Sparse mel bands: the first bin and weights of each band's non-zero part. */
interface Band {
  start: number;
  w: Float64Array;
}

let cached: { bands: Band[]; window: Float64Array; fft: Fft } | undefined;
function tables() {
  if (!cached) {
    const fb = slaneyMelFilterbank();
    const bands = fb.map((row) => {
      let a = 0;
      while (a < row.length && row[a] === 0) a++;
      let b = row.length;
      while (b > a && row[b - 1] === 0) b--;
      return { start: a, w: row.slice(a, b) };
    });
    cached = { bands, window: paddedHannWindow(), fft: new Fft(N_FFT) };
  }
  return cached;
}

/** Log-mel energies before normalisation, channel-major [80][T] in one Float32Array (T = frameCount). */
export function logMel(audio: Float32Array): { data: Float32Array; frames: number } {
  const { bands, window, fft } = tables();
  const n = audio.length;
  const frames = frameCount(n);
  const pad = N_FFT / 2;
  const out = new Float32Array(N_MELS * frames);
  const frame = new Float64Array(N_FFT);
  const re = new Float64Array(N_FFT / 2 + 1);
  const im = new Float64Array(N_FFT / 2 + 1);
  const power = new Float64Array(N_FFT / 2 + 1);
  // Preemphasised sample i (0 outside the signal: the centring pad is applied after preemphasis, as in NeMo).
  const y = (i: number) => (i < 0 || i >= n ? 0 : i === 0 ? audio[0] : audio[i] - PREEMPH * audio[i - 1]);
  for (let t = 0; t < frames; t++) {
    const s0 = t * HOP - pad;
    for (let j = 0; j < N_FFT; j++) frame[j] = window[j] === 0 ? 0 : y(s0 + j) * window[j];
    fft.rfft(frame, re, im);
    for (let k = 0; k < power.length; k++) power[k] = re[k] * re[k] + im[k] * im[k];
    for (let m = 0; m < N_MELS; m++) {
      const { start, w } = bands[m];
      let e = 0;
      for (let k = 0; k < w.length; k++) e += w[k] * power[start + k];
      out[m * frames + t] = Math.log(e + LOG_GUARD);
    }
  }
  return { data: out, frames };
}

/** NeMo per_feature normalisation in place over the first `valid` frames of a [80][T] array. */
export function normalizePerFeature(data: Float32Array, frames: number, valid = frames): void {
  for (let m = 0; m < N_MELS; m++) {
    const row = data.subarray(m * frames, (m + 1) * frames);
    let mean = 0;
    for (let t = 0; t < valid; t++) mean += row[t];
    mean /= Math.max(1, valid);
    let v = 0;
    for (let t = 0; t < valid; t++) v += (row[t] - mean) ** 2;
    const std = Math.sqrt(v / Math.max(1, valid - 1)) + NORM_EPS;
    for (let t = 0; t < frames; t++) row[t] = t < valid ? (row[t] - mean) / std : 0;
  }
}

/** The model's input for 16 kHz mono audio: normalised log-mel, [80][T] channel-major. */
export function nemoFeatures(audio: Float32Array): { data: Float32Array; frames: number } {
  const f = logMel(audio);
  normalizePerFeature(f.data, f.frames);
  return f;
}
