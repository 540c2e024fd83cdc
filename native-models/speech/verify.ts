/**
 * Verification with a contrast. A forced alignment always finds *some* place for every word, so its own score says
 * little. Each word is scored by goodness of pronunciation (GOP): the acoustic log-likelihood of its frames under
 * the expected phones minus their log-likelihood under a free phone loop (any phone may follow any phone), per
 * 10 ms frame. Speech that matches the text scores near 0 (the expected phones are about as good as the best
 * unconstrained phones); a word that was not said scores well below.
 *
 * The thresholds are measured (docs/speech.md: real speech from ../shared/eval, right vs. other statements,
 * partial readings, noise) and live here in one place.
 */

/** A word passes when its GOP (≈ nats per frame) is at least this. */
export const WORD_GOP_THRESHOLD = -2.5;
/** Scale of the 0..1 word score: score = logistic((gop - threshold) / scale), so the pass mark is 0.5. */
export const WORD_SCORE_SCALE = 1;
/** The text matches only when at most this fraction of its words are weak or missing... */
export const MAX_FAILED_WORD_FRACTION = 0.2;
/** ...and the mean GOP over all the words' frames is at least this. */
export const OVERALL_GOP_THRESHOLD = -1.2;
/** Silence-or-noise stretches whose audio fits phones this much better than silence count as unexpected speech. */
export const UNEXPECTED_SPEECH_GOP = -3.5;
/** A silence stretch with GOP under this (but above UNEXPECTED_SPEECH_GOP) counts the frames where the phone loop
 * hears phones, when there are at least MIN_SPEECH_IN_SILENCE_FRAMES of them (10 ms frames). */
export const SPEECH_IN_SILENCE_GOP = -2.0;
export const MIN_SPEECH_IN_SILENCE_FRAMES = 50;
/** A spoken word longer than max(MIN_STRETCH_FRAMES, STRETCH_FRAMES_PER_PHONE x its phones) frames is stretched
 * over other speech: 1.2 s, or 0.35 s a phone (slow, careful reading is about 0.1–0.2 s a phone). */
export const MIN_STRETCH_FRAMES = 120;
export const STRETCH_FRAMES_PER_PHONE = 35;
/** More unexpected speech than this (seconds) is a mismatch (someone read more, or something else). */
export const MAX_UNEXPECTED_SPEECH_SECONDS = 1.0;

/**
 * A consent statement's verification word counts as heard when it was placed and scores at least this (the pass mark
 * for other words is 0.5). The words exist against replayed recordings, where they are missing or score near 0;
 * correct readings put single words just under 0.5 now and then ("feather" at 0.45 in an eSpeak reading), which
 * rejected correct readings at random.
 */
export const VERIFICATION_WORD_MIN_SCORE = 0.3;

/**
 * Only for texts aligned without pruning (`unpruned`): a word scoring under CLEAR_DIFFERENCE_SCORE is clearly other
 * speech, and its neighbours count as weak unless they score at least NEXT_TO_DIFFERENCE_OK_SCORE (soundswallower.ts,
 * `markAroundDifferences`). Set from the consent test reading "John Smith" for "Maria Lopez" ("Maria" 0.52, "Lopez" 0).
 */
export const CLEAR_DIFFERENCE_SCORE = 0.1;
export const NEXT_TO_DIFFERENCE_OK_SCORE = 0.6;

export const wordScore = (gop: number) => 1 / (1 + Math.exp(-(gop - WORD_GOP_THRESHOLD) / WORD_SCORE_SCALE));

export interface Verdict {
  verdict: 'match' | 'mismatch';
  reasons: string[];
}

export function decide(p: {
  words: { word: string; status: 'ok' | 'weak' | 'missing' }[];
  meanGop: number;
  unexpectedSpeechSeconds: number;
  /**
   * The text could be aligned to the audio only without pruning: the decoder's ordinary (and wide) beams lost every
   * path, because somewhere the audio is far from the text (other words read). A mismatch, whatever the scores.
   */
  unpruned?: boolean;
}): Verdict {
  const reasons: string[] = [];
  const missing = p.words.filter((w) => w.status === 'missing');
  const weak = p.words.filter((w) => w.status === 'weak');
  const failed = missing.length + weak.length;
  const list = (ws: { word: string }[]) =>
    ws
      .slice(0, 8)
      .map((w) => `"${w.word}"`)
      .join(', ') + (ws.length > 8 ? ` and ${ws.length - 8} more` : '');
  if (p.words.length === 0) reasons.push('There are no words to check.');
  if (missing.length) reasons.push(`Not heard: ${list(missing)}.`);
  if (failed / Math.max(1, p.words.length) > MAX_FAILED_WORD_FRACTION) {
    if (weak.length) reasons.push(`Unclear or different: ${list(weak)}.`);
  }
  if (p.unpruned && !reasons.length)
    reasons.push(
      weak.length
        ? `Parts of the recording do not fit the text: ${list(weak)}.`
        : 'Parts of the recording do not fit the text.',
    );
  if (p.meanGop < OVERALL_GOP_THRESHOLD && !reasons.length)
    reasons.push('The recording as a whole does not sound like this text.');
  if (p.unexpectedSpeechSeconds > MAX_UNEXPECTED_SPEECH_SECONDS)
    reasons.push(`${p.unexpectedSpeechSeconds.toFixed(1)} s of speech that is not in the text.`);
  const mismatch =
    p.words.length === 0 ||
    missing.length > 0 ||
    failed / p.words.length > MAX_FAILED_WORD_FRACTION ||
    p.meanGop < OVERALL_GOP_THRESHOLD ||
    p.unpruned === true ||
    p.unexpectedSpeechSeconds > MAX_UNEXPECTED_SPEECH_SECONDS;
  return { verdict: mismatch ? 'mismatch' : 'match', reasons: mismatch ? reasons : [] };
}
