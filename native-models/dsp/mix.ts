/**
 * Episode mixdown: line takes laid end to end with per-line gaps and gains, resampled to the export rate, with an
 * optional music bed under the voice that ducks automatically while someone speaks.
 *
 * Timeline: `leadInMs` of silence, then each line followed by its `pauseAfterMs` (the last line's pause is kept as
 * the tail unless `tailMs` is given). Every line's placement is reported in samples (exact) and seconds, for
 * subtitles and chapters.
 *
 * Ducking: a side-chain envelope of the voice (RMS over 20 ms, above `thresholdDb` = voice present, held for
 * `holdMs`) sets the bed's target gain to `duckDb` while voice is present and 0 dB otherwise. The gain moves in
 * dB at a fixed rate: it starts falling `attackMs` before the voice (look-ahead, the whole mix is known) and rises
 * back over `releaseMs` after it, so the bed sits exactly `duckDb` lower whenever voice is present.
 */
import { resample } from './resample.js';

export interface MixLine {
  /** Caller's id (line or take id), echoed in the timings. */
  id: string;
  /** Speaker (for stems per speaker). */
  speaker?: string;
  /** Mono samples, or planar channels (mixed to the output channel count). */
  audio: Float32Array | Float32Array[];
  sampleRate: number;
  /** Gain in dB (default 0). */
  gainDb?: number;
  /** Silence after this line in ms (default `MixOptions.defaultPauseMs`). */
  pauseAfterMs?: number;
}

export interface MusicBed {
  audio: Float32Array | Float32Array[];
  sampleRate: number;
  /** Bed level in dB (default 0). */
  gainDb?: number;
  /** Gain change while voice is present, in dB (default −15; clamped to −30 … 0). */
  duckDb?: number;
  /** Fall time into the duck, in ms (default 150). */
  attackMs?: number;
  /** Rise time out of the duck, in ms (default 600). */
  releaseMs?: number;
  /** Voice-present threshold in dBFS RMS (default −45). */
  thresholdDb?: number;
  /** Keep the duck this long after the voice drops below the threshold, in ms (default 250). */
  holdMs?: number;
  /** Repeat the bed to fill the episode (default true); otherwise it plays once. */
  loop?: boolean;
  /** Fade the bed out over the last ms of the episode (default 2000). */
  fadeOutMs?: number;
}

export interface MixOptions {
  sampleRate: number;
  /** Output channels (default 2). */
  channels?: 1 | 2;
  /** Silence before the first line in ms (default 0). */
  leadInMs?: number;
  /** Pause after each line when the line does not set one, in ms (default 400). */
  defaultPauseMs?: number;
  /** Silence after the last line in ms; default: the last line's pause. */
  tailMs?: number;
  bed?: MusicBed;
}

export interface LineTiming {
  id: string;
  speaker?: string;
  /** First sample of the line in the mix. */
  startSample: number;
  /** One past the last sample of the line. */
  endSample: number;
  /** Seconds. */
  start: number;
  end: number;
}

export interface MixResult {
  sampleRate: number;
  /** Planar output channels. */
  channels: Float32Array[];
  timings: LineTiming[];
  /** The voice alone, planar (for stems and for measuring), same length as `channels`. */
  voice: Float32Array[];
  /** Bed gain in dB per sample (ducking plus fade-out), when a bed was given. */
  bedGainDb?: Float32Array;
}

const msToSamples = (ms: number, rate: number): number => Math.max(0, Math.round((ms / 1000) * rate));

/** Mix planar or mono audio to `count` channels (mono → copies, more → average). */
function toChannels(audio: Float32Array | Float32Array[], count: number): Float32Array[] {
  const chans = audio instanceof Float32Array ? [audio] : audio;
  if (chans.length === 0) throw new RangeError('Audio has no channels');
  if (chans.length === count) return chans;
  if (count === 1 || chans.length !== 1) {
    const len = chans[0].length;
    const mono = new Float32Array(len);
    for (const c of chans) for (let i = 0; i < len; i++) mono[i] += c[i] / chans.length;
    return Array.from({ length: count }, () => mono);
  }
  return Array.from({ length: count }, () => chans[0]);
}

