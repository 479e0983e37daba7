import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The packed-install test has its own config and script (vitest.package.config.ts).
    exclude: ['test/package/**', '**/node_modules/**'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Crash and multi-process tests start real servers; two cores cannot run many at once.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
