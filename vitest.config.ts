import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Crash and multi-process tests start real servers; two cores cannot run many at once.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
