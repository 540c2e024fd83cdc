/**
 * Take QC: what a careful listener would catch in a generated take, found from its alignment to the text it was
 * made from (`aligner.ts`) and from the samples themselves.
 *
 * - missing words: the aligner could not find them (a skipped phrase, a take cut short);
 * - unclear words: at least WEAK_CLUSTER_MIN words scoring under WEAK_WORD_SCORE within WEAK_CLUSTER_WINDOW words
 *   in a row. A word cut out of a take, or a phrase said twice, leaves such a cluster: the aligner squeezes the
 *   missing word into its neighbours or spreads the repeat over them. One weak word alone is normal in synthetic
 *   speech (eSpeak's "is", "the", a number read another way) and is not flagged; the consent check's whole-text
 *   verdict is not used either, because it rejects too many correct synthetic takes (measured: docs/speech.md);
 * - extra speech: speech outside the expected words (a repeated phrase, babble) beyond EXTRA_SPEECH_SECONDS, or
 *   one word stretched over more than STRETCHED_WORD_SECONDS with a score under STRETCHED_WORD_SCORE (the
 *   aligner laid it over a repeat);
 * - long silence: a pause between words (or at either end) longer than LONG_SILENCE_SECONDS plus the longest pause
 *   the line asks for with a tag; such a "pause" that is mostly sound (frames within SOUND_WITHIN_DB of the take's
 *   loud level) is speech the aligner did not place, e.g. the text said a second time, and counts as extra speech;
 * - clipping: runs of at least CLIP_RUN samples at full scale.
 *
 * Pure and process-neutral: the caller decodes the take and runs the aligner.
 */
import type { AlignResult, QcIssue, TakeQc } from '../../preload/contract/speech.js';
import { werWords, wordDiff } from '../asr/wer.js';
import { MAX_UNEXPECTED_SPEECH_SECONDS } from './verify.js';

/** A pause longer than this (seconds) beyond what the line asks for is flagged. */
export const LONG_SILENCE_SECONDS = 1.5;
/** Speech outside the text beyond this (seconds) is flagged: the consent check's limit, so both agree. */
export const EXTRA_SPEECH_SECONDS = MAX_UNEXPECTED_SPEECH_SECONDS;
/** Unclear words: a word scoring under this... */
export const WEAK_WORD_SCORE = 0.3;
/** ...counts when at least WEAK_CLUSTER_MIN such words fall within WEAK_CLUSTER_WINDOW consecutive words. */
export const WEAK_CLUSTER_MIN = 2;
export const WEAK_CLUSTER_WINDOW = 3;
/** A word longer than this (seconds)... */
export const STRETCHED_WORD_SECONDS = 1.2;
/** ...scoring under this was laid over other speech. */
export const STRETCHED_WORD_SCORE = 0.1;
/** Samples at or above this magnitude count as clipped... */
export const CLIP_LEVEL = 0.999;
/** ...when at least this many follow each other (a single full-scale sample is a peak, not distortion). */
export const CLIP_RUN = 3;

export interface ClipScan {
  /** Seconds of the first clipped run, or null. */
  firstAt: number | null;
  /** Clipped samples in runs of at least CLIP_RUN. */
  samples: number;
}

/** Runs of full-scale samples (any channel layout works: pass the mono or interleaved samples). */
export function scanClipping(samples: Float32Array, sampleRate: number): ClipScan {
  let run = 0;
  let total = 0;
  let firstAt: number | null = null;
  const close = (i: number) => {
    if (run >= CLIP_RUN) {
      total += run;
      if (firstAt === null) firstAt = (i - run) / sampleRate;
    }
    run = 0;
  };
  for (let i = 0; i < samples.length; i++) {
    if (Math.abs(samples[i]) >= CLIP_LEVEL) run++;
    else if (run) close(i);
  }
  close(samples.length);
  return { firstAt, samples: total };
}

const round = (s: number) => Math.round(s * 100) / 100;

