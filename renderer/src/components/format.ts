/** Locale-aware sizes and durations for progress displays. */

const UNITS = ['kilobyte', 'megabyte', 'gigabyte'] as const;

/** 2327524 → "2.3 MB", 0 → "0 kB" (decimal units, as download tools and file managers show them). */
export function formatBytes(bytes: number, locale: string): string {
  let i = 0;
  let n = Math.max(0, bytes) / 1000;
  while (n >= 1000 && i < UNITS.length - 1) {
    n /= 1000;
    i++;
  }
  return new Intl.NumberFormat(locale, {
    style: 'unit',
    unit: UNITS[i],
    unitDisplay: 'short',
    maximumFractionDigits: n >= 100 || n === 0 ? 0 : 1,
  }).format(n);
}

/** Seconds left → "45 sec", "3 min", "1.5 hr". */
export function formatEta(seconds: number, locale: string): string {
  const unit = (value: number, u: 'second' | 'minute' | 'hour', digits = 0) =>
    new Intl.NumberFormat(locale, {
      style: 'unit',
      unit: u,
      unitDisplay: 'short',
      maximumFractionDigits: digits,
    }).format(value);
  if (seconds < 60) return unit(Math.max(1, Math.ceil(seconds)), 'second');
  if (seconds < 3600) return unit(Math.ceil(seconds / 60), 'minute');
  return unit(seconds / 3600, 'hour', 1);
}
