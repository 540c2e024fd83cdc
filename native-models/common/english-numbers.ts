/**
 * English number words, shared by Pocket TTS's text normaliser (what the model reads), the aligner's normaliser
 * (what a reader is expected to say) and the consent statement's date. Compounds are hyphenated as written English
 * has them ("forty-two", "twenty-first"); callers that want one token per spoken word split on spaces and hyphens.
 */

export const ONES = [
  'zero',
  'one',
  'two',
  'three',
  'four',
  'five',
  'six',
  'seven',
  'eight',
  'nine',
  'ten',
  'eleven',
  'twelve',
  'thirteen',
  'fourteen',
  'fifteen',
  'sixteen',
  'seventeen',
  'eighteen',
  'nineteen',
] as const;
export const TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'] as const;
export const MONTH_NAMES = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
] as const;

const SCALES: [bigint, string][] = [
  [10n ** 18n, 'quintillion'],
  [10n ** 15n, 'quadrillion'],
  [10n ** 12n, 'trillion'],
  [10n ** 9n, 'billion'],
  [10n ** 6n, 'million'],
  [1000n, 'thousand'],
];
const ORDINAL_IRREGULAR: Record<string, string> = {
  one: 'first',
  two: 'second',
  three: 'third',
  five: 'fifth',
  eight: 'eighth',
  nine: 'ninth',
  twelve: 'twelfth',
};

function below1000(n: number): string {
  const parts: string[] = [];
  if (n >= 100) {
    parts.push(`${ONES[Math.floor(n / 100)]} hundred`);
    n %= 100;
  }
  if (n >= 20) parts.push(TENS[Math.floor(n / 10)] + (n % 10 ? `-${ONES[n % 10]}` : ''));
  else if (n > 0 || !parts.length) parts.push(ONES[n]);
  return parts.join(' ');
}

/** Cardinal words for an integer (bigint-safe), e.g. 1234 → "one thousand two hundred thirty-four". */
export function cardinal(value: number | bigint | string): string {
  let n = BigInt(value);
  if (n < 0n) return `minus ${cardinal(-n)}`;
  if (n < 1000n) return below1000(Number(n));
  const parts: string[] = [];
  for (const [scale, name] of SCALES) {
    if (n >= scale) {
      parts.push(`${cardinal(n / scale)} ${name}`);
      n %= scale;
    }
  }
  if (n > 0n) parts.push(below1000(Number(n)));
  return parts.join(' ');
}

/** Ordinal words, e.g. 21 → "twenty-first", 100 → "one hundredth". */
export function ordinal(value: number | bigint | string): string {
  const [, head, last] = /^(.*?)([a-z]+)$/.exec(cardinal(value))!;
  if (ORDINAL_IRREGULAR[last]) return head + ORDINAL_IRREGULAR[last];
  if (last.endsWith('y')) return `${head}${last.slice(0, -1)}ieth`;
  return `${head}${last}th`;
}

/** How a year is said: 1999 → "nineteen ninety-nine", 2005 → "two thousand five", 1900 → "nineteen hundred". */
export function year(y: number): string {
  if (y < 1000 || y > 9999) return cardinal(y);
  const hi = Math.floor(y / 100);
  const lo = y % 100;
  if (y % 1000 < 10 && hi % 10 === 0) return cardinal(y); // 2000–2009, 1000–1009
  if (lo === 0) return `${cardinal(hi)} hundred`;
  return `${cardinal(hi)} ${lo < 10 ? `oh ${ONES[lo]}` : cardinal(lo)}`;
}

/** Words as separate tokens: "twenty-first" → ["twenty", "first"]. */
export function splitWords(words: string): string[] {
  return words.split(/[ -]+/);
}
