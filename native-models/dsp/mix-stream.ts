/**
 * Streaming episode mixdown: the same timeline, gains and ducked music bed as mixEpisode() (mix.ts), produced in
 * blocks of a fixed size. Takes are loaded one at a time through a callback when the block being mixed reaches
 * them and dropped once it has passed them, so memory depends on the block size, the longest take and the bed,
 * never on the length of the episode.
 *
 * Ducking is exact: mixEpisode's side-chain (centred 20 ms RMS, hold, look-ahead attack ramp, release ramp)
 * only ever looks `attack + 10 ms` ahead and `hold + 10 ms` back, so each block computes it over that margin and
 * carries the release state to the next block. The output is mono (takes and the bed are mono here).
 *
 * The bed is a stream too: a `BedReader` (bed-stream.ts) delivers the samples of each block at the mix rate, read
 * from the bed's file and resampled block by block, so a 30-minute bed costs a block, not its length.
 */
import type { MusicBed } from './mix.js';
import { arrayBed, type BedReader } from './bed-stream.js';

export interface StreamLine {
  id: string;
  speaker?: string;
  /** Length at the mix rate, in samples (the loader must return exactly this many). */
  frames: number;
  gainDb?: number;
  /** Silence after the line, in samples at the mix rate. */
  pauseAfter: number;
}

export interface StreamTiming {
  id: string;
  speaker?: string;
  startSample: number;
  endSample: number;
  start: number;
  end: number;
}

export interface MixStreamOptions {
  sampleRate: number;
  /** Samples of silence before the first line (default 0). */
  leadIn?: number;
  /** Samples after the last line (default: none; the last line's pause is dropped). */
  tail?: number;
  /** The bed, mono at the mix rate: whole samples (short beds, tests), or a reader that streams it. */
  bed?: Omit<MusicBed, 'audio' | 'sampleRate'> & ({ samples: Float32Array } | { reader: BedReader });
  /** Only these lines are heard (stems per speaker); the others keep their place as silence. */
  include?: (index: number) => boolean;
  /** Block size in samples (default 65536). */
  blockFrames?: number;
}

/** Lay out the lines like mixEpisode (tail 0 unless given). */
export function layoutStream(
  lines: StreamLine[],
  rate: number,
  leadIn = 0,
  tail?: number,
): { timings: StreamTiming[]; total: number } {
  const timings: StreamTiming[] = [];
  let cursor = leadIn;
  for (const l of lines) {
    const start = cursor;
    const end = start + l.frames;
    timings.push({
      id: l.id,
      speaker: l.speaker,
      startSample: start,
      endSample: end,
      start: start / rate,
      end: end / rate,
    });
    cursor = end + l.pauseAfter;
  }
  const last = lines[lines.length - 1];
  const total = last ? cursor - last.pauseAfter + (tail ?? 0) : cursor;
  return { timings, total };
}

const msToSamples = (ms: number, rate: number): number => Math.max(0, Math.round((ms / 1000) * rate));

export class MixStream {
  readonly timings: StreamTiming[];
  readonly total: number;
  readonly sampleRate: number;
  private readonly block: number;
  private readonly cache = new Map<number, Float32Array>();
  /** First line that may still overlap what is read next. */
  private lineCursor = 0;
  private pos = 0;
  private prevDuck = Infinity;
  private readonly bedReader?: BedReader;

  constructor(
    private readonly lines: StreamLine[],
    private readonly load: (index: number) => Promise<Float32Array>,
    private readonly opts: MixStreamOptions,
  ) {
    this.sampleRate = opts.sampleRate;
    const l = layoutStream(lines, opts.sampleRate, opts.leadIn ?? 0, opts.tail);
    this.timings = l.timings;
    this.total = l.total;
    this.block = opts.blockFrames ?? 65536;
    const bed = opts.bed;
    if (bed) this.bedReader = 'reader' in bed ? bed.reader : arrayBed(bed.samples);
  }

  get position(): number {
    return this.pos;
  }

  /** Voice (lines with their gains) over [from, to); `from` never goes back before an earlier call's `from`. */
  private async voice(from: number, to: number): Promise<Float32Array> {
    const out = new Float32Array(Math.max(0, to - from));
    while (this.lineCursor < this.lines.length && this.timings[this.lineCursor].endSample <= from) {
      this.cache.delete(this.lineCursor);
      this.lineCursor++;
    }
    for (let i = this.lineCursor; i < this.lines.length; i++) {
      const t = this.timings[i];
      if (t.startSample >= to) break;
      if (t.endSample <= from || (this.opts.include && !this.opts.include(i))) continue;
      let x = this.cache.get(i);
      if (!x) {
        x = await this.load(i);
        if (x.length !== this.lines[i].frames)
          throw new RangeError(`Line ${this.lines[i].id}: ${x.length} samples, expected ${this.lines[i].frames}`);
        this.cache.set(i, x);
      }
      const g = Math.pow(10, (this.lines[i].gainDb ?? 0) / 20);
      const a = Math.max(from, t.startSample);
      const b = Math.min(to, t.endSample);
      for (let k = a; k < b; k++) out[k - from] += x[k - t.startSample] * g;
    }
    return out;
  }

