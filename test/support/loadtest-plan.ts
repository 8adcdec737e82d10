/** A LoadtestPlan against the test bed's emulators and a test Sluice, for runLoadtest's e2e tests. */
import type { LoadtestPlan } from '../../src/loadtest/plan.js';
import { getEndpoints, TEST_CREDENTIALS } from './index.js';

/** SQS, a created queue, 100 records at 50/s, `noop`, unless `overrides` say otherwise. */
export function testPlan(sluiceUrl: string, overrides: Partial<LoadtestPlan> = {}): LoadtestPlan {
  const e = getEndpoints();
  return {
    source: 'sqs',
    resource: { kind: 'create' },
    functionName: 'noop',
    mapping: { BatchSize: 10 },
    onFailure: false,
    load: { kind: 'count', count: 100, rate: 50 },
    payload: { kind: 'size', bytes: 256 },
    maxInFlight: 4,
    graceMs: 20_000,
    endpoints: { region: e.region, lambda: sluiceUrl, sqs: e.sqs, kinesis: e.kinesis, dynamodb: e.dynamodb, credentials: { ...TEST_CREDENTIALS } },
    ...overrides,
  };
}
