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
 *   the line asks for with a tag;
 * - clipping: runs of at least CLIP_RUN samples at full scale.
 *
 * Pure and process-neutral: the caller decodes the take and runs the aligner.
 */
import type { AlignResult, QcIssue, TakeQc } from '../../preload/contract/speech.js';
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

export interface QcInput {
  takeId: string;
  alignment: AlignResult;
  /** The take's length (seconds). */
  durationSeconds: number;
  clipping: ClipScan;
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
  if (unclear.length) issues.push({ kind: 'unclear-words', words: unclear.map((i) => a.words[i].word) });
  const stretched = a.words
    .filter(
      (w) =>
        w.start !== null &&
        w.end !== null &&
        w.end - w.start > STRETCHED_WORD_SECONDS &&
        w.score < STRETCHED_WORD_SCORE,
    )
    .reduce((sum, w) => sum + (w.end! - w.start!), 0);
  const extra = a.unexpectedSpeechSeconds + stretched;
  if (a.unexpectedSpeechSeconds > EXTRA_SPEECH_SECONDS || stretched > 0)
    issues.push({ kind: 'extra-speech', seconds: round(extra) });

  const limit = LONG_SILENCE_SECONDS + Math.max(0, p.deliberatePauseSeconds ?? 0);
  const heard = a.words.filter((w) => w.start !== null && w.end !== null) as {
    start: number;
    end: number;
  }[];
  let prevEnd = 0;
  for (const w of heard) {
    if (w.start - prevEnd > limit)
      issues.push({ kind: 'long-silence', at: round(prevEnd), seconds: round(w.start - prevEnd) });
    prevEnd = Math.max(prevEnd, w.end);
  }
  if (heard.length && p.durationSeconds - prevEnd > limit)
    issues.push({ kind: 'long-silence', at: round(prevEnd), seconds: round(p.durationSeconds - prevEnd) });

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
  }
}

function summarize(issues: QcIssue[]): string {
  return issues.map(describeIssue).join(' ');
}
