/**
 * The per-mapping invocation trace (issue #14): a mapping tagged `sluice:trace` records
 * which records each invocation attempt carried, its outcome and attempt number; the load
 * test reads it through createSluiceClient (SigV4-signed `/sluice/v1/.../trace`) and matches
 * the ids to what SendMessageBatch, PutRecords and the written keys gave it. Real fauxqs,
 * kinesis-local, DynamoDB Local and Redis; mappings and tags through the Lambda API.
 */
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  CreateEventSourceMappingCommand,
  DeleteEventSourceMappingCommand,
  GetEventSourceMappingCommand,
  TagResourceCommand,
  UntagResourceCommand,
  type CreateEventSourceMappingCommandInput,
} from '@aws-sdk/client-lambda';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, it } from 'vitest';
import {
  allocateRedisDb,
  createQueue,
  createRedis,
  createStream,
  createTableWithStream,
  dynamoDBClient,
  pollUntil,
  sqsClient,
  TEST_CREDENTIALS,
  TEST_REGION,
} from '../support/index.js';
import { startTestSluice, type TestSluice } from '../support/sluice.js';
import { createMapping } from '../support/sqs-e2e.js';
import { putKinesis } from '../support/streams-e2e.js';
import { queueIsEmpty } from '../support/sqs-helpers.js';
import { createSluiceClient, SluiceClientError } from '../../src/loadtest/sluice-client.js';
import type { SluiceClient } from '../../src/loadtest/plan.js';
import type { InvocationTrace } from '../../src/loadtest/run-data.js';
import { dynamodbKeyId, kinesisEventId, TRACE_TAG } from '../../src/mappings/invocation-trace.js';

const PARTIAL = 'test/fixtures/handlers/partial-failures.mjs#handler';
const TRACED = { [TRACE_TAG]: '1000' };

let sluice: TestSluice;
let client: SluiceClient;
let redis: Redis;

beforeAll(async () => {
  const db = await allocateRedisDb();
  sluice = await startTestSluice(
    {
      functions: {
        noop: { builtin: 'noop' },
        broken: { builtin: 'fail:1', timeout: 1 },
        partial: { module: PARTIAL, timeout: 3 },
      },
      streams: { leaseMs: 3000 },
    },
    db,
  );
  client = createSluiceClient({ region: TEST_REGION, lambda: sluice.url, credentials: TEST_CREDENTIALS });
  redis = createRedis({ db });
});

afterAll(async () => {
  redis?.disconnect();
  await sluice?.stop();
});

const traceKey = (uuid: string) => `sluice:esm:${uuid}:trace`;

/** The whole trace, read page by page as a load test does. */
async function readAll(uuid: string): Promise<InvocationTrace[]> {
  const entries: InvocationTrace[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await client.readTrace(uuid, cursor);
    entries.push(...page.entries);
    if (page.entries.length === 0 || page.cursor === cursor) return entries;
    cursor = page.cursor;
  }
}

/** Waits until the trace holds every id of `ids`; returns the trace. */
async function traceCovering(uuid: string, ids: readonly string[], timeoutMs = 30_000): Promise<InvocationTrace[]> {
  return pollUntil(
    async () => {
      const entries = await readAll(uuid);
      const seen = new Set(entries.flatMap((e) => e.ids));
      return ids.every((id) => seen.has(id)) ? entries : undefined;
    },
    { timeoutMs, description: `the trace of ${uuid} covering ${ids.length} records` },
  );
}

/** Sends the bodies with SendMessageBatch; the MessageIds, in order. */
async function sendBatch(queueUrl: string, bodies: string[]): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < bodies.length; i += 10) {
    const result = await sqsClient().send(
      new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: bodies.slice(i, i + 10).map((body, j) => ({ Id: `m${i + j}`, MessageBody: body })) }),
    );
    if (result.Failed?.length) throw new Error(`SendMessageBatch failed: ${JSON.stringify(result.Failed)}`);
    // Successful is not promised in request order: map it back by entry Id.
    const byEntry = new Map((result.Successful ?? []).map((s) => [s.Id!, s.MessageId!]));
    for (let j = 0; j < Math.min(10, bodies.length - i); j++) ids.push(byEntry.get(`m${i + j}`)!);
  }
  return ids;
}

const allIds = (entries: readonly InvocationTrace[]) => entries.flatMap((e) => e.ids);
const sorted = (ids: readonly string[]) => [...ids].sort();

