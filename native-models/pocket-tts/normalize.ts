/**
 * English text normalisation for Pocket TTS: the model reads words, not digits or symbols (its tokenizer splits
 * numbers digit by digit and upstream does no expansion). Expands, in this order: dates, times, currencies,
 * percentages, ordinals, fractions, years, numbers (integers with grouping commas, decimals, negatives, ranges),
 * common abbreviations and symbols. Heuristic, deterministic, English only.
 */

import { cardinal, MONTH_NAMES as MONTHS, ONES, ordinal, TENS, year } from '../common/english-numbers.js';

/** Digits after a decimal point, one by one: "14" → "one four". */
function digits(s: string): string {
  return [...s].map((d) => ONES[Number(d)]).join(' ');
}

/** "3.14" → "three point one four"; "1,000" → "one thousand". */
export function numberWords(raw: string): string {
  const s = raw.replace(/,/g, '');
  const neg = s.startsWith('-');
  const body = neg ? s.slice(1) : s;
  const [int, frac] = body.split('.');
  let words = cardinal(int || '0');
  if (frac !== undefined && frac.length) words += ` point ${digits(frac)}`;
  return neg ? `minus ${words}` : words;
}

interface Currency {
  one: string;
  many: string;
  centOne: string;
  centMany: string;
}
const CURRENCIES: Record<string, Currency> = {
  $: { one: 'dollar', many: 'dollars', centOne: 'cent', centMany: 'cents' },
  '£': { one: 'pound', many: 'pounds', centOne: 'penny', centMany: 'pence' },
  '€': { one: 'euro', many: 'euros', centOne: 'cent', centMany: 'cents' },
  '¥': { one: 'yen', many: 'yen', centOne: 'sen', centMany: 'sen' },
  '₹': { one: 'rupee', many: 'rupees', centOne: 'paisa', centMany: 'paise' },
};
const CURRENCY_CODES: Record<string, string> = { USD: '$', EUR: '€', GBP: '£', JPY: '¥', INR: '₹' };

function money(sym: string, amount: string, scale?: string): string {
  const c = CURRENCIES[sym];
  const clean = amount.replace(/,/g, '');
  if (scale) return `${numberWords(clean)} ${scale.toLowerCase()} ${c.many}`;
  const [int, frac = ''] = clean.split('.');
  const whole = BigInt(int || '0');
  const cents = frac ? Number((frac + '0').slice(0, 2)) : 0;
  const parts: string[] = [];
  if (whole > 0n || cents === 0) parts.push(`${cardinal(whole)} ${whole === 1n ? c.one : c.many}`);
  if (cents > 0) parts.push(`${cardinal(cents)} ${cents === 1 ? c.centOne : c.centMany}`);
  return parts.join(' and ');
}

function dayMonthYear(month: number, day: number, yr?: number): string {
  const m = MONTHS[month - 1];
  return `${m} ${ordinal(day)}${yr !== undefined ? `, ${year(yr)}` : ''}`;
}

function clock(h: number, min: number, suffix?: string): string {
  const mins = min === 0 ? (suffix ? '' : " o'clock") : min < 10 ? ` oh ${ONES[min]}` : ` ${cardinal(min)}`;
  const sfx = suffix ? ` ${suffix.replace(/\./g, '').toUpperCase().split('').join(' ')}` : '';
  return `${cardinal(h)}${mins}${sfx}`;
}

const FRACTIONS: Record<string, string> = {
  '1/2': 'one half',
  '1/3': 'one third',
  '2/3': 'two thirds',
  '1/4': 'one quarter',
  '3/4': 'three quarters',
  '½': 'one half',
  '¼': 'one quarter',
  '¾': 'three quarters',
};

/** Abbreviations that end in a period; matched case-sensitively at word starts. */
const ABBREVIATIONS: [RegExp, string][] = [
  [/\bMrs\./g, 'Missus'],
  [/\bMr\./g, 'Mister'],
  [/\bMs\./g, 'Miz'],
  [/\bDr\.(?=\s+[A-Z])/g, 'Doctor'],
  [/\bDr\./g, 'Drive'],
  [/\bProf\./g, 'Professor'],
  [/\bSt\.(?=\s+[A-Z])/g, 'Saint'],
  [/\bSt\./g, 'Street'],
  [/\bAve\./g, 'Avenue'],
  [/\bMt\./g, 'Mount'],
  [/\bJr\./g, 'Junior'],
  [/\bSr\./g, 'Senior'],
  [/\bvs\.?(?=\s)/g, 'versus'],
  [/\betc\./g, 'et cetera.'],
  [/\be\.g\./gi, 'for example'],
  [/\bi\.e\./gi, 'that is'],
  [/\bapprox\./gi, 'approximately'],
  [/\bNo\.(?=\s*\d)/g, 'number'],
  [/\bno\.(?=\s*\d)/g, 'number'],
  [/\bDept\./g, 'Department'],
  [/\bInc\./g, 'Incorporated'],
  [/\bLtd\./g, 'Limited'],
  [/\bCo\.(?=\s)/g, 'Company'],
];

