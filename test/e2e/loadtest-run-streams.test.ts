/**
 * runLoadtest end to end on streams: a created Kinesis stream (2 shards) and a created
 * DynamoDB table with its stream, the builtin noop, the real SluiceClient. Every record is
 * matched by its trace id (`shardId:sequenceNumber`, the item's key), the iterator age is
 * sampled from Sluice's /metrics, and the stream / table are removed afterwards.
 */
import { DescribeStreamSummaryCommand, KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allocateRedisDb, createHttp1Handler, createStream, getEndpoints, TEST_CREDENTIALS, TEST_REGION } from '../support/index.js';
import { testPlan } from '../support/loadtest-plan.js';
import { startTestSluice, type TestSluice } from '../support/sluice.js';
import { createSluiceClient } from '../../src/loadtest/sluice-client.js';
import { runLoadtest } from '../../src/loadtest/run-loadtest.js';
import { summarize } from '../../src/loadtest/report/index.js';
import type { LoadtestPlan, SluiceClient } from '../../src/loadtest/plan.js';

let sluice: TestSluice;
let client: SluiceClient;

beforeAll(async () => {
  sluice = await startTestSluice({ functions: { noop: { builtin: 'noop' }, broken: { builtin: 'fail:1', timeout: 1 } }, streams: { leaseMs: 3000 } }, await allocateRedisDb());
  client = createSluiceClient({ region: TEST_REGION, lambda: sluice.url, credentials: TEST_CREDENTIALS });
});

afterAll(async () => {
  await sluice?.stop();
});

function plan(overrides: Partial<LoadtestPlan>): LoadtestPlan {
  return testPlan(sluice.url, { source: 'kinesis', resource: { kind: 'create', shards: 2 }, mapping: { BatchSize: 50 }, load: { kind: 'count', count: 200, rate: 100 }, payload: { kind: 'template', template: '{"n":{{seq}},"id":"{{uuid}}","at":{{now}}}' }, graceMs: 30_000, ...overrides });
}

describe('runLoadtest (streams, e2e)', () => {
  it('kinesis: every record matched by shardId:sequenceNumber, iterator age sampled, the stream removed', { timeout: 90_000 }, async () => {
    const warnings: string[] = [];
    const run = await runLoadtest(plan({}), { client, onWarning: (w) => warnings.push(w) });
    expect(run.sent).toHaveLength(200);
    expect(new Set(run.sent.map((s) => s.id.split(':')[0])).size).toBe(2);
    const report = summarize(run);
    expect(report.summary).toMatchObject({ sent: 200, invoked: 200, missing: 0, duplicates: 0, unknown_ids: 0 });
    expect(run.settings.mapping).toMatchObject({ StartingPosition: 'TRIM_HORIZON', Tags: { 'sluice:trace': expect.any(String) } });
    expect(run.backlog.length).toBeGreaterThan(0);
    expect(run.backlog.every((b) => b.unit === 'ms')).toBe(true);
    expect(Date.now()).toBeLessThan(run.endedAt + run.graceMs);
    const e = getEndpoints();
    const kinesis = new KinesisClient({ endpoint: e.kinesis, region: e.region, credentials: { ...e.credentials }, requestHandler: createHttp1Handler() });
    try {
      const status = await kinesis
        .send(new DescribeStreamSummaryCommand({ StreamName: `sluice-loadtest-${run.runId}` }))
        .then((r) => r.StreamDescriptionSummary?.StreamStatus, (error: Error) => error.name);
      expect(['DELETING', 'ResourceNotFoundException']).toContain(status);
    } finally {
      kinesis.destroy();
    }
    expect(warnings).toEqual([]);
  });

  it('kinesis fail:1 with onFailure: the on-failure queue is counted in records (batch sizes), not messages', { timeout: 90_000 }, async () => {
    const run = await runLoadtest(
      plan({ functionName: 'broken', onFailure: true, mapping: { BatchSize: 50, MaximumRetryAttempts: 0 }, load: { kind: 'count', count: 100, rate: 100 }, graceMs: 15_000 }),
      { client },
    );
    expect(run.sent).toHaveLength(100);
    expect(run.settings.mapping).toMatchObject({ DestinationConfig: { OnFailure: { Destination: expect.stringContaining(`sluice-loadtest-${run.runId}-onfailure`) } } });
    // Fewer on-failure messages than records (batches of up to 50), yet every record counted.
    expect(run.invocations.length).toBeLessThan(100);
    expect(run.destinationCount).toBe(100);
    expect(summarize(run).summary).toMatchObject({ sent: 100, invoked: 100, missing: 0, failed_records: 100, destination_count: 100 });
  });

  it('kinesis, an existing stream with history: LATEST skips the history, every record of the run is matched, the stream is left in place', { timeout: 90_000 }, async () => {
    const stream = await createStream({ prefix: 'lt-existing', shardCount: 1 });
    try {
      const e = getEndpoints();
      const kinesis = new KinesisClient({ endpoint: e.kinesis, region: e.region, credentials: { ...e.credentials }, requestHandler: createHttp1Handler() });
      try {
        await kinesis.send(new PutRecordsCommand({ StreamName: stream.streamName, Records: Array.from({ length: 20 }, (_, i) => ({ Data: Buffer.from(`old-${i}`), PartitionKey: `k${i}` })) }));
        const run = await runLoadtest(plan({ resource: { kind: 'existing', arn: stream.streamArn }, load: { kind: 'count', count: 50, rate: 50 } }), { client });
        expect(run.settings.mapping).toMatchObject({ StartingPosition: 'LATEST' });
        expect(run.created).toEqual([]);
        expect(summarize(run).summary).toMatchObject({ sent: 50, invoked: 50, missing: 0, unknown_ids: 0 });
        const { StreamDescriptionSummary } = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: stream.streamName }));
        expect(StreamDescriptionSummary?.StreamStatus).toBe('ACTIVE');
      } finally {
        kinesis.destroy();
      }
    } finally {
      await stream.cleanup();
    }
  });

  it('dynamodb: every item matched by its key, the table removed', { timeout: 90_000 }, async () => {
    const run = await runLoadtest(plan({ source: 'dynamodb', resource: { kind: 'create' }, load: { kind: 'count', count: 60, rate: 60 } }), { client });
    expect(run.sent).toHaveLength(60);
    expect(summarize(run).summary).toMatchObject({ sent: 60, invoked: 60, missing: 0, unknown_ids: 0 });
    const e = getEndpoints();
    const dynamodb = new DynamoDBClient({ endpoint: e.dynamodb, region: e.region, credentials: { ...e.credentials }, requestHandler: createHttp1Handler() });
    try {
      const { TableNames = [] } = await dynamodb.send(new ListTablesCommand({}));
      expect(TableNames.filter((n) => n.startsWith(`sluice-loadtest-${run.runId}`))).toEqual([]);
    } finally {
      dynamodb.destroy();
    }
  });
});
