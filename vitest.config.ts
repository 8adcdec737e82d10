import os from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Redis, fauxqs (SQS/SNS), kinesis-local and DynamoDB Local, started once per run.
    // SLUICE_TEST_NO_EMULATORS=1 skips them (pure unit-test runs).
    globalSetup: ['test/support/emulators.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    teardownTimeout: 20_000,
    pool: 'forks',
    // Integration tests mostly wait on I/O; two workers even on a 2-core machine.
    maxWorkers: Math.max(2, os.availableParallelism() - 1),
    restoreMocks: true,
    unstubEnvs: true,
  },
});
