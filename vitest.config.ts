import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/unit/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: keep native-addon-heavy suites from starving each other.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