/** A frame this close (dB) to the take's loud frames counts as sound, not pause. */
export const SOUND_WITHIN_DB = 25;
/** A "pause" whose frames are sound for more than this fraction is speech the aligner left out (a repeat). */
export const SOUNDING_PAUSE_FRACTION = 0.3;

/** Loudness of 20 ms frames (dB), to tell a real pause from speech the aligner did not place. */
export interface FrameLevels {
  frameSeconds: number;
  db: Float32Array;
  /** The take's loud level: the 95th percentile of its frames (dB). */
  loudDb: number;
}

export function frameLevels(samples: Float32Array, sampleRate: number, frameSeconds = 0.02): FrameLevels {
  const n = Math.max(1, Math.round(sampleRate * frameSeconds));
  const frames = Math.floor(samples.length / n);
  const db = new Float32Array(frames);
  for (let f = 0; f < frames; f++) {
    let e = 0;
    for (let i = f * n; i < (f + 1) * n; i++) e += samples[i] * samples[i];
    db[f] = 10 * Math.log10(e / n + 1e-12);
  }
  const sorted = Float32Array.from(db).sort();
  const loudDb = sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.95))] : -120;
  return { frameSeconds, db, loudDb };
}

/** Seconds of sound (not pause) between `from` and `to`. */
function soundingSeconds(l: FrameLevels, from: number, to: number): number {
  let n = 0;
  const a = Math.max(0, Math.floor(from / l.frameSeconds));
  const b = Math.min(l.db.length, Math.ceil(to / l.frameSeconds));
  for (let f = a; f < b; f++) if (l.db[f] > l.loudDb - SOUND_WITHIN_DB) n++;
  return n * l.frameSeconds;
}

export interface QcInput {
  takeId: string;
  alignment: AlignResult;
  /** The take's length (seconds). */
  durationSeconds: number;
  clipping: ClipScan;
  /** Frame levels: a long "pause" that is mostly sound is reported as extra speech. */
  levels?: FrameLevels;
  /** The longest deliberate pause the line asks for (its [pause] tags), seconds. */
  deliberatePauseSeconds?: number;
}

/** QC of a take from its alignment and its clipping scan. */
export function takeQc(p: QcInput): TakeQc {
  const a = p.alignment;
  const issues: QcIssue[] = [];
  const missing = a.words.filter((w) => w.status === 'missing').map((w) => w.word);
  if (missing.length) issues.push({ kind: 'missing-words', words: missing });
  const unclear = weakClusters(a.words);
  // Aligned only without pruning: other words were said somewhere. The weak words say where (at least the weakest).
  if (a.unpruned) {
    const placed = a.words.map((w, i) => ({ w, i })).filter(({ w }) => w.status !== 'missing');
    const weak = placed.filter(({ w }) => w.score < WEAK_WORD_SCORE).map(({ i }) => i);
    const weakest = placed.reduce<{ i: number; s: number } | null>(
      (best, { w, i }) => (best && best.s <= w.score ? best : { i, s: w.score }),
      null,
    );
    for (const i of weak.length ? weak : weakest ? [weakest.i] : []) if (!unclear.includes(i)) unclear.push(i);
    unclear.sort((x, y) => x - y);
  }
  if (unclear.length) issues.push({ kind: 'unclear-words', words: unclear.map((i) => a.words[i].word) });
  const limit = LONG_SILENCE_SECONDS + Math.max(0, p.deliberatePauseSeconds ?? 0);
  const heard = a.words.filter((w) => w.start !== null && w.end !== null) as {
    start: number;
    end: number;
  }[];
  // Gaps between the placed words (and at either end) longer than a reader's pause: silence, or speech the aligner
  // left out (a phrase said again after the text ended goes there).
  const gaps: { at: number; seconds: number }[] = [];
  let prevEnd = 0;
  for (const w of heard) {
    if (w.start - prevEnd > limit) gaps.push({ at: prevEnd, seconds: w.start - prevEnd });
    prevEnd = Math.max(prevEnd, w.end);
  }
  if (heard.length && p.durationSeconds - prevEnd > limit)
    gaps.push({ at: prevEnd, seconds: p.durationSeconds - prevEnd });
  let soundingGaps = 0;
  const pauses: QcIssue[] = [];
  for (const g of gaps) {
    const sound = p.levels ? soundingSeconds(p.levels, g.at, g.at + g.seconds) : 0;
    if (sound > g.seconds * SOUNDING_PAUSE_FRACTION) soundingGaps += sound;
    else pauses.push({ kind: 'long-silence', at: round(g.at), seconds: round(g.seconds) });
  }

  const stretched = a.words
    .filter(
      (w) =>
        w.start !== null &&
        w.end !== null &&
        w.end - w.start > STRETCHED_WORD_SECONDS &&
        w.score < STRETCHED_WORD_SCORE,
    )
    .reduce((sum, w) => sum + (w.end! - w.start!), 0);
  const extra = a.unexpectedSpeechSeconds + stretched + soundingGaps;
  if (a.unexpectedSpeechSeconds > EXTRA_SPEECH_SECONDS || stretched > 0 || soundingGaps > 0)
    issues.push({ kind: 'extra-speech', seconds: round(extra) });
  issues.push(...pauses);

  if (p.clipping.samples > 0)
    issues.push({ kind: 'clipping', at: round(p.clipping.firstAt ?? 0), samples: p.clipping.samples });

  const flagged = issues.length > 0;
  return {
    takeId: p.takeId,
    status: flagged ? 'flagged' : 'ok',
    score: a.score,
    issues,
    summary: flagged ? summarize(issues) : 'Every word heard; no long pauses, no clipping.',
    words: a.words,
    aligner: a.aligner,
    reason: null,
  };
}