describe.concurrent('the invocation trace', () => {
  it('SQS: every message once, with its MessageId, a success at attempt 1', async ({ expect, onTestFinished }) => {
    const queue = await createQueue({ prefix: 'trace-sqs' });
    onTestFinished(queue.cleanup);
    const uuid = await createMapping(sluice.lambda, { FunctionName: 'noop', EventSourceArn: queue.queueArn, BatchSize: 10, Tags: TRACED });
    const before = Date.now();
    const sent = await sendBatch(queue.queueUrl, Array.from({ length: 25 }, (_, i) => `m${i}`));
    const entries = await traceCovering(uuid, sent);
    expect(sorted(allIds(entries))).toEqual(sorted(sent));
    for (const entry of entries) {
      expect(entry).toMatchObject({ outcome: 'success', attempt: 1 });
      expect(entry.ids.length).toBeGreaterThan(0);
      expect(entry.ids.length).toBeLessThanOrEqual(10);
      expect(entry.at).toBeGreaterThanOrEqual(before);
      expect(entry.durationMs).toBeGreaterThanOrEqual(0);
      expect(entry.failedIds).toBeUndefined();
    }
  });

  it('SQS: a failing function is traced as function_error, a partial failure with the failed MessageIds', async ({ expect, onTestFinished }) => {
    const failing = await createQueue({ prefix: 'trace-fail', visibilityTimeoutSeconds: 30 });
    onTestFinished(failing.cleanup);
    const partial = await createQueue({ prefix: 'trace-partial', visibilityTimeoutSeconds: 30 });
    onTestFinished(partial.cleanup);
    const failingUuid = await createMapping(sluice.lambda, { FunctionName: 'broken', EventSourceArn: failing.queueArn, BatchSize: 10, Tags: TRACED });
    const partialUuid = await createMapping(sluice.lambda, {
      FunctionName: 'partial',
      EventSourceArn: partial.queueArn,
      BatchSize: 10,
      MaximumBatchingWindowInSeconds: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      Tags: TRACED,
    });
    const failed = await sendBatch(failing.queueUrl, ['a', 'b', 'c']);
    const mixed = await sendBatch(partial.queueUrl, ['ok-1', 'bad-2', 'ok-3', 'bad-4']);

    const failures = await traceCovering(failingUuid, failed);
    expect(failures.every((e) => e.outcome === 'function_error' && e.failedIds === undefined)).toBe(true);

    const entries = await traceCovering(partialUuid, mixed);
    const bad = [mixed[1]!, mixed[3]!];
    const withBad = entries.filter((e) => e.ids.some((id) => bad.includes(id)));
    expect(withBad.length).toBeGreaterThan(0);
    for (const entry of withBad) {
      expect(entry.outcome).toBe('partial_failure');
      expect(sorted(entry.failedIds!)).toEqual(sorted(entry.ids.filter((id) => bad.includes(id))));
    }
    // The good ones were deleted and never come back; the bad ones wait out their visibility.
    expect(entries.filter((e) => e.outcome === 'success').every((e) => e.ids.every((id) => !bad.includes(id)))).toBe(true);
  });

  it('Kinesis: ids are shard:sequence as PutRecords answered; a partial failure is retried as attempt 2', async ({ expect, onTestFinished }) => {
    const stream = await createStream({ prefix: 'trace-kin' });
    onTestFinished(stream.cleanup);
    const uuid = await createMapping(sluice.lambda, {
      FunctionName: 'partial',
      EventSourceArn: stream.streamArn,
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 100,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      MaximumRetryAttempts: 1,
      Tags: TRACED,
    });
    const put = await putKinesis(
      stream.streamName,
      Array.from({ length: 12 }, (_, i) => ({ key: 'k', data: i === 7 ? `bad-${i}` : `ok-${i}` })),
    );
    const sent = put.map((p) => kinesisEventId(p.shardId, p.sequenceNumber));
    const badId = sent[7]!;
    const entries = await pollUntil(
      async () => {
        const all = await readAll(uuid);
        return all.some((e) => e.attempt === 2) && new Set(allIds(all)).size === sent.length ? all : undefined;
      },
      { timeoutMs: 30_000, description: 'the first attempts and the retry of the failed record traced' },
    );
    expect(sorted([...new Set(allIds(entries))])).toEqual(sorted(sent));
    const first = entries.filter((e) => e.attempt === 1);
    // The records before the failed one were done by the first attempt; only the rest is retried (streams.md §11).
    expect(sorted(first.flatMap((e) => e.ids))).toEqual(sorted(sent));
    const failing = entries.filter((e) => e.ids.includes(badId));
    expect(failing.map((e) => [e.attempt, e.outcome, e.failedIds])).toEqual([
      [1, 'partial_failure', [badId]],
      [2, 'partial_failure', [badId]],
    ]);
    expect(failing[1]!.ids).toEqual(sent.slice(7));
    // The ids of each entry come in the stream's order.
    for (const entry of entries) expect(entry.ids).toEqual(sent.slice(sent.indexOf(entry.ids[0]!), sent.indexOf(entry.ids[0]!) + entry.ids.length));
  });

  it('DynamoDB: ids are the written keys, sorted DynamoDB JSON', async ({ expect, onTestFinished }) => {
    const table = await createTableWithStream({ prefix: 'trace-ddb', sortKey: 'sk' });
    onTestFinished(table.cleanup);
    const uuid = await createMapping(sluice.lambda, { FunctionName: 'noop', EventSourceArn: table.streamArn, StartingPosition: 'TRIM_HORIZON', BatchSize: 100, Tags: TRACED });
    const written: string[] = [];
    for (let i = 0; i < 8; i++) {
      // Written in the order DynamoDB does not use (sk before pk): the id sorts the names.
      const key = { sk: { S: `s-${i}` }, pk: { S: `lt-${i}` } };
      await dynamoDBClient().send(new PutItemCommand({ TableName: table.tableName, Item: { ...key, n: { N: String(i) } } }));
      written.push(dynamodbKeyId(key));
    }
    expect(written[0]).toBe('{"pk":{"S":"lt-0"},"sk":{"S":"s-0"}}');
    const entries = await traceCovering(uuid, written);
    expect(sorted(allIds(entries))).toEqual(sorted(written));
    expect(entries.every((e) => e.outcome === 'success' && e.attempt === 1)).toBe(true);
  });

  it('DynamoDB: a failing function is traced at each attempt, the retry as attempt 2 with the same records', async ({ expect, onTestFinished }) => {
    const table = await createTableWithStream({ prefix: 'trace-ddb-fail' });
    onTestFinished(table.cleanup);
    const uuid = await createMapping(sluice.lambda, {
      FunctionName: 'broken',
      EventSourceArn: table.streamArn,
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 1,
      MaximumRetryAttempts: 1,
      Tags: TRACED,
    });
    const written: string[] = [];
    for (let i = 0; i < 3; i++) {
      const key = { pk: { S: `f-${i}` } };
      await dynamoDBClient().send(new PutItemCommand({ TableName: table.tableName, Item: key }));
      written.push(dynamodbKeyId(key));
    }
    const entries = await pollUntil(
      async () => {
        const all = await readAll(uuid);
        const retried = new Set(all.filter((e) => e.attempt === 2).flatMap((e) => e.ids));
        return written.every((id) => retried.has(id)) ? all : undefined;
      },
      { timeoutMs: 30_000, description: 'every record failed twice' },
    );
    expect(entries.every((e) => e.outcome === 'function_error')).toBe(true);
    for (const id of written) expect(entries.filter((e) => e.ids.includes(id)).map((e) => e.attempt)).toEqual([1, 2]);
  });

  it('a mapping without the tag has no trace; TagResource turns it on while it runs, UntagResource off; Delete removes it', async ({ expect, onTestFinished }) => {
    const queue = await createQueue({ prefix: 'trace-tag' });
    onTestFinished(queue.cleanup);
    const uuid = await createMapping(sluice.lambda, { FunctionName: 'noop', EventSourceArn: queue.queueArn, BatchSize: 10 });
    const { EventSourceMappingArn: arn } = await sluice.lambda.send(new GetEventSourceMappingCommand({ UUID: uuid }));
    await sendBatch(queue.queueUrl, ['u1', 'u2', 'u3']);
    await pollUntil(() => queueIsEmpty(queue.queueUrl), { description: 'untraced messages drained' });
    expect(await client.readTrace(uuid)).toEqual({ entries: [], cursor: undefined });
    expect(await redis.exists(traceKey(uuid))).toBe(0);

    await sluice.lambda.send(new TagResourceCommand({ Resource: arn, Tags: { [TRACE_TAG]: '50' } }));
    // The change notification reaches the supervisor, which reads the tag again.
    await pollUntil(() => sluice.logs.some((line) => line.includes(uuid) && line.includes('invocation trace on')), { description: 'trace on' });
    const later = await sendBatch(queue.queueUrl, ['t1', 't2', 't3']);
    const entries = await traceCovering(uuid, later);
    expect(sorted(allIds(entries))).toEqual(sorted(later));

    await sluice.lambda.send(new UntagResourceCommand({ Resource: arn, TagKeys: [TRACE_TAG] }));
    await pollUntil(() => sluice.logs.some((line) => line.includes(uuid) && line.includes('invocation trace off')), { description: 'trace off' });
    const count = (await readAll(uuid)).length;
    await sendBatch(queue.queueUrl, ['after-untag']);
    await pollUntil(() => queueIsEmpty(queue.queueUrl), { description: 'message drained after untag' });
    expect((await readAll(uuid)).length).toBe(count);

    await sluice.lambda.send(new DeleteEventSourceMappingCommand({ UUID: uuid }));
    await pollUntil(async () => (await redis.exists(traceKey(uuid))) === 0, { description: 'trace deleted with the mapping' });
    await expect(client.readTrace(uuid)).rejects.toMatchObject({ status: 404, errorType: 'ResourceNotFoundException' });
  });

  it('keeps about as many entries as the tag asks (XADD MAXLEN ~)', async ({ expect, onTestFinished }) => {
    const stream = await createStream({ prefix: 'trace-cap' });
    onTestFinished(stream.cleanup);
    const capacity = 10;
    const uuid = await createMapping(sluice.lambda, {
      FunctionName: 'noop',
      EventSourceArn: stream.streamArn,
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 1,
      Tags: { [TRACE_TAG]: String(capacity) },
    });
    const put = await putKinesis(stream.streamName, Array.from({ length: 300 }, (_, i) => ({ key: 'k', data: `r${i}` })));
    const last = kinesisEventId(put.at(-1)!.shardId, put.at(-1)!.sequenceNumber);
    await traceCovering(uuid, [last], 60_000);
    // Read again once the last record is traced (one shard, BatchSize 1: every attempt is in):
    // a read while attempts are still appended pages on into entries added after it began,
    // and so collects more than the stream held at any one time (185 once, on a loaded machine).
    const entries = await readAll(uuid);
    // `~` trims whole stream nodes: at most one node's entries beyond the capacity stay, of
    // the 300 attempts. (Compared with what was read, not with XLEN read later: a replay after
    // a lease moved under load may still append, at least once.)
    const [, nodeEntries] = (await redis.config('GET', 'stream-node-max-entries')) as [string, string];
    expect(entries.length).toBeGreaterThanOrEqual(capacity);
    expect(entries.length).toBeLessThanOrEqual(capacity + Number(nodeEntries));
    // What is kept is the newest: the oldest of the 300 are gone.
    const sent = put.map((p) => kinesisEventId(p.shardId, p.sequenceNumber));
    const kept = new Set(entries.flatMap((e) => e.ids));
    expect([...kept].every((id) => sent.includes(id))).toBe(true);
    expect(kept.has(sent[0]!)).toBe(false);
  });

  it('refuses a sluice:trace value that is not a count of entries', async ({ expect, onTestFinished }) => {
    const queue = await createQueue({ prefix: 'trace-bad' });
    onTestFinished(queue.cleanup);
    const create = (value: string): CreateEventSourceMappingCommandInput => ({ FunctionName: 'noop', EventSourceArn: queue.queueArn, Tags: { [TRACE_TAG]: value } });
    for (const value of ['abc', '0', '-5', '1.5', '1000001']) {
      await expect(sluice.lambda.send(new CreateEventSourceMappingCommand(create(value)))).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
    }
    const uuid = await createMapping(sluice.lambda, { FunctionName: 'noop', EventSourceArn: queue.queueArn });
    const { EventSourceMappingArn: arn } = await sluice.lambda.send(new GetEventSourceMappingCommand({ UUID: uuid }));
    await expect(sluice.lambda.send(new TagResourceCommand({ Resource: arn, Tags: { [TRACE_TAG]: 'lots' } }))).rejects.toMatchObject({
      name: 'InvalidParameterValueException',
    });
  });
});

