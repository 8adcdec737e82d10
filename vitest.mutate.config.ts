import { defineConfig } from 'vitest/config';

/**
 * The vitest config StrykerJS runs (`npm run mutate`, stryker.conf.mjs): the unit tests only.
 *
 * Why a config of its own rather than vitest.config.ts with Stryker's `vitest.dir`:
 * - vitest resolves `include` globs relative to `dir`, so `dir: 'test/unit'` with the main
 *   config's `include: ['test/**\/*.test.ts']` looked for test/unit/test/** and found no
 *   file; every run ended with "No tests were executed".
 * - The main config's globalSetup starts the emulators; unit tests need none, and a mutant
 *   run must not depend on (or wait for) them.
 * Stryker itself sets the pool (threads, one worker) and turns coverage off.
 */
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts'],
    testTimeout: 30_000,
    restoreMocks: true,
    unstubEnvs: true,
  },
});
