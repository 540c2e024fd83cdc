/**
 * Speech understanding (issue #10): aligning a text to a recording and checking that the recording says it.
 * Schemas and this domain's slice of the method map; merged into `methods` by index.ts.
 */
import { z } from 'zod';
import { call } from './common.js';

/** One written word of the expected text, where it was heard and how well it matches. */
export const AlignedWord = z.object({
  /** The word as written in the text (punctuation trimmed). */
  word: z.string(),
  /** Seconds from the start of the audio; null when the word was not found at all. */
  start: z.number().nonnegative().nullable(),
  end: z.number().nonnegative().nullable(),
  /** 0..1: how well the audio matches this word against an unconstrained phone loop; 0.5 is the pass mark. */
  score: z.number().min(0).max(1),
  /** ok: heard; weak: aligned but the audio fits other sounds better; missing: not found in the audio. */
  status: z.enum(['ok', 'weak', 'missing']),
});
export type AlignedWord = z.infer<typeof AlignedWord>;

export const AlignedPhone = z.object({
  phone: z.string(),
  start: z.number().nonnegative(),
  end: z.number().nonnegative(),
  /** Index into `words`. */
  word: z.number().int().nonnegative(),
});
export type AlignedPhone = z.infer<typeof AlignedPhone>;

export const AlignResult = z.object({
  words: z.array(AlignedWord),
  phones: z.array(AlignedPhone).optional(),
  /** 0..1 over the whole text (the mean of the word scores, missing words counting 0). */
  score: z.number().min(0).max(1),
  /** match: the audio says the text; mismatch: words are missing or garbled, or other speech is present. */
  verdict: z.enum(['match', 'mismatch']),
  /** Seconds of speech outside the expected words (an added sentence, another statement's tail). */
  unexpectedSpeechSeconds: z.number().nonnegative(),
  /** Plain-English reasons for a mismatch (empty for a match). */
  reasons: z.array(z.string()),
  /** Which aligner produced this (e.g. "embedded aligner (SoundSwallower en-us)"). */
  aligner: z.string(),
  durationSeconds: z.number().nonnegative(),
  /**
   * True when the text could be aligned only without pruning: somewhere the audio is far from the text (other words
   * were said). The verdict is then a mismatch, and the words that differ are those scoring low.
   */
  unpruned: z.boolean().optional(),
});
export type AlignResult = z.infer<typeof AlignResult>;

/** Languages the embedded aligner has models for. */
export const AlignLanguage = z.enum(['en', 'fr']);
export type AlignLanguage = z.infer<typeof AlignLanguage>;

export const speechMethods = {
  /** Align a text to a staged recording and check that the recording says it (embedded aligner, offline). */
  'speech.align': call(
    z
      .object({
        stagingId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
        text: z.string().trim().min(1).max(5000),
        language: AlignLanguage.default('en'),
      })
      .strict(),
    AlignResult,
  ),
};

// ---------------------------------------------------------------------------------------------------------------
// Take QC: every take aligned to the text it was made from; what a listener would catch, found by ear.
// ---------------------------------------------------------------------------------------------------------------

/** One thing QC found in a take. Times are seconds from the start of the take. */
export const QcIssue = z.discriminatedUnion('kind', [
  /** Words of the text the take does not say. */
  z.object({ kind: z.literal('missing-words'), words: z.array(z.string()) }),
  /** Words aligned but sounding like something else (garbled, mispronounced). */
  z.object({ kind: z.literal('unclear-words'), words: z.array(z.string()) }),
  /** Speech that is not in the text: a repeated phrase, an added word, babble. */
  z.object({ kind: z.literal('extra-speech'), seconds: z.number().nonnegative() }),
  /** A pause inside the take much longer than a reader would make. */
  z.object({ kind: z.literal('long-silence'), at: z.number().nonnegative(), seconds: z.number().nonnegative() }),
  /** Samples at full scale: the take is distorted there. */
  z.object({ kind: z.literal('clipping'), at: z.number().nonnegative(), samples: z.number().int().positive() }),
  /** The take sounds unlike its voice's own samples (speaker-embedding pack): cosine similarity under the threshold. */
  z.object({
    kind: z.literal('voice-drift'),
    similarity: z.number().min(0).max(1),
    threshold: z.number().min(0).max(1),
  }),
  /** A speech-recognition pack heard other words than the text: the word error rate and the words that differ. */
  z.object({
    kind: z.literal('word-errors'),
    wer: z.number().nonnegative(),
    /** Words of the text not heard. */
    missing: z.array(z.string()),
    /** Words heard that are not in the text. */
    extra: z.array(z.string()),
    substituted: z.array(z.object({ expected: z.string(), heard: z.string() })),
  }),
]);
export type QcIssue = z.infer<typeof QcIssue>;

export const TakeQc = z.object({
  takeId: z.string(),
  /** ok: nothing found; flagged: see issues; unchecked: QC could not run (see reason). */
  status: z.enum(['ok', 'flagged', 'unchecked']),
  /** 0..1: the aligner's overall score (null when unchecked). */
  score: z.number().min(0).max(1).nullable(),
  issues: z.array(QcIssue),
  /** One plain sentence for the badge's tooltip. */
  summary: z.string(),
  /** The take's written words with their times (used for word-timed subtitles); empty when unchecked. */
  words: z.array(AlignedWord),
  aligner: z.string().nullable(),
  /** Why QC could not run (unchecked only), e.g. a language the aligner has no model for. */
  reason: z.string().nullable(),
  /** Speaker similarity (0..1) of the take to its voice's samples; absent when not measured (no pack, no samples). */
  similarity: z.number().min(0).max(1).optional(),
  /** Word error rate of the speech-recognition pack's transcript against the text; absent when no pack ran. */
  wer: z.number().nonnegative().optional(),
  /** What the speech-recognition pack heard (absent when none ran). */
  transcript: z.string().optional(),
});
export type TakeQc = z.infer<typeof TakeQc>;

export const LineQc = z.object({
  lineId: z.string(),
  /** 1-based line number in the script. */
  number: z.number().int().positive(),
  speaker: z.string().nullable(),
  text: z.string(),
  qc: TakeQc,
});
export type LineQc = z.infer<typeof LineQc>;

export const ProjectQc = z.object({
  projectId: z.string(),
  /** Lines with an active take, flagged first (then unchecked, then ok), each in script order. */
  lines: z.array(LineQc),
  flagged: z.number().int().nonnegative(),
  unchecked: z.number().int().nonnegative(),
  ok: z.number().int().nonnegative(),
  /** Lines with no active take (nothing to check). */
  withoutTake: z.number().int().nonnegative(),
});
export type ProjectQc = z.infer<typeof ProjectQc>;

const QcId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);

export const qcMethods = {
  /** QC of one take: stored after the take was made, computed now if it has none yet. */
  'takes.qc': call(z.object({ takeId: QcId }).strict(), TakeQc),
  /** QC of every active take of a project (checks the takes that have none yet), flagged lines first. */
  'projects.qc': call(z.object({ projectId: QcId }).strict(), ProjectQc),
};
