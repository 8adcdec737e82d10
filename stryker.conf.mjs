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
 * - Unit tests only (vitest.mutate.config.ts includes test/unit/** and has no globalSetup):
 *   the e2e and integration suites need emulators and take minutes per run; a mutant is
 *   judged by the tests that are meant to pin the logic. (Stryker's `vitest.dir` is not
 *   used: vitest reads `include` relative to it, which found no test at all.)
 *   Unit tests of Redis-backed modules (mapping store, service, marker, supervisor) start a
 *   redis-server of their own (test/unit/local-redis.ts), so redis-server must be on PATH,
 *   as for `npm run test:unit`.
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
    // Unit tests only, without the emulators' globalSetup: see vitest.mutate.config.ts.
    configFile: 'vitest.mutate.config.ts',
  },
  mutate: [
    'src/filtering/**/*.ts',
    'src/mappings/**/*.ts',
    'src/destinations/**/*.ts',
    'src/**/batch-item-failures.ts',
    'src/**/batch-outcome.ts',
    'src/sources/streams/policy/**/*.ts',
  ],
  // The sandbox needs sources, tests and configs, and the small examples/, bench/ and chaos/
  // folders that unit tests read (test/unit/dev/examples.test.ts, test/unit/chaos, docs);
  // not build output or reports.
  ignorePatterns: ['dist', 'reports', 'coverage', '.sluice'],
  coverageAnalysis: 'perTest',
  // Static mutants (module-level constants: regexes, tables) run every test that imports
  // the module and took 93 % of a run's time for 8 % of the mutants: skipped by default so a
  // run stays within minutes; `--ignoreStatic false` measures them too (reported as ignored
  // otherwise, not counted in the score).
  ignoreStatic: true,
  concurrency: 1,
  timeoutMS: 10_000,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  incrementalFile: 'reports/stryker-incremental.json',
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
