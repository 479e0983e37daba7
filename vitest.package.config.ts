import { defineConfig } from 'vitest/config';

/**
 * `npm run test:package`: the packed package installed and run as users get it
 * (test/package). Kept out of `npm test` because each install builds better-sqlite3 from source;
 * .ci/run calls it after `npm test`.
 */
export default defineConfig({
  test: {
    include: ['test/package/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 1_200_000,
    maxWorkers: 1,
    reporters: ['default'],
  },
});
