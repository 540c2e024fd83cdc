/**
 * The fuzz harness in CI (issue #16): every target of tests/fuzz/ with the fixed seed CI_SEED and a small time cap.
 * `npm run fuzz` runs the same properties for longer with a random seed.
 */
import { fuzzSuite } from '../fuzz/suite.js';

fuzzSuite('ci', (t) => t.ciMs * 3 + 20_000);