  /** The next block (mix and voice alone), or null at the end. */
  async next(): Promise<{ start: number; mix: Float32Array; voice: Float32Array } | null> {
    if (this.pos >= this.total) return null;
    const s = this.pos;
    const e = Math.min(this.total, s + this.block);
    const bed = this.opts.bed;
    const reader = this.bedReader;
    if (!bed || !reader || reader.length === 0) {
      const v = await this.voice(s, e);
      this.pos = e;
      return { start: s, mix: v, voice: v };
    }
    const rate = this.sampleRate;
    const duck = Math.max(-30, Math.min(0, bed.duckDb ?? -15));
    const A = Math.max(1, msToSamples(bed.attackMs ?? 150, rate));
    const hold = msToSamples(bed.holdMs ?? 250, rate);
    const half = Math.max(1, msToSamples(20, rate)) >> 1;
    // Voice over the side-chain's reach: [s − hold − half, e + A + half].
    const vFrom = Math.max(0, s - hold - half);
    const vTo = Math.min(this.total, e + A + half + 1);
    const v = await this.voice(vFrom, vTo);
    const voice = v.subarray(s - vFrom, e - vFrom).slice();
    const gainDb = new Float32Array(e - s);
    if (duck !== 0) {
      // Target over [s, min(total, e + A)): the attack looks that far ahead.
      const tFrom = s;
      const tTo = Math.min(this.total, e + A);
      const local = duckingGainWindow(v, vFrom, tFrom, tTo, this.total, bed, rate);
      // Forward release continues from the previous block's last value.
      let prev = this.prevDuck;
      const releaseStep = -duck / Math.max(1, msToSamples(bed.releaseMs ?? 600, rate));
      for (let i = s; i < e; i++) {
        let g = local[i - tFrom];
        if (prev !== Infinity) g = Math.min(g, prev + releaseStep);
        gainDb[i - s] = g;
        prev = g;
      }
      this.prevDuck = prev;
    }
    const base = bed.gainDb ?? 0;
    const fade = msToSamples(bed.fadeOutMs ?? 2000, rate);
    const bedLen = reader.length;
    const loop = bed.loop ?? true;
    // The bed under [s, e): looped (a read across the end continues from its start), or once.
    const bedEnd = loop ? e : Math.min(e, bedLen);
    const music = new Float32Array(Math.max(0, bedEnd - s));
    for (let i = s; i < bedEnd;) {
      const at = i % bedLen;
      const n = Math.min(bedEnd - i, bedLen - at);
      await reader.read(at, music.subarray(i - s, i - s + n));
      i += n;
    }
    const mix = voice.slice();
    for (let i = s; i < e; i++) {
      let g = gainDb[i - s] + base;
      const fromEnd = this.total - i;
      if (fade > 0 && fromEnd < fade) g += 20 * Math.log10(Math.max(1e-5, fromEnd / fade));
      gainDb[i - s] = g;
      if (i >= bedEnd) continue;
      mix[i - s] += music[i - s] * Math.pow(10, g / 20);
    }
    this.pos = e;
    return { start: s, mix, voice };
  }
}

/**
 * mixEpisode's ducking target (presence, hold, backward attack ramp; not the forward release, which the caller
 * carries across blocks) over programme samples [tFrom, tTo), from the voice `v` that starts at `vFrom` and covers
 * the side-chain's reach. Values at the right edge (within the attack of tTo) are only used as look-ahead.
 */
function duckingGainWindow(
  v: Float32Array,
  vFrom: number,
  tFrom: number,
  tTo: number,
  total: number,
  bed: Omit<MusicBed, 'audio' | 'sampleRate'>,
  rate: number,
): Float32Array {
  const duck = Math.max(-30, Math.min(0, bed.duckDb ?? -15));
  const thr = Math.pow(10, (bed.thresholdDb ?? -45) / 20);
  const win = Math.max(1, msToSamples(20, rate));
  const hold = msToSamples(bed.holdMs ?? 250, rate);
  const half = win >> 1;
  const n = v.length;
  const prefix = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) prefix[i + 1] = prefix[i] + v[i] * v[i];
  // Presence from tFrom − hold (what the hold can reach back to).
  const pFrom = Math.max(0, tFrom - hold);
  const target = new Float32Array(tTo - tFrom);
  let lastActive = -Infinity;
  for (let i = pFrom; i < tTo; i++) {
    const a = Math.max(0, i - half);
    const b = Math.min(total, i + half + 1);
    const rms = Math.sqrt((prefix[b - vFrom] - prefix[a - vFrom]) / (b - a));
    if (rms > thr) lastActive = i;
    if (i >= tFrom) target[i - tFrom] = i - lastActive <= hold ? duck : 0;
  }
  const attackStep = -duck / Math.max(1, msToSamples(bed.attackMs ?? 150, rate));
  for (let i = target.length - 2; i >= 0; i--) target[i] = Math.min(target[i], target[i + 1] + attackStep);
  return target;
}