describe('the trace route behind SigV4', () => {
  const KEY = { accessKeyId: 'AKIDTRACE', secretAccessKey: 'trace-secret' };
  let secured: TestSluice;

  beforeAll(async () => {
    secured = await startTestSluice({ api: { host: '127.0.0.1', port: 0, auth: { mode: 'sigv4', keys: { [KEY.accessKeyId]: KEY.secretAccessKey } } } });
  });
  afterAll(async () => {
    await secured?.stop();
  });

  it('answers a signed read, refuses a wrong key with a clear error and an unsigned one with 403', async ({ expect }) => {
    const endpoints = { region: TEST_REGION, lambda: secured.url };
    const signed = createSluiceClient({ ...endpoints, credentials: KEY });
    const unknown = '00000000-0000-4000-8000-000000000000';
    const notFound = await signed.readTrace(unknown).catch((error: unknown) => error);
    expect(notFound).toBeInstanceOf(SluiceClientError);
    expect(notFound).toMatchObject({ status: 404, errorType: 'ResourceNotFoundException' });
    expect(await signed.readMetrics()).toContain('sluice_');

    const wrong = createSluiceClient({ ...endpoints, credentials: { ...KEY, secretAccessKey: 'not-it' } });
    const refused = await wrong.readTrace(unknown).catch((error: unknown) => error as SluiceClientError);
    expect(refused).toMatchObject({ status: 403 });
    expect((refused as Error).message).toMatch(/refused the credentials/);

    const unsigned = await fetch(`${secured.url}/sluice/v1/event-source-mappings/${unknown}/trace`);
    expect(unsigned.status).toBe(403);
  });
});
