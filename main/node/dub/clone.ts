/**
 * "Clone from this video" (issue #11, pipeline step 4; docs/dubbing.md "Clone a speaker from the video"): gather one
 * speaker's cleanest 10–30 s from their own segments into ONE reference sample (never one clone per line).
 *
 * 1. Candidates: the speaker's segments. A segment that overlaps, or touches within
 *    `DUB_CLONE_LIMITS.overlapGuardSeconds`, a segment not assigned to this speaker is left out (cross-talk: the
 *    subtitle overlap rule leaves such cues touching). The longest segments are analysed first, at most
 *    `analysedSecondsMax` of audio in all and `SEGMENT_ANALYSED_MAX` of each.
 * 2. The media's audio is streamed by ffmpeg once into a raw mono file (`RATE`); each candidate (plus `CONTEXT` s on
 *    each side) is read from it by file offset, so the whole video's audio is never in memory.
 * 3. The Silero VAD marks speech per 32 ms window; the span kept is the segment's speech (first to last VAD region,
 *    inside the cue). SNR = mean power of the speech windows inside the cue over the median power of the
 *    non-speech windows around it (the cue and its context); with too few non-speech windows, the 10th percentile
 *    of all windows' power stands in for the floor.
 * 4. Ranked by SNR (then length); taken best first until `targetSeconds`, never beyond `maxSeconds` (a candidate that
 *    would pass it is skipped, or cut to fit while under `minSeconds`). Below `minSnrDb` a candidate is not usable.
 *    Less than `minSeconds` usable is refused, saying how much was found and why the rest was not used.
 * 5. The chosen spans, optionally denoised with GTCRN (band-split, any rate), are joined in media order with short
 *    fades and pauses into one sample; the caller stages it and creates the voice through the library's own path.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ApiError } from '../../../native-models/common/errors.js';
import { SileroVad } from '../../../native-models/vad/index.js';
import { GtcrnDenoiser } from '../../../native-models/enhance/gtcrn.js';
import { denoiseAnyRate } from '../../../native-models/enhance/bandsplit.js';
import { DUB_CLONE_LIMITS, type DubCloneReport, type DubCloneSpan } from '../../../preload/contract/index.js';
import { extractAudio, RawF32Reader } from './media.js';

/** Rate of the analysis audio and of the voice's sample (the cloning engine's own rate). */
export const CLONE_RATE = 24_000;
/** Seconds read on each side of a cue for its noise floor. */
const CONTEXT = 0.5;
/** At most this much of one segment is analysed (its start). */
export const SEGMENT_ANALYSED_MAX = 120;
/** Pause between joined spans, seconds, and the fade at each span's edges. */
const JOIN_GAP = 0.25;
const FADE = 0.015;
/** VAD probability at or above which a window is speech, and under which it is non-speech (for the floor). */
const SPEECH_P = 0.5;
const SILENCE_P = 0.2;
/** Fewer non-speech windows than this (about 0.2 s) and the floor is the quietest tenth of all windows. */
const MIN_FLOOR_WINDOWS = 6;
/** SNRs are capped here (digital silence around the speech would be infinite). */
const SNR_CAP = 60;

export interface CloneSegment {
  id: string;
  start: number;
  end: number;
  speaker: string | null;
}

export type ClonePhase = 'extracting' | 'analysing' | 'denoising';

export interface GatherOptions {
  mediaPath: string;
  mediaSeconds: number;
  /** Every segment of the project (the speaker's and the others', for the overlap rule). */
  segments: CloneSegment[];
  speaker: string;
  vadModel: string;
  /** The GTCRN model, when `denoise` is asked (else unused). */
  gtcrnModel: string | null;
  denoise: boolean;
  signal?: AbortSignal;
  onProgress?: (phase: ClonePhase, fraction: number) => void;
}

export interface GatheredClip {
  samples: Float32Array;
  sampleRate: number;
  report: DubCloneReport;
}