/** Indexes of the words in weak clusters (see WEAK_CLUSTER_MIN), in text order. Missing words are left out. */
export function weakClusters(words: readonly { score: number; status: string }[]): number[] {
  const weak = words.map((w) => w.status !== 'missing' && w.score < WEAK_WORD_SCORE);
  const out = new Set<number>();
  for (let i = 0; i < words.length; i++) {
    const hits: number[] = [];
    for (let k = i; k < Math.min(words.length, i + WEAK_CLUSTER_WINDOW); k++) if (weak[k]) hits.push(k);
    if (hits.length >= WEAK_CLUSTER_MIN) for (const k of hits) out.add(k);
  }
  return [...out].sort((x, y) => x - y);
}

/** QC that could not run: the take keeps an "unchecked" badge with the reason. */
export function uncheckedQc(takeId: string, reason: string): TakeQc {
  return {
    takeId,
    status: 'unchecked',
    score: null,
    issues: [],
    summary: `Not checked: ${reason}`,
    words: [],
    aligner: null,
    reason,
  };
}

const quote = (ws: string[]) =>
  ws
    .slice(0, 6)
    .map((w) => `"${w}"`)
    .join(', ') + (ws.length > 6 ? ` and ${ws.length - 6} more` : '');

/** One sentence per issue, in the order a listener would care about them. */
export function describeIssue(i: QcIssue): string {
  switch (i.kind) {
    case 'missing-words':
      return `Not heard: ${quote(i.words)}.`;
    case 'unclear-words':
      return `Missing or unclear around ${quote(i.words)}.`;
    case 'extra-speech':
      return `${i.seconds.toFixed(1)} s of speech that is not in the text (a repeat?).`;
    case 'long-silence':
      return `A ${i.seconds.toFixed(1)} s pause at ${i.at.toFixed(1)} s.`;
    case 'clipping':
      return `Clipping at ${i.at.toFixed(2)} s (${i.samples} samples at full scale).`;
    case 'voice-drift':
      return `Voice drift: sounds ${Math.round(i.similarity * 100)} % like the voice's samples (at least ${Math.round(i.threshold * 100)} % expected).`;
    case 'word-errors':
      return `Heard other words (${Math.round(i.wer * 100)} % word errors): ${describeWordErrors(i)}.`;
  }
}

