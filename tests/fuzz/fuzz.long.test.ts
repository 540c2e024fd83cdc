/**
 * The long fuzz run (`npm run fuzz`): every target of tests/fuzz/ with a random seed (printed) for FUZZ_SECONDS
 * (default 300) in all. Replay a failure with FUZZ_SEED=<seed> (and the same FUZZ_SECONDS); FUZZ_ONLY=<substring>
 * runs only the targets whose name contains it. Not part of `npm run test:unit` (see vitest.fuzz.config.ts).
 */
import { fuzzSuite } from './suite.js';

const seconds = Number(process.env.FUZZ_SECONDS ?? 300);
fuzzSuite('long', (t, totalWeight) => (seconds * 1000 * (t.weight ?? 1)) / totalWeight + 300_000);
