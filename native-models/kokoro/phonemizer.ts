/**
 * Kokoro's phonemizer: the embedded eSpeak NG (native-models/espeak/phonemize.ts, GPL, run at arm's length) in IPA
 * with stress marks and clause punctuation, one string per sentence. The mapping to the model's symbols is
 * phonemes.ts.
 */
import { phonemize } from '../espeak/phonemize.js';
import type { KokoroPhonemizer } from './engine.js';

export const espeakPhonemizer: KokoroPhonemizer = (text, language, signal) =>
  phonemize(text, { language, alphabet: 'ipa', stress: true, punctuation: true, signal });
