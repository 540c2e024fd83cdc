/**
 * Text normalisation per bundle language. English keeps `normalizeEnglish` (numbers, dates, units… into English
 * words, see normalize.ts). The other exports are used the way their own runtime feeds them (the export's
 * `pocket_tts_onnx.py` and upstream `prepare_text_prompt` apply no language rules): Unicode NFC, control characters
 * removed, runs of spaces collapsed, paragraph breaks kept; the bundle's own `bundle.json` flags
 * (`remove_semicolons`, `pad_with_spaces_for_short_inputs`) and its own `tokenizer.model` do the rest (text.ts).
 * Digits stay digits: expanding them into words is language work none of these exports defines.
 */
import { normalizeEnglish } from './normalize.js';

/** The primary subtag of a BCP-47 tag, lower-cased (`fr-CA` → `fr`). */
export function primaryLanguage(tag: string): string {
  return tag.split(/[-_]/)[0].toLowerCase();
}

export function normalizeGeneric(text: string): string {
  return (
    text
      .normalize('NFC')
      // C0/C1 controls except tab and newline.
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '')
      .replace(/[ \t\u00a0]+/g, ' ')
      .replace(/ *\n */g, '\n')
      .trim()
  );
}

export function normalizeForLanguage(text: string, language: string): string {
  return primaryLanguage(language) === 'en' ? normalizeEnglish(text) : normalizeGeneric(text);
}
