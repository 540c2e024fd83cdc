/**
 * Numeric CLI options ("knobs") checked against their valid range before anything runs. A value that is not a plain
 * number ("fast", "NaN", "1.5x", ""), is not finite, is not whole where it must be, or is out of range is a usage
 * error: commander prints the message (naming the option and its valid range) and the CLI exits with code 2.
 */
import { InvalidArgumentError } from 'commander';
import type { z } from 'zod';
import { SynthesisOptions } from '../../preload/contract/index.js';

export interface KnobRange {
  min: number;
  max: number;
  integer?: boolean;
  /** The minimum itself is not allowed ("over 0"). */
  minExclusive?: boolean;
  unit?: string;
}

const PLAIN_NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?$/i;

export function describeRange(r: KnobRange): string {
  const u = r.unit ? ` ${r.unit}` : '';
  const what = r.integer ? 'a whole number' : 'a number';
  return r.minExclusive
    ? `${what} over ${r.min}${u} and at most ${r.max}${u}`
    : `${what} from ${r.min} to ${r.max}${u}`;
}

/** A commander argument parser for `--name <value>` that accepts only a number in `range`. */
export function knob(name: string, range: KnobRange): (raw: string) => number {
  return (raw: string) => {
    const s = raw.trim();
    const n = PLAIN_NUMBER.test(s) ? Number(s) : Number.NaN;
    const ok =
      Number.isFinite(n) &&
      (!range.integer || Number.isInteger(n)) &&
      (range.minExclusive ? n > range.min : n >= range.min) &&
      n <= range.max;
    if (!ok) throw new InvalidArgumentError(`${name} must be ${describeRange(range)}, not "${raw}".`);
    return n;
  };
}

/** The range the contract gives a synthesis knob (one source of truth for the API and the CLI). */
export function synthesisRange(key: keyof typeof SynthesisOptions.shape): KnobRange {
  const n = SynthesisOptions.shape[key].unwrap() as z.ZodNumber;
  return { min: n.minValue ?? -Infinity, max: n.maxValue ?? Infinity, integer: n.isInt };
}
