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
