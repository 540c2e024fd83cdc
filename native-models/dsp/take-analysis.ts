/**
 * Per-take analysis, computed once when a take is made and stored with it (take_analysis table): duration, rate,
 * sample and true peak, integrated loudness, the K-weighted energy of every 10 ms (enough to recombine the BS.1770
 * gating of a whole programme built from takes, gaps and gains without decoding anything again) and waveform
 * peaks (min/max pairs) at 50 and 5 per second for the timeline.
 *
 * Combining: the programme's 400 ms gating blocks straddle takes and the silent gaps between them, so per-take
 * loudness figures cannot simply be averaged. Each take's 10 ms energies are laid on the programme's 100 ms
 * sub-block grid at the take's start time (an energy segment that crosses a sub-block boundary is split in
 * proportion), gaps add nothing, a gain of g dB scales energy by 10^(g/10), and the gating then runs on the
 * programme's sub-blocks exactly as the streaming meter does. The only approximation is the K-weighting filter
 * starting from rest at each take (it rings for a few ms) and the proportional split: well under 0.01 LU.
 *
 * Stored format (little-endian): "TAN1", u32 sampleRate, u32 frames, f32 samplePeakDb, f32 truePeakDb,
 * f32 integratedLufs, u32 energy count, u32 peaks50 pairs, u32 peaks5 pairs, then f32 energies, i16 peaks50
 * (min,max …), i16 peaks5. About 0.6 kB per second of take.
 */
import { KWeighting } from './loudness.js';
import { LoudnessMeter, gatedFromSubBlocks } from './loudness-stream.js';

export const PEAK_RESOLUTIONS = [50, 5] as const;
export type PeakResolution = (typeof PEAK_RESOLUTIONS)[number];

export interface TakeAnalysis {
  sampleRate: number;
  frames: number;
  durationSec: number;
  samplePeakDb: number;
  truePeakDb: number;
  integratedLufs: number;
  /** K-weighted Σ z² / rate per 10 ms segment k = [⌊k·rate/100⌋, ⌊(k+1)·rate/100⌋). */
  energy10ms: Float32Array;
  /** Min/max pairs (interleaved, ×32767) per 1/50 s and per 1/5 s. */
  peaks50: Int16Array;
  peaks5: Int16Array;
}

const MAGIC = 'TAN1';
const HEADER = 36;

function peaksAt(x: Float32Array, rate: number, perSec: number): Int16Array {
  const n = Math.ceil((x.length * perSec) / rate);
  const out = new Int16Array(2 * n);
  for (let k = 0; k < n; k++) {
    const a = Math.floor((k * rate) / perSec);
    const b = Math.min(x.length, Math.floor(((k + 1) * rate) / perSec));
    let lo = 0;
    let hi = 0;
    for (let i = a; i < b; i++) {
      const v = x[i];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    out[2 * k] = Math.round(Math.max(-1, lo) * 32767);
    out[2 * k + 1] = Math.round(Math.min(1, hi) * 32767);
  }
  return out;
}

/** Analyse a take's mono samples (one pass of K-weighting plus the meter). */
export function analyseTake(x: Float32Array, sampleRate: number): TakeAnalysis {
  const segs = Math.ceil((x.length * 100) / sampleRate);
  const energy = new Float32Array(segs);
  const sq = new KWeighting(sampleRate).squares(x);
  for (let k = 0; k < segs; k++) {
    const a = Math.floor((k * sampleRate) / 100);
    const b = Math.min(x.length, Math.floor(((k + 1) * sampleRate) / 100));
    let acc = 0;
    for (let n = a; n < b; n++) acc += sq[n];
    energy[k] = acc / sampleRate;
  }
  const m = new LoudnessMeter(sampleRate);
  m.push(x);
  const r = m.result();
  return {
    sampleRate,
    frames: x.length,
    durationSec: x.length / sampleRate,
    samplePeakDb: r.samplePeak,
    truePeakDb: r.truePeak,
    integratedLufs: r.integrated,
    energy10ms: energy,
    peaks50: peaksAt(x, sampleRate, 50),
    peaks5: peaksAt(x, sampleRate, 5),
  };
}

export function encodeAnalysis(a: TakeAnalysis): Buffer {
  const buf = Buffer.alloc(HEADER + a.energy10ms.length * 4 + (a.peaks50.length + a.peaks5.length) * 2);
  buf.write(MAGIC, 0, 'ascii');
  buf.writeUInt32LE(a.sampleRate, 4);
  buf.writeUInt32LE(a.frames, 8);
  buf.writeFloatLE(a.samplePeakDb, 12);
  buf.writeFloatLE(a.truePeakDb, 16);
  buf.writeFloatLE(a.integratedLufs, 20);
  buf.writeUInt32LE(a.energy10ms.length, 24);
  buf.writeUInt32LE(a.peaks50.length / 2, 28);
  buf.writeUInt32LE(a.peaks5.length / 2, 32);
  let o = HEADER;
  for (const v of a.energy10ms) o = buf.writeFloatLE(v, o);
  for (const v of a.peaks50) o = buf.writeInt16LE(v, o);
  for (const v of a.peaks5) o = buf.writeInt16LE(v, o);
  return buf;
}

/**
 * Only the waveform peaks (min/max pairs ×32767) at one resolution from a stored analysis, without decoding the
 * energies: what the timeline overview reads for every take. Throws RangeError on anything malformed.
 */
export function decodePeaks(buf: Uint8Array, perSecond: PeakResolution): Int16Array {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b.length < HEADER || b.toString('ascii', 0, 4) !== MAGIC) throw new RangeError('Not a take analysis');
  const ne = b.readUInt32LE(24);
  const n50 = b.readUInt32LE(28);
  const n5 = b.readUInt32LE(32);
  if (b.length !== HEADER + ne * 4 + (n50 + n5) * 4) throw new RangeError('Corrupt take analysis');
  const start = HEADER + ne * 4 + (perSecond === 50 ? 0 : n50 * 4);
  const out = new Int16Array(2 * (perSecond === 50 ? n50 : n5));
  for (let i = 0, o = start; i < out.length; i++, o += 2) out[i] = b.readInt16LE(o);
  return out;
}

