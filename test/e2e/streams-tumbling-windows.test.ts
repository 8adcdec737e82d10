/**
 * Tumbling windows end to end (streams.md §15): records grouped by epoch-aligned windows of
 * their arrival time, a batch never spanning two windows, the state returned by one
 * invocation handed to the next of the same window, a final invocation with no records
 * once the window is over, the state saved with the checkpoint, and a response without a
 * state retried like a function error.
 */
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { Redis } from 'ioredis';
import { createRedis, createStream, createTableWithStream, dynamoDBClient, pollUntil, type RecordedRequest } from '../support/index.js';
import { createMapping } from '../support/sqs-e2e.js';
import { putKinesis, useStreamTestbed, streamRecordsIn } from '../support/streams-e2e.js';

const bed = useStreamTestbed('fn');
let redis: Redis;
beforeAll(() => {
  redis = createRedis({ db: bed.db });
});
afterAll(() => redis?.disconnect());

interface WindowEvent {
  Records: { kinesis?: { approximateArrivalTimestamp: number }; dynamodb?: { ApproximateCreationDateTime: number } }[];
  window: { start: string; end: string };
  state: Record<string, number>;
  shardId: string;
  eventSourceARN: string;
  isFinalInvokeForWindow: boolean;
  isWindowTerminatedEarly: boolean;
}

const eventOf = (request: RecordedRequest) => request.body as WindowEvent;

/** A function counting records per window: returns `{ state: { count } }`, the running total. */
const counting = (request: RecordedRequest) => {
  const event = eventOf(request);
  return { json: { state: { count: (event.state.count ?? 0) + event.Records.length } } };
};

/** The invocations grouped by window start, in arrival order. */
function byWindow(invocations: readonly RecordedRequest[]): Map<string, WindowEvent[]> {
  const windows = new Map<string, WindowEvent[]>();
  for (const request of invocations) {
    const event = eventOf(request);
    windows.set(event.window.start, [...(windows.get(event.window.start) ?? []), event]);
  }
  return windows;
}

