/**
 * Word error rate for checking transcripts (tests, the bench, WER-based QC later): both texts lower-cased, with
 * punctuation removed (apostrophes inside words kept) and a few spoken forms unified ("mr" / "mister", "mrs" /
 * "missus", "&" / "and"); WER = word-level edit distance / reference words.
 */

const SPOKEN: Record<string, string> = { mr: 'mister', mrs: 'missus', dr: 'doctor', st: 'saint', '&': 'and' };

export function werWords(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[\u2018\u2019]/g, "'")
    .replace(/[^\p{L}\p{N}'&\s-]/gu, ' ')
    .replace(/-/g, ' ')
    .split(/\s+/)
    .map((w) => w.replace(/^'+|'+$/g, ''))
    .filter(Boolean)
    .map((w) => SPOKEN[w] ?? w);
}

/** Edit distance (substitutions, insertions, deletions) between word lists, O(n·m) time, O(m) memory. */
export function wordEdits(ref: readonly string[], hyp: readonly string[]): number {
  let prev = Array.from({ length: hyp.length + 1 }, (_, j) => j);
  for (let i = 1; i <= ref.length; i++) {
    const cur = [i];
    for (let j = 1; j <= hyp.length; j++)
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ref[i - 1] === hyp[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[hyp.length];
}

export function wordErrorRate(reference: string, hypothesis: string): number {
  const ref = werWords(reference);
  if (ref.length === 0) throw new RangeError('the reference has no words');
  return wordEdits(ref, werWords(hypothesis)) / ref.length;
}
