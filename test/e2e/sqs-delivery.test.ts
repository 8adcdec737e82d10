/**
 * SQS mappings deliver: records reach an http target with Lambda's exact shape, and a
 * success deletes them (sqs.md §5, §6). Real fauxqs, real Redis, through the API.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { CreateEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import { createQueue, pollUntil, startRecordingTarget, type RecordingTarget } from '../support/index.js';
import { startTestSluice, type TestSluice } from '../support/sluice.js';
import { queueIsEmpty, sendMessages } from '../support/sqs-helpers.js';

let target: RecordingTarget;
let sluice: TestSluice;
beforeAll(async () => {
  target = await startRecordingTarget();
  sluice = await startTestSluice({ functions: { echo: { http: target.url, timeout: 3 } } });
});
afterAll(async () => {
  await sluice?.stop();
  await target?.close();
});

type SqsRecord = Record<string, unknown> & { body: string; attributes: Record<string, string>; messageAttributes: Record<string, unknown> };
const recordsOf = (queueArn: string): SqsRecord[] =>
  target.requests.flatMap((r) => ((r.body as { Records?: SqsRecord[] })?.Records ?? []).filter((rec) => rec.eventSourceARN === queueArn));

describe('SQS delivery', () => {
  it('delivers every message with Lambda record shape and deletes it', async () => {
    const queue = await createQueue();
    onTestFinished(queue.cleanup);
    await sluice.lambda.send(new CreateEventSourceMappingCommand({ FunctionName: 'echo', EventSourceArn: queue.queueArn }));
    // fauxqs refuses characters above U+FFFF (real SQS accepts them), so BMP text only.
    const bodies = ['plain text', '{"foo":  "bar" ,"n":1}', 'ünïcødé ✓ 中文', ' spaced \n lines '];
    await sendMessages(queue.queueUrl, bodies);
    await sendMessages(queue.queueUrl, [
      {
        MessageBody: 'with attributes',
        MessageAttributes: {
          Author: { DataType: 'String', StringValue: 'John Grisham' },
          WeeksOn: { DataType: 'Number', StringValue: '6' },
          Raw: { DataType: 'Binary', BinaryValue: Uint8Array.from([1, 2, 3]) },
        },
      },
    ]);
    const records = await pollUntil(() => (recordsOf(queue.queueArn).length >= 5 ? recordsOf(queue.queueArn) : undefined), {
      description: '5 records delivered',
    });
    expect(records.map((r) => r.body).sort()).toEqual([...bodies, 'with attributes'].sort());
    for (const record of records) {
      // Every key, always (md5OfMessageAttributes null without attributes), in AWS's order.
      expect(Object.keys(record)).toEqual([
        'messageId', 'receiptHandle', 'body', 'attributes', 'messageAttributes', 'md5OfMessageAttributes', 'md5OfBody', 'eventSource', 'eventSourceARN', 'awsRegion',
      ]);
      expect(record.md5OfBody).toBe(createHash('md5').update(record.body, 'utf8').digest('hex'));
      expect(record).toMatchObject({ eventSource: 'aws:sqs', eventSourceARN: queue.queueArn, awsRegion: 'us-east-1' });
      expect(record.attributes).toMatchObject({ ApproximateReceiveCount: '1' });
      expect(Object.keys(record.attributes)).toEqual(expect.arrayContaining(['SentTimestamp', 'SenderId', 'ApproximateFirstReceiveTimestamp']));
    }
    const withAttributes = records.find((r) => r.body === 'with attributes')!;
    expect(withAttributes.messageAttributes).toEqual({
      Author: { stringValue: 'John Grisham', stringListValues: [], binaryListValues: [], dataType: 'String' },
      WeeksOn: { stringValue: '6', stringListValues: [], binaryListValues: [], dataType: 'Number' },
      Raw: { binaryValue: 'AQID', stringListValues: [], binaryListValues: [], dataType: 'Binary' },
    });
    expect(withAttributes.md5OfMessageAttributes).toMatch(/^[0-9a-f]{32}$/);
    expect(records.find((r) => r.body === 'plain text')).toMatchObject({ messageAttributes: {}, md5OfMessageAttributes: null });
    await pollUntil(() => queueIsEmpty(queue.queueUrl), { description: 'queue empty' });
  });
});