interface Candidate extends DubCloneSpan {
  segStart: number;
  segEnd: number;
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;
const r1 = (x: number) => Math.round(x * 10) / 10;
const cancelled = () => new ApiError('CANCELLED', 'Cloning the speaker was cancelled; nothing was created.');

/** Segments of `speaker` that overlap (or touch within the guard) a segment not assigned to them. */
export function overlappingIds(segments: CloneSegment[], speaker: string): Set<string> {
  const guard = DUB_CLONE_LIMITS.overlapGuardSeconds;
  const mine = segments.filter((s) => s.speaker === speaker);
  const others = segments.filter((s) => s.speaker !== speaker).sort((a, b) => a.start - b.start);
  const out = new Set<string>();
  for (const s of mine) {
    // Others are few per neighbourhood; a binary search would only matter for tens of thousands of segments.
    for (const o of others) {
      if (o.start >= s.end + guard) break;
      if (o.end > s.start - guard) {
        out.add(s.id);
        break;
      }
    }
  }
  return out;
}

/**
 * Which analysed candidates to use: best SNR first (then longer), until the target, never past the maximum.
 * Returns them in media order with their (possibly shortened) ends.
 */
export function chooseSpans(usable: Candidate[]): Candidate[] {
  const L = DUB_CLONE_LIMITS;
  const ranked = [...usable].sort(
    (a, b) => (b.snrDb ?? 0) - (a.snrDb ?? 0) || b.end - b.start - (a.end - a.start) || a.start - b.start,
  );
  const chosen: Candidate[] = [];
  let total = 0;
  for (const c of ranked) {
    if (total >= L.targetSeconds) break;
    const len = c.end - c.start;
    const room = L.maxSeconds - total;
    if (len <= room) {
      chosen.push(c);
      total += len;
    } else if (total < L.minSeconds) {
      // Cut to fit: without it the voice would stay under the minimum.
      const end = r3(c.start + room);
      chosen.push({ ...c, end, speechSeconds: r3(Math.min(c.speechSeconds, end - c.start)) });
      total += room;
    }
  }
  return chosen.sort((a, b) => a.start - b.start);
}

/** Speech and noise-floor analysis of one candidate read with its context. */
async function analyse(
  vad: SileroVad,
  reader: RawF32Reader,
  seg: CloneSegment,
  mediaSeconds: number,
): Promise<{ start: number; end: number; speechSeconds: number; snrDb: number | null }> {
  const segEnd = Math.min(seg.end, seg.start + SEGMENT_ANALYSED_MAX, mediaSeconds);
  const from = Math.max(0, seg.start - CONTEXT);
  const to = Math.min(mediaSeconds, segEnd + CONTEXT);
  const first = Math.floor(from * CLONE_RATE);
  const pcm = await reader.read(first, Math.max(0, Math.ceil(to * CLONE_RATE) - first));
  const t0 = first / CLONE_RATE;
  const vr = await vad.detect(pcm, CLONE_RATE, { minSilenceMs: 300, speechPadMs: 60 });
  const regions = vr.segments
    .map((g) => ({ start: Math.max(seg.start, t0 + g.start), end: Math.min(segEnd, t0 + g.end) }))
    .filter((g) => g.end - g.start > 0.05);
  const speechSeconds = regions.reduce((n, g) => n + g.end - g.start, 0);
  if (speechSeconds < 0.5) return { start: seg.start, end: segEnd, speechSeconds, snrDb: null };
  // Power per VAD window, from the audio at CLONE_RATE.
  const win = vr.windowSeconds;
  const per = Math.max(1, Math.round(win * CLONE_RATE));
  const speech: number[] = [];
  const quiet: number[] = [];
  const all: number[] = [];
  for (let i = 0; i < vr.probabilities.length; i++) {
    const a = i * per;
    if (a >= pcm.length) break;
    const b = Math.min(pcm.length, a + per);
    let e = 0;
    for (let k = a; k < b; k++) e += pcm[k] * pcm[k];
    const power = e / (b - a);
    const t = t0 + (a + b) / 2 / CLONE_RATE;
    const p = vr.probabilities[i];
    all.push(power);
    if (p >= SPEECH_P && t >= seg.start && t <= segEnd) speech.push(power);
    else if (p < SILENCE_P) quiet.push(power);
  }
  const quantile = (xs: number[], q: number) => {
    const s = [...xs].sort((x, y) => x - y);
    return s[Math.min(s.length - 1, Math.floor(q * s.length))];
  };
  const floor = Math.max(1e-10, quiet.length >= MIN_FLOOR_WINDOWS ? quantile(quiet, 0.5) : quantile(all, 0.1));
  const level = speech.length ? speech.reduce((n, x) => n + x, 0) / speech.length : 0;
  const snrDb = level > 0 ? Math.min(SNR_CAP, 10 * Math.log10(level / floor)) : null;
  return {
    start: r3(regions[0].start),
    end: r3(regions[regions.length - 1].end),
    speechSeconds: r3(speechSeconds),
    snrDb: snrDb === null ? null : r1(snrDb),
  };
}

/** The speaker's cleanest 10–30 s as one mono sample at CLONE_RATE, with the report of what was chosen and why. */
export async function gatherSpeakerClip(o: GatherOptions): Promise<GatheredClip> {
  const L = DUB_CLONE_LIMITS;
  const mine = o.segments.filter((s) => s.speaker === o.speaker).sort((a, b) => a.start - b.start);
  if (!mine.length)
    throw new ApiError(
      'INVALID_INPUT',
      `No segment is assigned to the speaker "${o.speaker}": assign their lines first, then clone from the video.`,
    );
  if (o.denoise && !o.gtcrnModel)
    throw new ApiError(
      'ENGINE_UNAVAILABLE',
      'Denoising needs the "gtcrn" model pack, which is not installed: install it in Models (or "timbre models download gtcrn"), or clone without denoising.',
    );
  const overlap = overlappingIds(o.segments, o.speaker);
  const candidates = new Map<string, Candidate>();
  const base = (s: CloneSegment, verdict: DubCloneSpan['verdict']): Candidate => ({
    segmentId: s.id,
    start: s.start,
    end: s.end,
    segStart: s.start,
    segEnd: s.end,
    speechSeconds: 0,
    snrDb: null,
    verdict,
  });
  for (const s of mine) candidates.set(s.id, base(s, overlap.has(s.id) ? 'overlap' : 'not-analysed'));
  // The longest first, up to the analysis budget.
  const toAnalyse: CloneSegment[] = [];
  let budget = L.analysedSecondsMax;
  for (const s of mine.filter((x) => !overlap.has(x.id)).sort((a, b) => b.end - b.start - (a.end - a.start))) {
    if (budget <= 0) break;
    toAnalyse.push(s);
    budget -= Math.min(SEGMENT_ANALYSED_MAX, s.end - s.start);
  }

  let chosen: Candidate[] = [];
  let samples: Float32Array = new Float32Array(0);
  if (toAnalyse.length) {
    const work = mkdtempSync(path.join(tmpdir(), 'timbre-dubclone-'));
    try {
      o.onProgress?.('extracting', 0);
      const raw = path.join(work, 'audio.f32');
      await extractAudio(o.mediaPath, raw, 1, CLONE_RATE, o.signal);
      if (o.signal?.aborted) throw cancelled();
      const reader = await RawF32Reader.open(raw, 1);
      try {
        const vad = await SileroVad.load(o.vadModel);
        try {
          for (const [i, s] of toAnalyse.entries()) {
            if (o.signal?.aborted) throw cancelled();
            o.onProgress?.('analysing', i / toAnalyse.length);
            const a = await analyse(vad, reader, s, o.mediaSeconds);
            const verdict = a.snrDb === null ? 'no-speech' : a.snrDb < L.minSnrDb ? 'noisy' : ('not-needed' as const);
            candidates.set(s.id, { ...base(s, verdict), ...a, verdict });
          }
        } finally {
          await vad.dispose();
        }
        const usable = [...candidates.values()].filter((c) => c.verdict === 'not-needed');
        chosen = chooseSpans(usable);
        const total = chosen.reduce((n, c) => n + c.end - c.start, 0);
        if (total < L.minSeconds) {
          const count = (v: DubCloneSpan['verdict']) => [...candidates.values()].filter((c) => c.verdict === v).length;
          const why = [
            count('overlap') && `${count('overlap')} overlap another speaker`,
            count('noisy') && `${count('noisy')} too noisy (under ${L.minSnrDb} dB SNR)`,
            count('no-speech') && `${count('no-speech')} without speech`,
          ].filter(Boolean);
          throw new ApiError(
            'INVALID_INPUT',
            `"${o.speaker}" has only ${total.toFixed(1)} s of usable speech in this video; a voice cloned from it needs at least ${L.minSeconds} s. ` +
              `Of their ${mine.length} segment${mine.length === 1 ? '' : 's'}${why.length ? `, ${why.join(', ')}` : ''}. ` +
              'Assign more of their lines to them, or record or import a sample in Voices instead. Nothing was created.',
            { usableSeconds: r1(total), minSeconds: L.minSeconds, reason: 'too-little-speech' },
          );
        }
        for (const c of chosen) candidates.set(c.segmentId, { ...c, verdict: 'chosen' });
        const denoiser = o.denoise && o.gtcrnModel ? await GtcrnDenoiser.load(o.gtcrnModel) : null;
        try {
          const parts: Float32Array[] = [];
          for (const [i, c] of chosen.entries()) {
            if (o.signal?.aborted) throw cancelled();
            const first = Math.floor(c.start * CLONE_RATE);
            let pcm: Float32Array = await reader.read(first, Math.ceil(c.end * CLONE_RATE) - first);
            if (denoiser) {
              o.onProgress?.('denoising', i / chosen.length);
              pcm = (await denoiseAnyRate(denoiser, pcm, CLONE_RATE)).samples;
            }
            parts.push(pcm);
          }
          samples = join(parts);
        } finally {
          await denoiser?.dispose();
        }
      } finally {
        await reader.close();
      }
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  } else {
    throw new ApiError(
      'INVALID_INPUT',
      `"${o.speaker}" has no usable speech in this video: all ${mine.length} of their segments overlap another speaker. Nothing was created.`,
      { usableSeconds: 0, minSeconds: L.minSeconds, reason: 'too-little-speech' },
    );
  }
  const strip = ({ segStart: _a, segEnd: _b, ...c }: Candidate): DubCloneSpan => c;
  return {
    samples,
    sampleRate: CLONE_RATE,
    report: {
      speaker: o.speaker,
      spans: chosen.map((c) => strip({ ...c, verdict: 'chosen' })),
      totalSeconds: r3(chosen.reduce((n, c) => n + c.end - c.start, 0)),
      candidates: [...candidates.values()].sort((a, b) => a.segStart - b.segStart).map(strip),
      denoised: o.denoise,
    },
  };
}

/** Spans end to end with short fades and a pause between them; peaks above full scale brought under it. */
function join(parts: Float32Array[]): Float32Array {
  const gap = Math.round(JOIN_GAP * CLONE_RATE);
  const fade = Math.round(FADE * CLONE_RATE);
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0) + gap * Math.max(0, parts.length - 1));
  let off = 0;
  let peak = 0;
  for (const p of parts) {
    const f = Math.min(fade, Math.floor(p.length / 2));
    for (let i = 0; i < p.length; i++) {
      const g = i < f ? i / f : i >= p.length - f ? (p.length - 1 - i) / f : 1;
      const v = p[i] * g;
      out[off + i] = v;
      peak = Math.max(peak, Math.abs(v));
    }
    off += p.length + gap;
  }
  if (peak > 0.99) for (let i = 0; i < out.length; i++) out[i] *= 0.99 / peak;
  return out;
}
