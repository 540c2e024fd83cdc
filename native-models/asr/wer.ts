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

export interface WordDiff {
  /** Word edits / reference words. */
  wer: number;
  /** Reference words not in the hypothesis. */
  missing: string[];
  /** Hypothesis words not in the reference. */
  extra: string[];
  substituted: { expected: string; heard: string }[];
}

/**
 * The word-level differences behind the word error rate: one minimal edit script (O(n·m) time and memory; callers
 * bound the lengths: take QC checks lines of at most MAX_ALIGN_WORDS words).
 */
export function wordDiff(ref: readonly string[], hyp: readonly string[]): WordDiff {
  const n = ref.length;
  const m = hyp.length;
  const d = Array.from({ length: n + 1 }, (_, i) => {
    const row = new Uint32Array(m + 1);
    row[0] = i;
    return row;
  });
  for (let j = 0; j <= m; j++) d[0][j] = j;
  for (let i = 1; i <= n; i++)
    for (let j = 1; j <= m; j++)
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (ref[i - 1] === hyp[j - 1] ? 0 : 1));
  const out: WordDiff = { wer: n ? d[n][m] / n : m ? 1 : 0, missing: [], extra: [], substituted: [] };
  // Walking back, among equally short scripts prefer a match, then an added or a dropped word, then a substitution:
  // "the cat sat on the mat" heard as "the hat sat on mat today" is cat → hat, "the" dropped, "today" added.
  for (let i = n, j = m; i > 0 || j > 0;) {
    if (i > 0 && j > 0 && ref[i - 1] === hyp[j - 1] && d[i][j] === d[i - 1][j - 1]) {
      i--;
      j--;
    } else if (j > 0 && d[i][j] === d[i][j - 1] + 1) out.extra.unshift(hyp[--j]);
    else if (i > 0 && d[i][j] === d[i - 1][j] + 1) out.missing.unshift(ref[--i]);
    else {
      out.substituted.unshift({ expected: ref[i - 1], heard: hyp[j - 1] });
      i--;
      j--;
    }
  }
  return out;
}
