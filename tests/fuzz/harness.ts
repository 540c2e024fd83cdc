/**
 * The fuzz harness (issue #16): property-based tests with fast-check over the parsers that read untrusted input and
 * over the RPC boundary. The properties live in tests/fuzz/*.ts and run in two modes:
 *
 * - `ci`: the normal unit run (tests/unit/fuzz.test.ts) with the fixed seed CI_SEED, a few runs per target and a
 *   time cap per target, so the whole file stays well under a minute on two busy cores.
 * - `long`: `npm run fuzz` (tests/fuzz/fuzz.long.test.ts) with a random seed (printed; replay with FUZZ_SEED=…), as
 *   many runs as fit in FUZZ_SECONDS (default 300) shared between the targets; FUZZ_ONLY=<substring> picks targets.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import { ApiError } from '../../native-models/common/errors.js';
import { CI_SEED, type AnyProperty } from './inputs.js';

export * from './inputs.js';

export type FuzzMode = 'ci' | 'long';

export interface FuzzTarget {
  /** Shown in the test name; FUZZ_ONLY matches against it. */
  name: string;
  /** Runs in CI (the cap below may stop it earlier on a slow machine). */
  ciRuns: number;
  /** Time cap for this target in CI, ms. */
  ciMs: number;
  /** Share of the long budget (default 1). */
  weight?: number;
  property: () => AnyProperty;
}

export interface FuzzPlan {
  mode: FuzzMode;
  seed: number;
  /** Seconds for the whole long run. */
  seconds: number;
}

export function fuzzPlan(mode: FuzzMode): FuzzPlan {
  if (mode === 'ci') return { mode, seed: CI_SEED, seconds: 0 };
  const env = process.env.FUZZ_SEED;
  const seed = env !== undefined && env !== '' ? Number(env) : Math.floor(Math.random() * 2 ** 31);
  if (!Number.isSafeInteger(seed)) throw new Error(`FUZZ_SEED must be an integer, got ${env}`);
  const seconds = Number(process.env.FUZZ_SECONDS ?? 300);
  if (!(seconds > 0)) throw new Error(`FUZZ_SECONDS must be a positive number, got ${process.env.FUZZ_SECONDS}`);
  return { mode, seed, seconds };
}

export const selected = (t: { name: string }) => !process.env.FUZZ_ONLY || t.name.includes(process.env.FUZZ_ONLY);

/** Longest stretch a long run spends in one fast-check call before letting the event loop (and vitest) breathe. */
const SLICE_MS = 2000;

/**
 * Run one target under the plan; throws fast-check's report (seed, path, shrunk counterexample) on a failure.
 * CI: one fast-check run with CI_SEED (ciRuns inputs, stopped early at ciMs). Long: slices of SLICE_MS with seeds
 * seed, seed + 1, … until the target's share of FUZZ_SECONDS is spent; the same FUZZ_SEED replays the same slices.
 */
