/**
 * ListEventSourceMappings (filters, pagination, stable markers; api.md §2.1) and the
 * FunctionName forms (§4), through @aws-sdk/client-lambda.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateEventSourceMappingCommand,
  DeleteEventSourceMappingCommand,
  InvalidParameterValueException,
  ListEventSourceMappingsCommand,
  paginateListEventSourceMappings,
  UpdateEventSourceMappingCommand,
  LambdaServiceException,
  type EventSourceMappingConfiguration,
} from '@aws-sdk/client-lambda';
import { createQueue, type TestQueue } from '../support/index.js';
import { SLUICE_ACCOUNT_ID, startTestSluice, waitForState, type TestSluice } from '../support/sluice.js';

let sluice: TestSluice;
const queues: TestQueue[] = [];
beforeAll(async () => {
  sluice = await startTestSluice({
    functions: Object.fromEntries(['fn-a', 'fn-b', 'fn-c', 'my-function', 'other-function'].map((n) => [n, { http: 'http://127.0.0.1:9/' }])),
  });
});
afterAll(async () => {
  await sluice?.stop();
  await Promise.all(queues.map((q) => q.cleanup()));
});

async function newQueue(): Promise<TestQueue> {
  const queue = await createQueue();
  queues.push(queue);
  return queue;
}

const arn = (name: string, qualifier?: string) =>
  `arn:aws:lambda:us-east-1:${SLUICE_ACCOUNT_ID}:function:${name}${qualifier ? `:${qualifier}` : ''}`;

async function create(functionName: string, eventSourceArn: string): Promise<EventSourceMappingConfiguration> {
  return sluice.lambda.send(new CreateEventSourceMappingCommand({ FunctionName: functionName, EventSourceArn: eventSourceArn }));
}

describe('FunctionName forms', () => {
  const forms: [string, string][] = [
    ['my-function', arn('my-function')],
    ['my-function:live', arn('my-function', 'live')],
    ['my-function:1', arn('my-function', '1')],
    ['my-function:$LATEST', arn('my-function', '$LATEST')],
    [`${SLUICE_ACCOUNT_ID}:function:my-function`, arn('my-function')],
    ['function:my-function', arn('my-function')],
    [`us-east-1:${SLUICE_ACCOUNT_ID}:function:my-function`, arn('my-function')],
    [`${SLUICE_ACCOUNT_ID}:function:my-function:1`, arn('my-function', '1')],
    [arn('my-function'), arn('my-function')],
    [arn('my-function', 'live'), arn('my-function', 'live')],
  ];
  it.each(forms)('%s resolves to %s', async (functionName, expected) => {
    const queue = await newQueue();
    const created = await create(functionName, queue.queueArn);
    expect(created.FunctionArn).toBe(expected);
  });

  it.each([
    ['unknown-function'],
    [`arn:aws:lambda:eu-west-1:${SLUICE_ACCOUNT_ID}:function:my-function`],
    ['999999999999:function:my-function'],
    [`arn:aws-cn:lambda:us-east-1:${SLUICE_ACCOUNT_ID}:function:my-function`],
    ['a'.repeat(65)],
  ])('%s is an unknown function (V38)', async (functionName) => {
    const queue = await newQueue();
    const error = await create(functionName, queue.queueArn).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidParameterValueException);
    expect((error as Error).message).toBe('Function does not exist');
  });

  it('Update with a new FunctionName moves the mapping to that function and qualifier', async () => {
    const queue = await newQueue();
    const created = await create('my-function', queue.queueArn);
    await waitForState(sluice.lambda, created.UUID!, 'Enabled');
    const updated = await sluice.lambda.send(new UpdateEventSourceMappingCommand({ UUID: created.UUID, FunctionName: 'other-function:prod' }));
    expect(updated.FunctionArn).toBe(arn('other-function', 'prod'));
  });
});

describe('ListEventSourceMappings', () => {
  let source1: TestQueue;
  let source2: TestQueue;
  const created: EventSourceMappingConfiguration[] = [];
  beforeAll(async () => {
    source1 = await newQueue();
    source2 = await newQueue();
    created.push(await create('fn-a', source1.queueArn));
    created.push(await create('fn-b', source1.queueArn));
    created.push(await create('fn-c:v1', source1.queueArn));
    created.push(await create('fn-a', source2.queueArn));
    created.push(await create('fn-c', source2.queueArn));
  });

  const uuids = (items: EventSourceMappingConfiguration[] | undefined) => (items ?? []).map((m) => m.UUID).sort();
  const pick = (...indexes: number[]) => indexes.map((i) => created[i]!.UUID).sort();

  it('filters by EventSourceArn', async () => {
    const page = await sluice.lambda.send(new ListEventSourceMappingsCommand({ EventSourceArn: source1.queueArn }));
    expect(uuids(page.EventSourceMappings)).toEqual(pick(0, 1, 2));
    expect(page.NextMarker).toBeUndefined();
  });

  it('filters by FunctionName: unqualified matches every qualifier, qualified matches exactly', async () => {
    const unqualified = await sluice.lambda.send(new ListEventSourceMappingsCommand({ FunctionName: 'fn-c' }));
    expect(uuids(unqualified.EventSourceMappings)).toEqual(pick(2, 4));
    const qualified = await sluice.lambda.send(new ListEventSourceMappingsCommand({ FunctionName: arn('fn-c', 'v1') }));
    expect(uuids(qualified.EventSourceMappings)).toEqual(pick(2));
    const partial = await sluice.lambda.send(new ListEventSourceMappingsCommand({ FunctionName: `${SLUICE_ACCOUNT_ID}:function:fn-a` }));
    expect(uuids(partial.EventSourceMappings)).toEqual(pick(0, 3));
  });

  it('ANDs both filters, and answers [] for filters that match nothing', async () => {
    const both = await sluice.lambda.send(new ListEventSourceMappingsCommand({ FunctionName: 'fn-a', EventSourceArn: source2.queueArn }));
    expect(uuids(both.EventSourceMappings)).toEqual(pick(3));
    const none = await sluice.lambda.send(new ListEventSourceMappingsCommand({ FunctionName: 'no-such-function' }));
    expect(none.EventSourceMappings).toEqual([]);
    const foreign = await sluice.lambda.send(
      new ListEventSourceMappingsCommand({ FunctionName: 'arn:aws:lambda:eu-west-1:999999999999:function:fn-a' }),
    );
    expect(foreign.EventSourceMappings).toEqual([]);
  });

  it('items have the same keys as Get', async () => {
    const page = await sluice.lambda.send(new ListEventSourceMappingsCommand({ EventSourceArn: source2.queueArn, FunctionName: 'fn-c' }));
    const listed = await fetch(`${sluice.url}/2015-03-31/event-source-mappings/?EventSourceArn=${encodeURIComponent(source2.queueArn)}&FunctionName=fn-c`);
    const get = await fetch(`${sluice.url}/2015-03-31/event-source-mappings/${page.EventSourceMappings![0]!.UUID}`);
    const listedItem = ((await listed.json()) as { EventSourceMappings: Record<string, unknown>[] }).EventSourceMappings[0]!;
    const got = (await get.json()) as Record<string, unknown>;
    expect(Object.keys(listedItem).sort()).toEqual(Object.keys(got).sort());
  });

  it('pages with MaxItems in creation order, and markers stay valid while mappings are added and removed', async () => {
    const source = await newQueue();
    const mine: string[] = [];
    for (const fn of ['fn-a', 'fn-b', 'fn-c', 'fn-a:x', 'fn-b:y', 'fn-c:z', 'my-function']) mine.push((await create(fn, source.queueArn)).UUID!);

    const first = await sluice.lambda.send(new ListEventSourceMappingsCommand({ EventSourceArn: source.queueArn, MaxItems: 3 }));
    expect(first.EventSourceMappings!.map((m) => m.UUID)).toEqual(mine.slice(0, 3));
    expect(first.NextMarker).toBeDefined();

    // Changes between pages: remove one already returned, add one at the end.
    await waitForState(sluice.lambda, mine[0]!, 'Enabled');
    await sluice.lambda.send(new DeleteEventSourceMappingCommand({ UUID: mine[0] }));
    mine.push((await create('other-function', source.queueArn)).UUID!);

    const second = await sluice.lambda.send(
      new ListEventSourceMappingsCommand({ EventSourceArn: source.queueArn, MaxItems: 3, Marker: first.NextMarker }),
    );
    expect(second.EventSourceMappings!.map((m) => m.UUID)).toEqual(mine.slice(3, 6));
    const third = await sluice.lambda.send(
      new ListEventSourceMappingsCommand({ EventSourceArn: source.queueArn, MaxItems: 3, Marker: second.NextMarker }),
    );
    expect(third.EventSourceMappings!.map((m) => m.UUID)).toEqual(mine.slice(6, 8));
    expect(third.NextMarker).toBeUndefined();
  });

  it('the SDK paginator walks every mapping exactly once; a page holds at most 100', async () => {
    const source = await newQueue();
    const functions = Object.keys(sluice.config.functions);
    const mine = new Set<string>();
    // 105 mappings on one queue: every function with many qualifiers; disabled, so that
    // 105 pollers do not compete for the queue while the test only lists them.
    for (let i = 0; mine.size < 105; i++) {
      const created = await sluice.lambda.send(
        new CreateEventSourceMappingCommand({ FunctionName: `${functions[i % functions.length]}:q${i}`, EventSourceArn: source.queueArn, Enabled: false }),
      );
      mine.add(created.UUID!);
    }
    const big = await sluice.lambda.send(new ListEventSourceMappingsCommand({ EventSourceArn: source.queueArn, MaxItems: 1000 }));
    expect(big.EventSourceMappings).toHaveLength(100);
    expect(big.NextMarker).toBeDefined();
    const seen: string[] = [];
    for await (const page of paginateListEventSourceMappings({ client: sluice.lambda, pageSize: 40 }, { EventSourceArn: source.queueArn })) {
      seen.push(...(page.EventSourceMappings ?? []).map((m) => m.UUID!));
    }
    expect(seen).toHaveLength(105);
    expect(new Set(seen)).toEqual(mine);
  });

  it('refuses markers it did not issue (V45) and MaxItems outside 1-10000 (V16)', async () => {
    for (const marker of ['garbage', Buffer.from('v1|000000000000001:not-a-uuid').toString('base64url')]) {
      const error = await sluice.lambda.send(new ListEventSourceMappingsCommand({ Marker: marker })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidParameterValueException);
      expect((error as Error).message).toBe('Invalid Marker provided.');
    }
    const zero = await sluice.lambda.send(new ListEventSourceMappingsCommand({ MaxItems: 0 })).catch((e: unknown) => e);
    // Lambda's model has no ValidationException class: the SDK raises its service exception with that name.
    expect(zero).toBeInstanceOf(LambdaServiceException);
    expect((zero as Error).name).toBe('ValidationException');
    expect((zero as LambdaServiceException).$metadata.httpStatusCode).toBe(400);
    expect((zero as Error).message).toBe(
      "1 validation error detected: Value '0' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1",
    );
    const huge = await sluice.lambda.send(new ListEventSourceMappingsCommand({ MaxItems: 10001 })).catch((e: unknown) => e);
    expect((huge as Error).message).toBe(
      "1 validation error detected: Value '10001' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 10000",
    );
  });
});