/** Lay out the lines, place the bed, duck it and sum. */
export function mixEpisode(lines: MixLine[], opts: MixOptions): MixResult {
  const rate = opts.sampleRate;
  if (!Number.isInteger(rate) || rate < 8000 || rate > 192_000) throw new RangeError(`Invalid export rate: ${rate}`);
  const nch = opts.channels ?? 2;
  const prepared = lines.map((l) => {
    const chans = toChannels(l.audio, nch).map((c) => (l.sampleRate === rate ? c : resample(c, l.sampleRate, rate)));
    const g = Math.pow(10, (l.gainDb ?? 0) / 20);
    return { line: l, chans, gain: g, pause: msToSamples(l.pauseAfterMs ?? opts.defaultPauseMs ?? 400, rate) };
  });
  const timings: LineTiming[] = [];
  let cursor = msToSamples(opts.leadInMs ?? 0, rate);
  for (const p of prepared) {
    const start = cursor;
    const end = start + p.chans[0].length;
    timings.push({
      id: p.line.id,
      speaker: p.line.speaker,
      startSample: start,
      endSample: end,
      start: start / rate,
      end: end / rate,
    });
    cursor = end + p.pause;
  }
  const last = prepared[prepared.length - 1];
  const total = opts.tailMs !== undefined && last ? cursor - last.pause + msToSamples(opts.tailMs, rate) : cursor;
  const voice = Array.from({ length: nch }, () => new Float32Array(total));
  prepared.forEach((p, k) => {
    const at = timings[k].startSample;
    for (let c = 0; c < nch; c++) {
      const src = p.chans[c];
      const dst = voice[c];
      for (let i = 0; i < src.length; i++) dst[at + i] += src[i] * p.gain;
    }
  });
  if (!opts.bed) return { sampleRate: rate, channels: voice.map((v) => v.slice()), timings, voice };

  const bed = opts.bed;
  const bedChans = toChannels(bed.audio, nch).map((c) =>
    bed.sampleRate === rate ? c : resample(c, bed.sampleRate, rate),
  );
  const gainDb = duckingGain(voice, rate, bed);
  const base = bed.gainDb ?? 0;
  const fade = msToSamples(bed.fadeOutMs ?? 2000, rate);
  for (let i = 0; i < total; i++) {
    let g = gainDb[i] + base;
    const fromEnd = total - i;
    if (fade > 0 && fromEnd < fade) g += 20 * Math.log10(Math.max(1e-5, fromEnd / fade));
    gainDb[i] = g;
  }
  const out = voice.map((v) => v.slice());
  const bedLen = bedChans[0].length;
  if (bedLen > 0) {
    const loop = bed.loop ?? true;
    for (let c = 0; c < nch; c++) {
      const src = bedChans[c];
      const dst = out[c];
      const n = loop ? total : Math.min(total, bedLen);
      for (let i = 0; i < n; i++) dst[i] += src[i % bedLen] * Math.pow(10, gainDb[i] / 20);
    }
  }
  return { sampleRate: rate, channels: out, timings, voice, bedGainDb: gainDb };
}

/** Per-sample ducking gain in dB (0 = no duck, `duckDb` while the voice is present), with attack/release ramps. */
export function duckingGain(voice: Float32Array[], rate: number, bed: MusicBed): Float32Array {
  const total = voice[0]?.length ?? 0;
  const duck = Math.max(-30, Math.min(0, bed.duckDb ?? -15));
  const thr = Math.pow(10, (bed.thresholdDb ?? -45) / 20);
  const win = Math.max(1, msToSamples(20, rate));
  const hold = msToSamples(bed.holdMs ?? 250, rate);
  // Voice presence from the RMS over a centred 20 ms window (prefix sums of the channel-average power).
  const prefix = new Float64Array(total + 1);
  for (let i = 0; i < total; i++) {
    let p = 0;
    for (const v of voice) p += v[i] * v[i];
    prefix[i + 1] = prefix[i] + p / voice.length;
  }
  const target = new Float32Array(total);
  let lastActive = -Infinity;
  const half = win >> 1;
  for (let i = 0; i < total; i++) {
    const a = Math.max(0, i - half);
    const b = Math.min(total, i + half + 1);
    const rms = Math.sqrt((prefix[b] - prefix[a]) / (b - a));
    if (rms > thr) lastActive = i;
    target[i] = i - lastActive <= hold ? duck : 0;
  }
  if (duck === 0) return target;
  // Ramps in dB: a backward pass starts each duck `attackMs` early, a forward pass releases over `releaseMs`.
  // Both only ever lower the gain, so it is exactly `duck` wherever the voice is present.
  const attackStep = -duck / Math.max(1, msToSamples(bed.attackMs ?? 150, rate));
  const releaseStep = -duck / Math.max(1, msToSamples(bed.releaseMs ?? 600, rate));
  for (let i = total - 2; i >= 0; i--) target[i] = Math.min(target[i], target[i + 1] + attackStep);
  for (let i = 1; i < total; i++) target[i] = Math.min(target[i], target[i - 1] + releaseStep);
  return target;
}