/**
 * Decode a stored analysis; throws RangeError on anything malformed (the caller recomputes it). `peaks: false`
 * leaves the waveform peaks out (empty arrays): loudness needs only the energies.
 */
export function decodeAnalysis(
  buf: Uint8Array,
  opts: {
    peaks?: boolean;
    /**
     * Decode the energies into this buffer (grown when too small) and return a view of it instead of a new array:
     * for reading thousands of analyses one after another without allocating (the view is valid until the next
     * decode into the same scratch).
     */
    scratch?: { energies: Float32Array };
  } = {},
): TakeAnalysis {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b.length < HEADER || b.toString('ascii', 0, 4) !== MAGIC) throw new RangeError('Not a take analysis');
  const sampleRate = b.readUInt32LE(4);
  const frames = b.readUInt32LE(8);
  const ne = b.readUInt32LE(24);
  const n50 = b.readUInt32LE(28);
  const n5 = b.readUInt32LE(32);
  if (sampleRate < 1 || b.length !== HEADER + ne * 4 + (n50 + n5) * 4) throw new RangeError('Corrupt take analysis');
  let energy10ms: Float32Array;
  if (opts.scratch) {
    if (opts.scratch.energies.length < ne)
      opts.scratch.energies = new Float32Array(Math.max(ne, 2 * opts.scratch.energies.length));
    energy10ms = opts.scratch.energies.subarray(0, ne);
  } else energy10ms = new Float32Array(ne);
  let o = HEADER;
  for (let i = 0; i < ne; i++, o += 4) energy10ms[i] = b.readFloatLE(o);
  const withPeaks = opts.peaks !== false;
  const peaks50 = new Int16Array(withPeaks ? 2 * n50 : 0);
  for (let i = 0; i < peaks50.length; i++, o += 2) peaks50[i] = b.readInt16LE(o);
  const peaks5 = new Int16Array(withPeaks ? 2 * n5 : 0);
  for (let i = 0; i < peaks5.length; i++, o += 2) peaks5[i] = b.readInt16LE(o);
  return {
    sampleRate,
    frames,
    durationSec: frames / sampleRate,
    samplePeakDb: b.readFloatLE(12),
    truePeakDb: b.readFloatLE(16),
    integratedLufs: b.readFloatLE(20),
    energy10ms,
    peaks50,
    peaks5,
  };
}

export interface ProgrammeItem {
  analysis: TakeAnalysis;
  /** Start of the take in the programme, seconds. */
  startSec: number;
  gainDb?: number;
}

/**
 * Integrated loudness and true peak of a programme made of takes (mono, silence between them), from their stored
 * analyses, for `channels` identical output channels. `totalSec`: the programme's length.
 */
export function combineProgramme(
  items: Iterable<ProgrammeItem>,
  totalSec: number,
  channels = 1,
): { integrated: number; truePeak: number } {
  const nSub = Math.floor(totalSec * 10 + 1e-9);
  const sub = new Float64Array(nSub);
  let tp = -Infinity;
  for (const it of items) {
    const a = it.analysis;
    const g = Math.pow(10, (it.gainDb ?? 0) / 10);
    tp = Math.max(tp, a.truePeakDb + (it.gainDb ?? 0));
    for (let k = 0; k < a.energy10ms.length; k++) {
      const e = a.energy10ms[k] * g;
      if (e === 0) continue;
      const t0 = it.startSec + Math.floor((k * a.sampleRate) / 100) / a.sampleRate;
      const t1 = it.startSec + Math.min(a.frames, Math.floor(((k + 1) * a.sampleRate) / 100)) / a.sampleRate;
      if (t1 <= t0) continue;
      // Spread over the 100 ms sub-blocks the segment covers (at most two).
      let t = t0;
      while (t < t1 - 1e-12) {
        const j = Math.floor(t * 10 + 1e-9);
        const end = Math.min(t1, (j + 1) / 10);
        if (j >= 0 && j < nSub) sub[j] += (e * (end - t)) / (t1 - t0);
        t = end;
      }
    }
  }
  const r = gatedFromSubBlocks(sub, nSub);
  return { integrated: r.integrated + 10 * Math.log10(channels), truePeak: tp };
}
