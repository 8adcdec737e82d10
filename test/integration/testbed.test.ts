/**
 * Proves the test bed works: every emulator answers the calls Sluice relies on, and the
 * helpers (resources with cleanup, pollUntil, recording target) behave as documented.
 *
 * Emulator quirks found while writing this (keep in mind when writing tests):
 * - fauxqs speaks the AWS JSON 1.0 protocol for SQS (what @aws-sdk/client-sqs v3 sends)
 *   and the Query protocol for SNS, on one endpoint. It builds QueueUrls from the request
 *   Host header (http://127.0.0.1:PORT/000000000000/NAME); account id is 000000000000.
 *   SNS delivers only to SQS subscriptions (no HTTP/Lambda protocols).
 * - fauxqs moves a message to the DLQ when a receive would exceed maxReceiveCount
 *   (i.e. on the (maxReceiveCount+1)-th receive), like AWS.
 * - kinesis-local needs HTTP/1.1 (the SDK default for Kinesis is HTTP/2, which breaks on
 *   large requests); streams are CREATING for CREATE_STREAM_DURATION (set to 10ms by the
 *   setup) before ACTIVE. Its TLS listener cannot be disabled (gets its own free port).
 * - DynamoDB Local stream ARNs use region "ddblocal"
 *   (arn:aws:dynamodb:ddblocal:000000000000:table/NAME/stream/TIMESTAMP), whatever the
 *   client region. It runs with -sharedDb, so any credentials/region see the same tables.
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { CreateTopicCommand, PublishCommand, SubscribeCommand, DeleteTopicCommand } from '@aws-sdk/client-sns';
import {
  GetRecordsCommand as KinesisGetRecordsCommand,
  GetShardIteratorCommand as KinesisGetShardIteratorCommand,
  PutRecordCommand,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  GetRecordsCommand as DdbGetRecordsCommand,
  GetShardIteratorCommand as DdbGetShardIteratorCommand,
  ListStreamsCommand,
} from '@aws-sdk/client-dynamodb-streams';
import {
  allocateRedisDb,
  createQueue,
  createRedis,
  createStream,
  createTableWithStream,
  dynamoDBClient,
  dynamoDBStreamsClient,
  getEndpoints,
  kinesisClient,
  pollUntil,
  sequence,
  snsClient,
  sqsClient,
  startRecordingTarget,
  uniqueName,
} from '../support/index.js';

describe('endpoints', () => {
  it('are provided to workers on loopback', () => {
    const e = getEndpoints();
    for (const url of [e.sqs, e.sns, e.kinesis, e.dynamodb, e.dynamodbStreams]) {
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    }
    expect(e.redis.host).toBe('127.0.0.1');
    expect(e.region).toBe('us-east-1');
    expect(e.credentials).toEqual({ accessKeyId: 'test', secretAccessKey: 'test' });
  });

  it('uniqueName gives valid, distinct names', () => {
    const names = new Set(Array.from({ length: 100 }, () => uniqueName('Some prefix/with:junk')));
    expect(names.size).toBe(100);
    for (const name of names) {
      expect(name).toMatch(/^[A-Za-z0-9_-]{1,60}$/);
    }
  });
});

describe('SQS (fauxqs)', () => {
  it('creates a queue, sends, receives and deletes', async () => {
    const q = await createQueue({ prefix: 'std' });
    onTestFinished(q.cleanup);
    expect(q.queueArn).toBe(`arn:aws:sqs:us-east-1:000000000000:${q.queueName}`);
    expect(q.queueUrl).toContain(q.queueName);

    const sqs = sqsClient();
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: q.queueUrl,
        MessageBody: JSON.stringify({ hello: 'world' }),
        MessageAttributes: { kind: { DataType: 'String', StringValue: 'greeting' } },
      }),
    );
    const received = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: q.queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
      }),
    );
    expect(received.Messages).toHaveLength(1);
    const [message] = received.Messages!;
    expect(JSON.parse(message!.Body!)).toEqual({ hello: 'world' });
    expect(message!.MessageAttributes?.kind?.StringValue).toBe('greeting');
    expect(message!.Attributes?.ApproximateReceiveCount).toBe('1');
    expect(message!.Attributes?.SentTimestamp).toMatch(/^\d+$/);
    await sqs.send(new DeleteMessageCommand({ QueueUrl: q.queueUrl, ReceiptHandle: message!.ReceiptHandle! }));

    const empty = await sqs.send(new ReceiveMessageCommand({ QueueUrl: q.queueUrl, WaitTimeSeconds: 0 }));
    expect(empty.Messages ?? []).toHaveLength(0);

    // cleanup is idempotent
    await q.cleanup();
    await q.cleanup();
  });

  it('keeps FIFO order within a message group', async () => {
    const q = await createQueue({ prefix: 'fifo', fifo: true, contentBasedDeduplication: true });
    onTestFinished(q.cleanup);
    expect(q.queueName.endsWith('.fifo')).toBe(true);

    const sqs = sqsClient();
    for (let i = 0; i < 5; i++) {
      await sqs.send(new SendMessageCommand({ QueueUrl: q.queueUrl, MessageBody: `m${i}`, MessageGroupId: 'g1' }));
    }
    const bodies: string[] = [];
    await pollUntil(
      async () => {
        const r = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: q.queueUrl,
            MaxNumberOfMessages: 10,
            MessageSystemAttributeNames: ['All'],
          }),
        );
        for (const m of r.Messages ?? []) {
          expect(m.Attributes?.MessageGroupId).toBe('g1');
          expect(m.Attributes?.SequenceNumber).toBeDefined();
          bodies.push(m.Body!);
          await sqs.send(new DeleteMessageCommand({ QueueUrl: q.queueUrl, ReceiptHandle: m.ReceiptHandle! }));
        }
        return bodies.length >= 5;
      },
      { timeoutMs: 5000, description: 'all FIFO messages' },
    );
    expect(bodies).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
  });

  it('moves a message to the dead-letter queue after maxReceiveCount', async () => {
    const dlq = await createQueue({ prefix: 'dlq' });
    onTestFinished(dlq.cleanup);
    const q = await createQueue({
      prefix: 'src',
      redrivePolicy: { deadLetterTargetArn: dlq.queueArn, maxReceiveCount: 1 },
    });
    onTestFinished(q.cleanup);

    const sqs = sqsClient();
    const attrs = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: q.queueUrl, AttributeNames: ['RedrivePolicy'] }),
    );
    // fauxqs echoes maxReceiveCount as sent (createQueue sends a string); AWS may return a number.
    const redrive = JSON.parse(attrs.Attributes!.RedrivePolicy!) as { deadLetterTargetArn: string; maxReceiveCount: unknown };
    expect(redrive.deadLetterTargetArn).toBe(dlq.queueArn);
    expect(Number(redrive.maxReceiveCount)).toBe(1);

    await sqs.send(new SendMessageCommand({ QueueUrl: q.queueUrl, MessageBody: 'poison' }));
    const first = await sqs.send(new ReceiveMessageCommand({ QueueUrl: q.queueUrl, WaitTimeSeconds: 1 }));
    expect(first.Messages).toHaveLength(1);
    // Make it visible again at once instead of waiting out the visibility timeout.
    await sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: q.queueUrl,
        ReceiptHandle: first.Messages![0]!.ReceiptHandle!,
        VisibilityTimeout: 0,
      }),
    );
    // The next receive exceeds maxReceiveCount: the message goes to the DLQ instead.
    const second = await sqs.send(new ReceiveMessageCommand({ QueueUrl: q.queueUrl, WaitTimeSeconds: 0 }));
    expect(second.Messages ?? []).toHaveLength(0);

    const moved = await pollUntil(
      async () => (await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlq.queueUrl, WaitTimeSeconds: 0 }))).Messages?.[0],
      { timeoutMs: 5000, description: 'message on the DLQ' },
    );
    expect(moved.Body).toBe('poison');
  });
});

describe('SNS (fauxqs)', () => {
  it('fans a publish out to an SQS subscription', async () => {
    const q = await createQueue({ prefix: 'sub' });
    onTestFinished(q.cleanup);
    const sns = snsClient();
    const topic = await sns.send(new CreateTopicCommand({ Name: uniqueName('topic') }));
    onTestFinished(async () => {
      await sns.send(new DeleteTopicCommand({ TopicArn: topic.TopicArn! }));
    });
    expect(topic.TopicArn).toMatch(/^arn:aws:sns:us-east-1:000000000000:/);
    await sns.send(new SubscribeCommand({ TopicArn: topic.TopicArn!, Protocol: 'sqs', Endpoint: q.queueArn }));
    await sns.send(new PublishCommand({ TopicArn: topic.TopicArn!, Message: '{"failed":true}' }));

    const message = await pollUntil(
      async () => (await sqsClient().send(new ReceiveMessageCommand({ QueueUrl: q.queueUrl }))).Messages?.[0],
      { timeoutMs: 5000, description: 'SNS notification on the queue' },
    );
    const envelope = JSON.parse(message.Body!) as { Type: string; TopicArn: string; Message: string };
    expect(envelope.Type).toBe('Notification');
    expect(envelope.TopicArn).toBe(topic.TopicArn);
    expect(JSON.parse(envelope.Message)).toEqual({ failed: true });
  });
});

describe('Kinesis (kinesis-local)', () => {
  it('creates a 2-shard stream, puts and gets records', async () => {
    const stream = await createStream({ prefix: 'ks', shardCount: 2 });
    onTestFinished(stream.cleanup);
    expect(stream.shardIds).toHaveLength(2);
    expect(stream.streamArn).toBe(`arn:aws:kinesis:us-east-1:000000000000:stream/${stream.streamName}`);

    const kinesis = kinesisClient();
    const put = await kinesis.send(
      new PutRecordCommand({
        StreamName: stream.streamName,
        PartitionKey: 'pk-1',
        Data: Buffer.from(JSON.stringify({ n: 1 })),
      }),
    );
    expect(stream.shardIds).toContain(put.ShardId);

    const iterator = await kinesis.send(
      new KinesisGetShardIteratorCommand({
        StreamName: stream.streamName,
        ShardId: put.ShardId!,
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    const records = await kinesis.send(new KinesisGetRecordsCommand({ ShardIterator: iterator.ShardIterator! }));
    expect(records.Records).toHaveLength(1);
    const [record] = records.Records!;
    expect(record!.SequenceNumber).toBe(put.SequenceNumber);
    expect(record!.PartitionKey).toBe('pk-1');
    expect(JSON.parse(Buffer.from(record!.Data!).toString('utf8'))).toEqual({ n: 1 });
    expect(record!.ApproximateArrivalTimestamp).toBeInstanceOf(Date);
  });

  it('accepts a ~1 MB PutRecords over the HTTP/1.1 handler', async () => {
    const stream = await createStream({ prefix: 'big', shardCount: 2 });
    onTestFinished(stream.cleanup);
    const payload = Buffer.alloc(1900, 'x');
    const entries = Array.from({ length: 500 }, (_, i) => ({ PartitionKey: `k${i}`, Data: payload }));
    const result = await kinesisClient().send(new PutRecordsCommand({ StreamName: stream.streamName, Records: entries }));
    expect(result.FailedRecordCount ?? 0).toBe(0);
    expect(result.Records).toHaveLength(500);
  });
});

describe('DynamoDB + DynamoDB Streams (DynamoDB Local)', () => {
  it('creates a table with a stream and reads the INSERT record', async () => {
    const table = await createTableWithStream({ prefix: 'tbl' });
    onTestFinished(table.cleanup);
    expect(table.streamArn).toMatch(
      new RegExp(`^arn:aws:dynamodb:ddblocal:000000000000:table/${table.tableName}/stream/`),
    );

    await dynamoDBClient().send(
      new PutItemCommand({
        TableName: table.tableName,
        Item: { pk: { S: 'item-1' }, count: { N: '7' } },
      }),
    );

    const streams = dynamoDBStreamsClient();
    const listed = await streams.send(new ListStreamsCommand({ TableName: table.tableName }));
    expect(listed.Streams?.map((s) => s.StreamArn)).toContain(table.streamArn);

    const described = await streams.send(new DescribeStreamCommand({ StreamArn: table.streamArn }));
    expect(described.StreamDescription?.StreamViewType).toBe('NEW_AND_OLD_IMAGES');
    expect(described.StreamDescription?.StreamStatus).toBe('ENABLED');
    const shards = described.StreamDescription?.Shards ?? [];
    expect(shards.length).toBeGreaterThanOrEqual(1);

    const records = await pollUntil(
      async () => {
        const all = [];
        for (const shard of shards) {
          const it = await streams.send(
            new DdbGetShardIteratorCommand({
              StreamArn: table.streamArn,
              ShardId: shard.ShardId!,
              ShardIteratorType: 'TRIM_HORIZON',
            }),
          );
          const page = await streams.send(new DdbGetRecordsCommand({ ShardIterator: it.ShardIterator! }));
          all.push(...(page.Records ?? []));
        }
        return all.length > 0 ? all : undefined;
      },
      { timeoutMs: 5000, description: 'the INSERT stream record' },
    );
    expect(records).toHaveLength(1);
    const [record] = records;
    expect(record!.eventName).toBe('INSERT');
    expect(record!.eventSource).toBe('aws:dynamodb');
    expect(record!.dynamodb?.Keys).toEqual({ pk: { S: 'item-1' } });
    expect(record!.dynamodb?.NewImage).toEqual({ pk: { S: 'item-1' }, count: { N: '7' } });
    expect(record!.dynamodb?.StreamViewType).toBe('NEW_AND_OLD_IMAGES');
    expect(record!.dynamodb?.SequenceNumber).toMatch(/^\d+$/);
  });
});

describe('Redis', () => {
  it('answers PING and hands out isolated databases', async () => {
    const db1 = await allocateRedisDb();
    const db2 = await allocateRedisDb();
    expect(db1).not.toBe(db2);
    const a = createRedis({ db: db1 });
    const b = createRedis({ db: db2 });
    onTestFinished(async () => {
      await a.quit();
      await b.quit();
    });
    expect(await a.ping()).toBe('PONG');
    await a.set('k', 'in-a');
    expect(await b.get('k')).toBeNull();
    expect(await a.config('GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'noeviction']);
    expect(await a.config('GET', 'appendonly')).toEqual(['appendonly', 'no']);
  });
});

describe('pollUntil', () => {
  it('resolves with the first truthy value', async () => {
    let n = 0;
    await expect(pollUntil(() => (++n >= 3 ? { n } : undefined), { intervalMs: 1 })).resolves.toEqual({ n: 3 });
  });

  it('fails with a helpful message', async () => {
    await expect(
      pollUntil(() => ({ ready: false }).ready, { timeoutMs: 50, intervalMs: 10, description: 'the thing' }),
    ).rejects.toThrow(/timed out after \d+ms \(\d+ attempts\) waiting for the thing; last value: false/);
    await expect(
      pollUntil(
        () => {
          throw new Error('not yet');
        },
        { timeoutMs: 30, intervalMs: 10 },
      ),
    ).rejects.toThrow(/last attempt threw: Error: not yet/);
  });
});

describe('recording target', () => {
  const post = (url: string, body?: unknown, signal?: AbortSignal) =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-test': 'yes' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });

  it('records requests and answers 200 with an empty body by default', async () => {
    const target = await startRecordingTarget();
    onTestFinished(() => target.close());
    const res = await post(`${target.url}/invoke/fn?x=1`, { records: [1, 2] });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
    const [req] = await target.waitForRequests(1, 1000);
    expect(req).toMatchObject({
      index: 0,
      method: 'POST',
      path: '/invoke/fn',
      url: '/invoke/fn?x=1',
      query: { x: '1' },
      body: { records: [1, 2] },
      clientAborted: false,
    });
    expect(req!.headers['x-test']).toBe('yes');
    expect(req!.receivedAt).toBeLessThanOrEqual(Date.now());
  });

  it('answers with JSON, errors, delays and sequences', async () => {
    const target = await startRecordingTarget();
    onTestFinished(() => target.close());

    target.respondWith({ json: { batchItemFailures: [{ itemIdentifier: 'a' }] } });
    let res = await post(target.url, {});
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toEqual({ batchItemFailures: [{ itemIdentifier: 'a' }] });

    target.respondWith({ status: 502, json: { errorMessage: 'boom' } });
    res = await post(target.url, {});
    expect(res.status).toBe(502);
    expect(await res.json()).toEqual({ errorMessage: 'boom' });

    target.respondWith({ delayMs: 300, body: 'slow' });
    const started = Date.now();
    res = await post(target.url, {});
    expect(await res.text()).toBe('slow');
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);

    target.clearRequests();
    target.respondWith((req, i) => (i < 2 ? { status: 500, json: { attempt: i } } : { json: { echo: req.body } }));
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await post(target.url, { i })).status);
    expect(statuses).toEqual([500, 500, 200]);
    expect(target.requests.map((r) => r.index)).toEqual([0, 1, 2]);

    target.clearRequests();
    target.respondWith(sequence({ status: 429 }, {}));
    const seq = [];
    for (let i = 0; i < 3; i++) seq.push((await post(target.url)).status);
    expect(seq).toEqual([429, 200, 200]);
  });

  it('marks requests whose client gave up during a delay, and reports missing requests', async () => {
    const target = await startRecordingTarget({ delayMs: 5000 });
    onTestFinished(() => target.close());
    await expect(post(target.url, {}, AbortSignal.timeout(100))).rejects.toThrow();
    await pollUntil(() => target.requests[0]?.clientAborted, { timeoutMs: 2000, description: 'abort noticed' });

    await expect(target.waitForRequests(2, 50)).rejects.toThrow(/expected 2 request\(s\) within 50ms, got 1/);
    // close() does not wait for the pending delay
    const t0 = Date.now();
    await target.close();
    expect(Date.now() - t0).toBeLessThan(1000);
  });
});