describe.concurrent('tumbling windows', () => {
  it('Kinesis: per window, state {} first, then each state returned; batches within one window; a final invocation with the total; every record once', async ({
    expect,
    onTestFinished,
  }) => {
    const stream = await createStream({ shardCount: 1 });
    onTestFinished(stream.cleanup);
    bed.router.on(stream.streamArn, counting);
    const uuid = await createMapping(bed.sluice.lambda, {
      FunctionName: 'fn',
      EventSourceArn: stream.streamArn,
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 2,
      TumblingWindowInSeconds: 2,
    });
    // Records over about three seconds: two windows at least.
    const written = [];
    for (let i = 0; i < 7; i++) {
      written.push(...(await putKinesis(stream.streamName, [{ key: `k${i}`, data: `r${i}` }])));
      await new Promise((resolve) => setTimeout(resolve, 450));
    }
    // Every window seen gets its final invocation once it is over.
    const invocations = await pollUntil(
      () => {
        const all = bed.router.invocations(stream.streamArn);
        const windows = byWindow(all);
        const records = all.reduce((n, r) => n + eventOf(r).Records.length, 0);
        return records === written.length && [...windows.values()].every((events) => events.at(-1)!.isFinalInvokeForWindow) && all.every((r) => r.respondedAt)
          ? all
          : undefined;
      },
      { description: 'every record, and every window closed by its final invocation', timeoutMs: 20_000 },
    );
    const windows = byWindow(invocations);
    expect(windows.size).toBeGreaterThanOrEqual(2);
    let total = 0;
    for (const [start, events] of windows) {
      const startMs = Date.parse(start);
      const endMs = Date.parse(events[0]!.window.end);
      expect(start).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      expect(endMs - startMs).toBe(2000);
      expect(startMs % 2000).toBe(0);
      expect(events[0]!.state).toEqual({});
      let count = 0;
      for (const [i, event] of events.entries()) {
        expect(event.shardId).toBe(stream.shardIds[0]);
        expect(event.eventSourceARN).toBe(stream.streamArn);
        expect(event.isWindowTerminatedEarly).toBe(false);
        expect(event.state, `${start} #${i}`).toEqual(i === 0 ? {} : { count });
        const final = i === events.length - 1;
        expect(event.isFinalInvokeForWindow).toBe(final);
        if (final) {
          expect(event.Records).toEqual([]);
          continue;
        }
        expect(event.Records.length).toBeGreaterThanOrEqual(1);
        expect(event.Records.length).toBeLessThanOrEqual(2);
        // Every record of the batch arrived within the window.
        for (const record of event.Records) {
          const arrival = record.kinesis!.approximateArrivalTimestamp * 1000;
          expect(arrival).toBeGreaterThanOrEqual(startMs);
          expect(arrival).toBeLessThan(endMs);
        }
        count += event.Records.length;
      }
      total += count;
    }
    expect(total).toBe(written.length);
    // The final invocation comes only once the window's end has passed.
    for (const request of invocations.filter((r) => eventOf(r).isFinalInvokeForWindow)) {
      expect(request.receivedAt).toBeGreaterThanOrEqual(Date.parse(eventOf(request).window.end));
    }
    // Closed windows leave no state behind (deleted once the final invocation's answer is
    // in); the checkpoint is at the last record.
    await pollUntil(async () => Object.keys(await redis.hgetall(`sluice:esm:${uuid}:windows`)).length === 0 || undefined, {
      description: 'no window state left',
    });
    expect(await redis.hget(`sluice:esm:${uuid}:checkpoints`, stream.shardIds[0]!)).toBe(written.at(-1)!.sequenceNumber);
  });

  it('the state is saved with the checkpoint while the window is open; a response without a state is retried and the state kept', async ({ expect, onTestFinished }) => {
    const stream = await createStream({ shardCount: 1 });
    onTestFinished(stream.cleanup);
    let refused = 0;
    bed.router.on(stream.streamArn, (request) => {
      const event = eventOf(request);
      // The first invocation carrying r1 answers without a state: a failed invocation (§15).
      if (event.Records.length > 0 && refused === 0 && JSON.stringify(event.Records).includes(Buffer.from('r1').toString('base64'))) {
        refused++;
        return { json: { batchItemFailures: [] } };
      }
      return counting(request);
    });
    const uuid = await createMapping(bed.sluice.lambda, {
      FunctionName: 'fn',
      EventSourceArn: stream.streamArn,
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 1,
      TumblingWindowInSeconds: 30,
    });
    // Two records in the same 30 s window (put right after a window starts, so both fit).
    const now = Date.now();
    const untilNextWindow = 30_000 - (now % 30_000);
    if (untilNextWindow < 3000) await new Promise((resolve) => setTimeout(resolve, untilNextWindow + 100));
    const written = await putKinesis(stream.streamName, [
      { key: 'a', data: 'r0' },
      { key: 'a', data: 'r1' },
    ]);
    const saved = await pollUntil(
      async () => {
        // Both in one MULTI: they are written together, and two reads could straddle that write.
        const [[, json], [, checkpoint]] = (await redis
          .multi()
          .hget(`sluice:esm:${uuid}:windows`, stream.shardIds[0]!)
          .hget(`sluice:esm:${uuid}:checkpoints`, stream.shardIds[0]!)
          .exec()) as [[Error | null, string | null], [Error | null, string | null]];
        return json && checkpoint === written[1]!.sequenceNumber ? (JSON.parse(json) as { state: unknown; startMs: number; instance: number }) : undefined;
      },
      { description: 'window state saved with the checkpoint at r1', timeoutMs: 15_000 },
    );
    expect(saved.state).toEqual({ count: 2 });
    expect(saved.instance).toBe(1);
    const events = bed.router.invocations(stream.streamArn).map(eventOf);
    // r0 with {}, r1 refused (no state) with {count: 1}, r1 again with {count: 1}.
    expect(events.map((e) => [e.Records.length, e.state])).toEqual([
      [1, {}],
      [1, { count: 1 }],
      [1, { count: 1 }],
    ]);
  });

  it('DynamoDB: changes grouped by window, the state carried between invocations, then the final invocation', async ({ expect, onTestFinished }) => {
    const table = await createTableWithStream();
    onTestFinished(table.cleanup);
    bed.router.on(table.streamArn, counting);
    await createMapping(bed.sluice.lambda, {
      FunctionName: 'fn',
      EventSourceArn: table.streamArn,
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 2,
      TumblingWindowInSeconds: 1,
    });
    for (let i = 0; i < 5; i++) await dynamoDBClient().send(new PutItemCommand({ TableName: table.tableName, Item: { pk: { S: `item-${i}` } } }));
    const invocations = await pollUntil(
      () => {
        const all = bed.router.invocations(table.streamArn);
        const records = all.reduce((n, r) => n + eventOf(r).Records.length, 0);
        return records === 5 && all.at(-1) && eventOf(all.at(-1)!).isFinalInvokeForWindow && all.every((r) => r.respondedAt) ? all : undefined;
      },
      { description: 'five changes and a final invocation', timeoutMs: 20_000 },
    );
    for (const events of byWindow(invocations).values()) {
      let count = 0;
      for (const [i, event] of events.entries()) {
        expect(event.state).toEqual(i === 0 ? {} : { count });
        count += event.Records.length;
      }
      expect(events.at(-1)!.isFinalInvokeForWindow).toBe(true);
      expect(streamRecordsIn(invocations[0]!).length).toBeGreaterThan(0);
    }
  });
});