export async function runTarget(target: FuzzTarget, plan: FuzzPlan, totalWeight: number): Promise<void> {
  const budgetMs =
    plan.mode === 'ci' ? target.ciMs : Math.max(1000, (plan.seconds * 1000 * (target.weight ?? 1)) / totalWeight);
  const started = Date.now();
  let runs = 0;
  for (let slice = 0; ; slice++) {
    const left = budgetMs - (Date.now() - started);
    if (plan.mode === 'long' && slice > 0 && left < 50) break;
    const seed = plan.seed + slice;
    const details = await fc.check(target.property(), {
      seed,
      numRuns: plan.mode === 'ci' ? target.ciRuns : 1_000_000_000,
      interruptAfterTimeLimit: plan.mode === 'ci' ? budgetMs : Math.max(1, Math.min(SLICE_MS, left)),
      markInterruptAsFailure: false,
      includeErrorInReport: true,
    });
    runs += details.numRuns;
    // fast-check reports a slice the time limit stopped before its first input finished ("Property interrupted
    // after 0 tests") as failed even with markInterruptAsFailure off; no input failed, so it is not a finding. (It
    // happened at the end of a long run's budget: the last slice had a few ms left.)
    const interruptedEmpty = details.interrupted && details.counterexample === null && details.errorInstance === null;
    if (details.failed && !interruptedEmpty) {
      // Long counterexamples (a 5,000-entry dictionary) are cut so the report stays readable; the seed replays them.
      const report = (fc.defaultReportMessage(details) ?? 'failed')
        .split('\n')
        .map((l) => (l.length > 2000 ? `${l.slice(0, 2000)}… (${l.length} characters)` : l))
        .join('\n');
      const replay = plan.mode === 'ci' ? `CI seed ${plan.seed}` : `slice ${slice} of FUZZ_SEED=${plan.seed}`;
      throw new Error(`${target.name} (${replay}): ${report}`);
    }
    if (plan.mode === 'ci' || Date.now() - started >= budgetMs) break;
    await new Promise((r) => setImmediate(r));
  }
  if (plan.mode === 'long')
    console.log(`[fuzz] ${target.name}: ${runs} runs in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  // In CI every target must have run some inputs, or the time cap is too tight to test anything.
  if (plan.mode === 'ci') expect(runs, `${target.name} ran no input`).toBeGreaterThan(0);
}

// ---------------------------------------------------------------------------------------------------------------
// Shared checks
// ---------------------------------------------------------------------------------------------------------------

/** Errors that mean "the parser broke", whatever else they are: never acceptable for any input. */
export function assertNotACrash(err: unknown): void {
  expect(err).toBeInstanceOf(Error);
  const e = err as Error;
  expect(e.message, `stack overflow: ${e.message}`).not.toMatch(
    /Maximum call stack|out of memory|Invalid array length/i,
  );
  // Native TypeError/RangeError and friends (a null dereference, a bad index, an allocation failure) are bugs.
  expect(
    [TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError].some((c) => e.constructor === c),
    `a ${e.constructor.name} escaped: ${e.message}`,
  ).toBe(false);
  if (e instanceof ApiError) expect(e.code, `internal error: ${e.message}`).not.toBe('INTERNAL');
  expect(e.message.trim().length).toBeGreaterThan(0);
}

/** The error is one of the parser's own specific types (and not a crash in disguise). */
export function assertSpecificError(err: unknown, ...types: (new (...a: never[]) => Error)[]): void {
  assertNotACrash(err);
  expect(
    types.some((t) => err instanceof t),
    `expected ${types.map((t) => t.name).join(' or ')}, got ${(err as Error).constructor.name}: ${(err as Error).message}`,
  ).toBe(true);
}

/**
 * Per-input time bound. What it catches is work that grows too fast with the input (a quadratic regex, an
 * exponential backtrack), so it bounds the CPU time the process spent (user + system, all threads: zlib inflates
 * on the thread pool count too), not the wall clock: on a machine shared with other jobs a linear parse can take
 * several times its CPU time in wall time, which made a 5 s wall bound fail at random under load. A call that never
 * settles is the test's timeout's business.
 */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function checkBound(t0: number, boundMs: number, wall0: number): void {
  const took = cpuMs() - t0;
  const wall = performance.now() - wall0;
  expect(took, `took ${took.toFixed(0)} ms of CPU (${wall.toFixed(0)} ms wall; bound ${boundMs} ms)`).toBeLessThan(
    boundMs,
  );
}

export function withinTime<T>(boundMs: number, fn: () => T): T {
  const t0 = cpuMs();
  const wall0 = performance.now();
  const out = fn();
  checkBound(t0, boundMs, wall0);
  return out;
}

/** As withinTime; other work in this process while `fn` awaits counts too (the fuzz runs one input at a time). */
export async function withinTimeAsync<T>(boundMs: number, fn: () => Promise<T>): Promise<T> {
  const t0 = cpuMs();
  const wall0 = performance.now();
  const out = await fn();
  checkBound(t0, boundMs, wall0);
  return out;
}

/** Outcome of a call that may throw: either its value or the error. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

export function attempt<T>(fn: () => T): Outcome<T> {
  try {
    return { ok: true, value: fn() };
  } catch (error) {
    return { ok: false, error };
  }
}

export async function attemptAsync<T>(fn: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (error) {
    return { ok: false, error };
  }
}

/** No lone surrogate (String.prototype.isWellFormed, which Node 20's TypeScript lib does not declare). */
export const isWellFormed = (s: string) =>
  !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);
