import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

/**
 * Sized so the suite holds on a 2-core machine with one core busy elsewhere (docs/TESTING.md):
 * - each test file runs in its own process (forks), at most (cores - 1) at once, capped at 4:
 *   one at a time on 2 cores, since the e2e files start servers as child processes and hash,
 *   sign and verify on the remaining core;
 * - generous timeouts: on a loaded machine a slow test is not a failure, a hung one still is
 *   (crash and fuzz tests set larger ones of their own). No test asserts a wall-clock duration
 *   except the acceptance budgets it names.
 */
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: Math.min(4, Math.max(1, availableParallelism() - 1)),
    testTimeout: 120_000,
    hookTimeout: 120_000,
    teardownTimeout: 60_000,
  },
});
