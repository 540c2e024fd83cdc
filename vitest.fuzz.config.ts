import { defineConfig } from 'vitest/config';

/**
 * `npm run fuzz`: the long fuzz run (tests/fuzz/fuzz.long.test.ts), one file, targets one after another. FUZZ_SECONDS
 * (default 300) is shared between the targets; FUZZ_SEED replays a run; FUZZ_ONLY=<substring> picks targets.
 */
const seconds = Number(process.env.FUZZ_SECONDS ?? 300);

export default defineConfig({
  test: {
    include: ['tests/fuzz/**/*.long.test.ts'],
    environment: 'node',
    // Each target gets its share of FUZZ_SECONDS plus time to shrink a failure; slow single inputs need more.
    testTimeout: (Number.isFinite(seconds) ? seconds : 300) * 1000 + 300_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    reporters: ['default'],
  },
});