/** "cat" heard as "hat", "dog" not heard, "very" added (at most 6, in text order within each kind). */
export function describeWordErrors(i: Extract<QcIssue, { kind: 'word-errors' }>): string {
  const parts = [
    ...i.substituted.map((s) => `"${s.expected}" heard as "${s.heard}"`),
    ...i.missing.map((w) => `"${w}" not heard`),
    ...i.extra.map((w) => `"${w}" added`),
  ];
  return parts.slice(0, 6).join(', ') + (parts.length > 6 ? ` and ${parts.length - 6} more` : '');
}

// ---------------------------------------------------------------------------------------------------------------
// Checks that need an installed pack: speaker similarity (speaker-embedding pack) and word error rate (ASR pack).
// ---------------------------------------------------------------------------------------------------------------

/**
 * A take whose speaker embedding is less similar than this (cosine, clamped to 0..1) to the mean embedding of its
 * voice's own samples is flagged as voice drift. PROVISIONAL, not measured: the speaker-embedding pack could not be
 * downloaded where this was built; it is the consent check's same-speaker threshold (SPEAKER_SAME_THRESHOLD, also
 * provisional). `tests/unit/speaker-real.test.ts` prints real same/different-speaker scores to set both.
 */
export const VOICE_DRIFT_THRESHOLD = 0.5;
/**
 * A take whose transcript differs from its text in more than this share of the words (word error rate) is flagged.
 * PROVISIONAL, not measured on the real model (no download where this was built): Parakeet TDT-CTC 110M reports
 * about 3–8 % WER on read English, so a correct take should stay well under 15 %, and one word skipped in a line of
 * up to 6 words, or two in 13, goes over it.
 */
export const MAX_TAKE_WER = 0.15;

export interface PackChecks {
  /** Cosine similarity (clamped to 0..1) of the take to its voice's samples. */
  similarity?: number;
  /** The recogniser's transcript, and the words the take should say (the spoken words of its text). */
  asr?: { transcript: string; reference: string };
}

/**
 * Adds what the installed packs found to the aligner's QC. With a transcript, the recogniser decides about the words:
 * the aligner's "missing" and "unclear" findings are replaced by the word error rate (the aligner stays the fallback
 * when no recogniser is installed), while pauses, extra speech and clipping still come from the alignment and the
 * samples. An unchecked QC stays unchecked.
 */
export function withPackChecks(qc: TakeQc, p: PackChecks): TakeQc {
  if (qc.status === 'unchecked') return qc;
  let issues = [...qc.issues];
  const out: TakeQc = { ...qc };
  if (p.asr) {
    const ref = werWords(p.asr.reference);
    const diff = wordDiff(ref, werWords(p.asr.transcript));
    out.wer = Math.round(diff.wer * 1000) / 1000;
    out.transcript = p.asr.transcript;
    issues = issues.filter((i) => i.kind !== 'missing-words' && i.kind !== 'unclear-words');
    if (diff.wer > MAX_TAKE_WER)
      issues.unshift({
        kind: 'word-errors',
        wer: out.wer,
        missing: diff.missing,
        extra: diff.extra,
        substituted: diff.substituted,
      });
  }
  if (p.similarity !== undefined) {
    const similarity = Math.round(Math.min(1, Math.max(0, p.similarity)) * 1000) / 1000;
    out.similarity = similarity;
    if (similarity < VOICE_DRIFT_THRESHOLD)
      issues.push({ kind: 'voice-drift', similarity, threshold: VOICE_DRIFT_THRESHOLD });
  }
  const flagged = issues.length > 0;
  return {
    ...out,
    issues,
    status: flagged ? 'flagged' : 'ok',
    summary: flagged ? summarize(issues) : okSummary(p),
  };
}

function okSummary(p: PackChecks): string {
  const parts = ['Every word heard; no long pauses, no clipping'];
  if (p.similarity !== undefined) parts.push('sounds like its voice');
  return `${parts.join('; ')}.`;
}

function summarize(issues: QcIssue[]): string {
  return issues.map(describeIssue).join(' ');
}
