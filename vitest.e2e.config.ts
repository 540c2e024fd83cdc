import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/e2e/**/*.test.ts'],
    environment: 'node',
    testTimeout: 180_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    // expect.poll's deadline (vitest's default is 1 s). A passing poll returns as soon as its condition holds, so this
    // adds no time; it only stops a condition that needs a debounced save plus a server round trip on a busy
    // two-core machine from failing at 1 s. Same deadline as the suites' explicit 10 s polls.
    expect: { poll: { timeout: 10_000 } },
  },
});
