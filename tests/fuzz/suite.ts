/**
 * Registers every fuzz target as a vitest test, in CI mode (tests/unit/fuzz.test.ts) or long mode
 * (tests/fuzz/fuzz.long.test.ts, `npm run fuzz`). Groups that need a live core or server set it up once.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import { fuzzPlan, runTarget, selected, type FuzzMode, type FuzzTarget } from './harness.js';
import { wavTargets } from './wav.js';
import { scriptTargets } from './script.js';
import { voiceFileGroup } from './voice-file.js';
import { rpcGroup } from './rpc.js';

interface Group {
  name: string;
  targets: FuzzTarget[];
  setup?: () => Promise<void>;
  teardown?: () => Promise<void>;
}

export function fuzzSuite(mode: FuzzMode, timeoutMs: (t: FuzzTarget, totalWeight: number) => number): void {
  const plan = fuzzPlan(mode);
  const rpc = rpcGroup();
  const groups: Group[] = [
    { name: 'WAV decoder', targets: wavTargets },
    { name: 'script parsers', targets: scriptTargets },
    { name: 'voice files', ...voiceFileGroup() },
    { name: 'RPC boundary', ...rpc },
  ];
  const all = groups.flatMap((g) => g.targets).filter(selected);
  const totalWeight = all.reduce((n, t) => n + (t.weight ?? 1), 0);
  if (mode === 'long')
    console.log(
      `[fuzz] seed ${plan.seed} (replay: FUZZ_SEED=${plan.seed} FUZZ_SECONDS=${plan.seconds} npm run fuzz), ${all.length} targets`,
    );
  for (const g of groups) {
    const targets = g.targets.filter(selected);
    if (!targets.length) continue;
    describe(`fuzz: ${g.name}`, () => {
      if (g.setup) beforeAll(g.setup, 120_000);
      if (g.teardown) afterAll(g.teardown, 60_000);
      for (const t of targets) it(t.name, () => runTarget(t, plan, totalWeight), timeoutMs(t, totalWeight));
    });
  }
}
