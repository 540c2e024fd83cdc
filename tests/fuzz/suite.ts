/**
 * Registers every fuzz target as a vitest test, in CI mode (tests/unit/fuzz.test.ts) or long mode
 * (tests/fuzz/fuzz.long.test.ts, `npm run fuzz`). Targets that need a live core or server get it from their module.
 */
import { describe, it } from 'vitest';
import { fuzzPlan, runTarget, selected, type FuzzMode, type FuzzTarget } from './harness.js';
import { wavTargets } from './wav.js';
import { scriptTargets } from './script.js';
import { voiceFileTargets } from './voice-file.js';

export function fuzzSuite(mode: FuzzMode, timeoutMs: (t: FuzzTarget, totalWeight: number) => number): void {
  const plan = fuzzPlan(mode);
  const groups: [string, FuzzTarget[]][] = [
    ['WAV decoder', wavTargets],
    ['script parsers', scriptTargets],
    ['voice files', voiceFileTargets()],
  ];
  const all = groups.flatMap(([, ts]) => ts).filter(selected);
  const totalWeight = all.reduce((n, t) => n + (t.weight ?? 1), 0);
  if (mode === 'long')
    console.log(
      `[fuzz] seed ${plan.seed} (replay: FUZZ_SEED=${plan.seed} FUZZ_SECONDS=${plan.seconds} npm run fuzz), ${all.length} targets`,
    );
  for (const [group, targets] of groups) {
    if (!targets.some(selected)) continue;
    describe(`fuzz: ${group}`, () => {
      for (const t of targets.filter(selected)) {
        it(t.name, () => runTarget(t, plan, totalWeight), timeoutMs(t, totalWeight));
      }
    });
  }
}
