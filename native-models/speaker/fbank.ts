/**
 * Kaldi-style filterbank features (kaldi-native-fbank's defaults, as sherpa-onnx feeds its WeSpeaker and 3D-Speaker
 * exports): 16 kHz, 25 ms frames every 10 ms with Kaldi's centred placement (`snip_edges=false`: ⌊(N + 80) / 160⌋
 * frames, the first starting 120 samples before the audio, edges mirrored), no dither, DC offset removed per frame,
 * preemphasis 0.97 within the frame, the "povey" window ((0.5 − 0.5·cos)^0.85), a 512-point FFT, power spectrum,
 * 80 triangular mel bands (mel = 1127·ln(1 + f/700)) from 20 Hz to 7600 Hz, log with a floor of FLT_EPSILON.
 * Samples are scaled to the 16-bit range when the model's `normalize_samples` is 0 (WeSpeaker's is).
 *
 * Output is frame-major [T][80] (the model's input is [N, T, 80]).
 */
import { Fft } from '../enhance/fft.js';

export const FBANK_BINS = 80;
const SR = 16_000;
const SHIFT = 160;
const LEN = 400;
const NFFT = 512;
const FLT_EPSILON = 1.1920928955078125e-7;

export function fbankFrameCount(samples: number): number {
  return Math.floor((samples + SHIFT / 2) / SHIFT);
}

const melScale = (f: number) => 1127 * Math.log(1 + f / 700);

/** Kaldi's mel banks over the first NFFT/2 FFT bins: [80][256]. */
export function kaldiMelBanks(lowHz = 20, highHz = SR / 2 - 400): Float64Array[] {
  const lo = melScale(lowHz);
  const hi = melScale(highHz);
  const delta = (hi - lo) / (FBANK_BINS + 1);
  return Array.from({ length: FBANK_BINS }, (_, b) => {
    const left = lo + b * delta;
    const centre = left + delta;
    const right = centre + delta;
    const w = new Float64Array(NFFT / 2);
    for (let i = 0; i < NFFT / 2; i++) {
      const m = melScale((i * SR) / NFFT);
      if (m > left && m < right) w[i] = m <= centre ? (m - left) / (centre - left) : (right - m) / (right - centre);
    }
    return w;
  });
}

let tables: { banks: Float64Array[]; window: Float64Array; fft: Fft } | undefined;

/** Log mel filterbank energies of 16 kHz mono audio, [T][80] in one Float32Array. */
export function kaldiFbank(audio: Float32Array, scaleTo16Bit: boolean): { data: Float32Array; frames: number } {
  tables ??= {
    banks: kaldiMelBanks(),
    window: Float64Array.from({ length: LEN }, (_, i) =>
      Math.pow(0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (LEN - 1)), 0.85),
    ),
    fft: new Fft(NFFT),
  };
  const { banks, window, fft } = tables;
  const n = audio.length;
  const frames = fbankFrameCount(n);
  const scale = scaleTo16Bit ? 32768 : 1;
  const out = new Float32Array(frames * FBANK_BINS);
  const frame = new Float64Array(NFFT);
  const re = new Float64Array(NFFT / 2 + 1);
  const im = new Float64Array(NFFT / 2 + 1);
  for (let t = 0; t < frames; t++) {
    const start = t * SHIFT + SHIFT / 2 - LEN / 2;
    let mean = 0;
    for (let j = 0; j < LEN; j++) {
      let s = start + j;
      if (s < 0) s = -s - 1;
      else if (s >= n) s = 2 * n - 1 - s;
      s = Math.min(Math.max(s, 0), n - 1);
      frame[j] = n > 0 ? audio[s] * scale : 0;
      mean += frame[j];
    }
    mean /= LEN;
    for (let j = 0; j < LEN; j++) frame[j] -= mean;
    for (let j = LEN - 1; j > 0; j--) frame[j] -= 0.97 * frame[j - 1];
    frame[0] -= 0.97 * frame[0];
    for (let j = 0; j < LEN; j++) frame[j] *= window[j];
    frame.fill(0, LEN);
    fft.rfft(frame, re, im);
    for (let b = 0; b < FBANK_BINS; b++) {
      const w = banks[b];
      let e = 0;
      for (let i = 0; i < NFFT / 2; i++) if (w[i] !== 0) e += w[i] * (re[i] * re[i] + im[i] * im[i]);
      out[t * FBANK_BINS + b] = Math.log(Math.max(e, FLT_EPSILON));
    }
  }
  return { data: out, frames };
}

/** sherpa-onnx's "global-mean" feature normalisation: subtract each bin's mean over the frames, in place. */
export function subtractGlobalMean(data: Float32Array, frames: number): void {
  for (let b = 0; b < FBANK_BINS; b++) {
    let m = 0;
    for (let t = 0; t < frames; t++) m += data[t * FBANK_BINS + b];
    m /= Math.max(1, frames);
    for (let t = 0; t < frames; t++) data[t * FBANK_BINS + b] -= m;
  }
}
