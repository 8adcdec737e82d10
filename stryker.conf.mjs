// @ts-check
/**
 * StrykerJS mutation testing over the UNIT tests (issue #12, "Test strength is measured").
 * `npm run mutate` runs it; it takes minutes, so it is not part of CI.
 *
 *   npm run mutate                                   the modules issue #12 sets a score for
 *   npm run mutate -- --mutate 'src/mappings/**'     one folder (CLI --mutate replaces `mutate`)
 *   npm run mutate -- --mutate 'src/mappings/**' --incremental   reuse the last run's results
 *
 * Why these choices:
 * - Unit tests only (`vitest.dir`): the e2e and integration suites need emulators and take
 *   minutes per run; a mutant is judged by the tests that are meant to pin the logic.
 *   The `mutate` script sets SLUICE_TEST_NO_EMULATORS=1 so the vitest globalSetup starts
 *   nothing (test/support/emulators.ts).
 * - `concurrency: 1`: the machine is shared; raise it with `--concurrency N` on your own.
 * - The default target lists modules by file name where they are still moving
 *   (`batch-item-failures.ts`, `batch-outcome.ts`) so the globs survive the issue-#12 refactor.
 * - No TypeScript checker: vitest strips types, so a mutant that would not compile can
 *   survive only if no test reaches it; `npx tsc` on the real code stays the type gate.
 *
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  testRunner: 'vitest',
  vitest: {
    configFile: 'vitest.config.ts',
    dir: 'test/unit',
  },
  mutate: [
    'src/filtering/**/*.ts',
    'src/mappings/**/*.ts',
    'src/destinations/**/*.ts',
    'src/**/batch-item-failures.ts',
    'src/**/batch-outcome.ts',
    'src/sources/streams/policy/**/*.ts',
  ],
  // The sandbox needs sources, tests and configs; not build output, benchmarks or reports.
  ignorePatterns: ['dist', 'bench', 'chaos', 'examples', 'reports', 'coverage', '.sluice'],
  coverageAnalysis: 'perTest',
  concurrency: 1,
  timeoutMS: 10_000,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  incrementalFile: 'reports/stryker-incremental.json',
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
