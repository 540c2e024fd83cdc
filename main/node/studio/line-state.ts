/**
 * What a line is made of and whether its active take still matches it.
 *
 * A take records what it was made from: the line text, the resolved voice id, the knobs (without a random seed)
 * and the spoken text (tags removed, dictionary applied). A line is stale when any of these differ from what
 * generating it now would use.
 */
import type {
  DictionaryEntry,
  ParsedLineSummary,
  StaleReason,
  SynthesisOptions,
} from '../../../preload/contract/index.js';
import { ApiError } from '../../../native-models/common/errors.js';
import { compileDictionary, DictionaryError, type CompiledDictionary } from '../../common/script/pronunciation.js';
import { parseInlineTags, type ParsedLine, type Segment } from '../../common/script/tags.js';
import { joinText } from '../../common/script/text.js';

export const DEFAULT_VOICE = 'espeak:en-us';
export const DEFAULT_GAP_MS = 400;

export interface VoiceContext {
  lineVoice: string | null;
  speaker: string | null;
  speakers: ReadonlyMap<string, string | null>;
  projectVoice: string | null;
  defaultVoice: string | null;
}

/** Line voice, else the speaker's voice, else the project's, else the app default, else eSpeak. */
export function resolveVoice(c: VoiceContext): string {
  const speakerVoice = c.speaker ? (c.speakers.get(c.speaker.toLocaleLowerCase()) ?? null) : null;
  return c.lineVoice ?? speakerVoice ?? c.projectVoice ?? c.defaultVoice ?? DEFAULT_VOICE;
}

/** Knobs that decide the sound: the project's overlaid with the line's (a seed only when one is set). */
export const mergeOptions = (project: SynthesisOptions, line: SynthesisOptions): SynthesisOptions => ({
  ...project,
  ...line,
});

/** Compile the project's dictionary; a problem becomes INVALID_INPUT naming the entries. */
export function compileProjectDictionary(entries: readonly DictionaryEntry[]): CompiledDictionary {
  try {
    return compileDictionary(entries);
  } catch (err) {
    if (err instanceof DictionaryError)
      throw new ApiError('INVALID_INPUT', `The pronunciation dictionary cannot be used: ${err.message}`, {
        issues: err.issues,
      });
    throw err;
  }
}

/** A compiled dictionary that never fails (a stored dictionary that became invalid is treated as empty). */
export function safeDictionary(entries: readonly DictionaryEntry[]): CompiledDictionary {
  try {
    return compileDictionary(entries);
  } catch {
    return { size: 0, apply: (text: string) => ({ text, fired: [] }) };
  }
}

/** The line's segments with the dictionary applied to each text segment. */
export function spokenSegments(parsed: ParsedLine, dict: CompiledDictionary): Segment[] {
  return parsed.segments.map((s) => ('text' in s ? { text: dict.apply(s.text).text } : s));
}

export function spokenTextOf(segments: readonly Segment[]): string {
  let out = '';
  for (const s of segments) if ('text' in s) out = joinText(out, s.text);
  return out;
}

export function summarize(parsed: ParsedLine, raw: string): ParsedLineSummary {
  return {
    empty: raw.trim() === '',
    tagsOnly: raw.trim() !== '' && parsed.tagsOnly,
    pauseSeconds: parsed.totalPause,
    speed: parsed.settings.speed ?? null,
    gainDb: parsed.settings.gainDb ?? null,
    errors: parsed.errors.map((e) => ({ code: e.code, message: e.message, offset: e.offset, length: e.length })),
  };
}

/** What a take records about its making (stored as JSON in takes.made_from). */
export interface MadeFrom {
  voiceId: string;
  options: SynthesisOptions;
}

const KNOB_KEYS = ['speed', 'temperature', 'flowSteps', 'eosThreshold', 'seed'] as const;

/** Stale reasons of a line against its active take (empty: up to date). */
export function staleReasons(
  now: { text: string; voiceId: string; options: SynthesisOptions; spokenText: string },
  take: { text: string; voiceId: string; spokenText: string | null; madeFrom: MadeFrom | null },
): StaleReason[] {
  const out: StaleReason[] = [];
  if (take.text !== now.text) out.push('text');
  if (take.voiceId !== now.voiceId) out.push('voice');
  if (take.madeFrom) {
    const a = take.madeFrom.options;
    if (KNOB_KEYS.some((k) => a[k] !== now.options[k])) out.push('options');
  }
  if (take.text === now.text && take.spokenText !== null && take.spokenText !== now.spokenText) out.push('dictionary');
  return out;
}

export { parseInlineTags };
