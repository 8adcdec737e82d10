/** The events `sluice invoke` builds (issue #15): the shape a mapping delivers, per source. */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sampleEvent } from '../../../src/dev/sample-event.js';

const context = { region: 'eu-west-1', accountId: '123456789012', now: Date.UTC(2026, 11, 6, 12) };

describe('sampleEvent', () => {
  it('sqs: one record with the body untouched, its md5, the receive attributes, and its messageId as the record id', () => {
    const { event, recordId } = sampleEvent('sqs', '{"order":1}', context);
    const [record] = event.Records as Array<Record<string, unknown>>;
    expect(record).toMatchObject({
      messageId: recordId,
      body: '{"order":1}',
      md5OfBody: createHash('md5').update('{"order":1}').digest('hex'),
      md5OfMessageAttributes: null,
      attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(context.now) },
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:eu-west-1:123456789012:sluice-invoke',
      awsRegion: 'eu-west-1',
    });
    expect(Object.keys(record!)).toEqual(['messageId', 'receiptHandle', 'body', 'attributes', 'messageAttributes', 'md5OfMessageAttributes', 'md5OfBody', 'eventSource', 'eventSourceARN', 'awsRegion']);
  });

  it('kinesis: data in base64, eventID shard:sequence, the sequence number as the record id', () => {
    const { event, recordId } = sampleEvent('kinesis', 'hello', context);
    const [record] = event.Records as Array<{ kinesis: Record<string, unknown>; eventID: string; eventSourceARN: string }>;
    expect(Buffer.from(record!.kinesis.data as string, 'base64').toString()).toBe('hello');
    expect(record!.kinesis.sequenceNumber).toBe(recordId);
    expect(recordId).toMatch(/^\d{21}$/);
    expect(record!.kinesis.approximateArrivalTimestamp).toBe(context.now / 1000);
    expect(record!.eventID).toBe(`shardId-000000000000:${recordId}`);
    expect(record!.eventSourceARN).toBe('arn:aws:kinesis:eu-west-1:123456789012:stream/sluice-invoke');
  });

  it('dynamodb: an INSERT with the item as NewImage, its key (first attribute, or the ones named)', () => {
    const item = '{"pk":{"S":"o-1"},"sk":{"N":"2"},"total":{"N":"42"}}';
    const first = sampleEvent('dynamodb', item, context).event.Records[0] as { eventName: string; dynamodb: Record<string, unknown> };
    expect(first.eventName).toBe('INSERT');
    expect(first.dynamodb).toMatchObject({ Keys: { pk: { S: 'o-1' } }, NewImage: JSON.parse(item) as unknown, StreamViewType: 'NEW_AND_OLD_IMAGES' });
    const named = sampleEvent('dynamodb', item, context, ['pk', 'sk']).event.Records[0] as { dynamodb: { Keys: unknown } };
    expect(named.dynamodb.Keys).toEqual({ pk: { S: 'o-1' }, sk: { N: '2' } });
    expect(() => sampleEvent('dynamodb', item, context, ['id'])).toThrow('the item has no key attribute id');
    expect(() => sampleEvent('dynamodb', '{"pk":"plain"}', context)).toThrow(/typed DynamoDB JSON/);
  });
});
