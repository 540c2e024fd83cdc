/**
 * Character classes shared by the script modules (splitter, tags, pronunciation, subtitles). Process-neutral.
 */

/** Scripts written without spaces between words or sentences (Chinese, Japanese) plus CJK punctuation. */
export const NO_SPACE_CHAR =
  /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\u3000-\u303f\u30fc\uff00-\uff60\uff61-\uff9f]/u;

/** Characters matched as substrings by the pronunciation dictionary (no word boundaries): CJK incl. Hangul. */
export const SUBSTRING_CHAR = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\u30fc]/u;

/** Something a voice can say: a letter or a digit in any script. */
export const SPEAKABLE = /[\p{L}\p{N}]/u;

export const isNoSpace = (ch: string | undefined): boolean => ch !== undefined && NO_SPACE_CHAR.test(ch);

/** Join two pieces of running text: no space between two CJK sides, one space otherwise. */
export function joinText(a: string, b: string): string {
  if (a === '') return b;
  if (b === '') return a;
  return isNoSpace(a[a.length - 1]) && isNoSpace(b[0]) ? a + b : `${a} ${b}`;
}

/** Display width: East Asian wide and full-width characters count 2 columns, everything else 1. */
export function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) w += WIDE.test(ch) ? 2 : 1;
  return w;
}
const WIDE =
  /[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u{20000}-\u{3fffd}]/u;

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * The grapheme boundary nearest to `at` (a UTF-16 offset, as a text field's caret gives), so that a cut never falls
 * inside a user-perceived character: a surrogate pair, an emoji ZWJ sequence, a flag, a letter with its combining
 * marks. A tie goes to the earlier boundary. Clamped to [0, text.length].
 */
export function nearestGraphemeBoundary(text: string, at: number): number {
  if (at <= 0) return 0;
  if (at >= text.length) return text.length;
  const seg = graphemes.segment(text).containing(at);
  if (!seg || seg.index === at) return at;
  const end = seg.index + seg.segment.length;
  return at - seg.index <= end - at ? seg.index : end;
}