const UNITS: Record<string, [string, string]> = {
  km: ['kilometer', 'kilometers'],
  kg: ['kilogram', 'kilograms'],
  cm: ['centimeter', 'centimeters'],
  mm: ['millimeter', 'millimeters'],
  mi: ['mile', 'miles'],
  lb: ['pound', 'pounds'],
  lbs: ['pound', 'pounds'],
  mph: ['mile per hour', 'miles per hour'],
  'km/h': ['kilometer per hour', 'kilometers per hour'],
  kHz: ['kilohertz', 'kilohertz'],
  Hz: ['hertz', 'hertz'],
  GB: ['gigabyte', 'gigabytes'],
  MB: ['megabyte', 'megabytes'],
  KB: ['kilobyte', 'kilobytes'],
  TB: ['terabyte', 'terabytes'],
  ms: ['millisecond', 'milliseconds'],
  min: ['minute', 'minutes'],
  sec: ['second', 'seconds'],
};

const NUM = String.raw`\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?`;

/** Expands numbers, dates, currencies, abbreviations and symbols into English words. */
export function normalizeEnglish(input: string): string {
  let t = input.normalize('NFC');
  // Typographic quotes and dashes the tokenizer knows less well.
  t = t
    .replace(/[\u2018\u2019\u02bc]/g, "'")
    .replace(/[\u201c\u201d]/g, '"')
    .replace(/\u2026/g, '...')
    .replace(/[\u00a0\u2009\u202f]/g, ' ');
  for (const [re, word] of ABBREVIATIONS) t = t.replace(re, word);

  // ISO dates 2024-03-15.
  t = t.replace(/\b(\d{4})-(\d{2})-(\d{2})\b/g, (m, y: string, mo: string, d: string) =>
    +mo >= 1 && +mo <= 12 && +d >= 1 && +d <= 31 ? dayMonthYear(+mo, +d, +y) : m,
  );
  // Slash dates: M/D/YYYY (US) unless the first number cannot be a month, then D/M/YYYY.
  t = t.replace(/\b(\d{1,2})\/(\d{1,2})\/(\d{4})\b/g, (m, a: string, b: string, y: string) => {
    const [mo, d] = +a > 12 ? [+b, +a] : [+a, +b];
    return mo >= 1 && mo <= 12 && d >= 1 && d <= 31 ? dayMonthYear(mo, d, +y) : m;
  });
  const monthRe = MONTHS.join('|') + '|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec';
  const monthIndex = (name: string) => MONTHS.findIndex((m) => m.startsWith(name.slice(0, 3))) + 1;
  // "March 15, 2024", "March 15th", "Mar. 15".
  t = t.replace(
    new RegExp(String.raw`\b(${monthRe})\.?\s+(\d{1,2})(?:st|nd|rd|th)?\b(?:,?\s+(\d{4})\b)?`, 'g'),
    (_m, mo: string, d: string, y?: string) => dayMonthYear(monthIndex(mo), +d, y ? +y : undefined),
  );
  // "15 March 2024", "15th of March".
  t = t.replace(
    new RegExp(String.raw`\b(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?(${monthRe})\b\.?(?:,?\s+(\d{4})\b)?`, 'g'),
    (_m, d: string, mo: string, y?: string) =>
      `the ${ordinal(+d)} of ${MONTHS[monthIndex(mo) - 1]}${y ? `, ${year(+y)}` : ''}`,
  );

  // Times: 3:30, 10:05 pm, 7 a.m.
  t = t.replace(/\b(\d{1,2}):(\d{2})(?:\s*([ap]\.?m\.?)(?![a-z]))?/gi, (m, h: string, mi: string, s?: string) =>
    +h < 24 && +mi < 60 ? clock(+h, +mi, s) : m,
  );
  t = t.replace(/\b(\d{1,2})\s*([ap]\.m\.|[ap]m\b)/gi, (m, h: string, s: string) => (+h <= 12 ? clock(+h, 0, s) : m));
  // "a.m." ending a sentence also ended it: keep that period.
  t = t.replace(/([AP] M)(?=\s+[A-Z]|\s*$)/g, '$1.');

  // Currencies: $5, $1.50, $2.5 million, 5 USD, US$ 3.
  t = t.replace(
    new RegExp(
      String.raw`(-)?(?:US)?([$£€¥₹])\s?(${NUM})(?:\s?(thousand|million|billion|trillion|[kKmMbB](?![a-zA-Z])))?`,
      'g',
    ),
    (_m, neg: string | undefined, sym: string, amount: string, scale?: string) => {
      const scaleWord = scale
        ? ({ k: 'thousand', m: 'million', b: 'billion' }[scale.toLowerCase()] ?? scale)
        : undefined;
      return (neg ? 'minus ' : '') + money(sym, amount, scaleWord);
    },
  );
  t = t.replace(new RegExp(String.raw`(${NUM})\s?(USD|EUR|GBP|JPY|INR)\b`, 'g'), (_m, amount: string, code: string) =>
    money(CURRENCY_CODES[code], amount),
  );

  // Percentages.
  t = t.replace(
    new RegExp(String.raw`(-?)(${NUM})\s?%`, 'g'),
    (_m, neg: string, n: string) => `${numberWords(neg + n)} percent`,
  );

  // Ordinals: 1st, 22nd, 103rd, 4th.
  t = t.replace(/\b(\d+)(st|nd|rd|th)\b/gi, (_m, n: string) => ordinal(n));

  // Fractions.
  t = t.replace(/(?<![\d/])([123])\/([234])(?![\d/])|[½¼¾]/g, (m) => FRACTIONS[m] ?? m);

  // Units after numbers.
  t = t.replace(
    new RegExp(
      String.raw`(${NUM})\s?(${Object.keys(UNITS)
        .map((u) => u.replace('/', '\\/'))
        .join('|')})\b`,
      'g',
    ),
    (_m, n: string, unit: string) => `${numberWords(n)} ${UNITS[unit][n === '1' ? 0 : 1]}`,
  );
  t = t.replace(
    new RegExp(String.raw`(${NUM})\s?°\s?([CF])\b`, 'g'),
    (_m, n: string, u: string) => `${numberWords(n)} degrees ${u === 'C' ? 'Celsius' : 'Fahrenheit'}`,
  );

  // Ranges "5-10" → "five to ten" (not dates, not phone numbers with more parts).
  t = t.replace(/(?<![\d-])(\d+)\s?[-\u2013]\s?(\d+)(?![\d-])/g, (_m, a: string, b: string) => `${a} to ${b}`);

  // Years: a bare 4-digit number 1100–2099 (no grouping comma, no decimals) reads as a year.
  t = t.replace(/(?<![\d.,])(1[1-9]\d\d|20\d\d)(?![\d.,]\d|\d)(s?)/g, (_m, y: string, s: string) => {
    const w = year(+y);
    return s ? (w.endsWith('y') ? `${w.slice(0, -1)}ies` : `${w}s`) : w;
  });
  // Decades: '90s, 80s.
  t = t.replace(/'(\d)0s\b/g, (_m, d: string) => `${TENS[+d] ? TENS[+d].slice(0, -1) + 'ies' : ''}`);
  t = t.replace(/\b([2-9])0s\b/g, (_m, d: string) => `${TENS[+d].slice(0, -1)}ies`);

  // Negative numbers, then every remaining number.
  t = t.replace(
    new RegExp(String.raw`(^|[\s(])-(${NUM})\b`, 'g'),
    (_m, pre: string, n: string) => `${pre}minus ${numberWords(n)}`,
  );
  t = t.replace(new RegExp(String.raw`(${NUM})`, 'g'), (n: string) => numberWords(n));

  // Symbols.
  t = t
    .replace(/\s*&\s*/g, ' and ')
    .replace(/%/g, ' percent')
    .replace(/\s*\+\s*/g, ' plus ')
    .replace(/\s*=\s*/g, ' equals ')
    .replace(/(\S)@(\S)/g, '$1 at $2')
    .replace(/\s@\s/g, ' at ')
    .replace(/#(?=\s*[a-z])/gi, 'number ')
    .replace(/\s*×\s*/g, ' times ')
    .replace(/°/g, ' degrees')
    .replace(/~(?=\s*\w)/g, 'about ')
    .replace(/[<>]/g, ' ')
    .replace(/[*_|\\^`{}[\]]/g, ' ');

  return t
    .replace(/[ \t]+/g, ' ')
    .replace(/ +([,.!?;:])/g, '$1')
    .trim();
}
