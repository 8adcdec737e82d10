/**
 * The trace switch and the record-id rules (mappings/invocation-trace.ts): which tag values
 * turn a trace on and which are refused, and the ids the load test matches on.
 */
import { describe, expect, it } from 'vitest';
import { LambdaApiError } from '../../../src/mappings/errors.js';
import {
  checkTraceTag,
  dynamodbKeyId,
  kinesisEventId,
  MAX_TRACE_ENTRIES,
  parseTraceCapacity,
  sqsId,
  TRACE_TAG,
} from '../../../src/mappings/invocation-trace.js';

describe('the sluice:trace tag', () => {
  it('is named as the issue agreed', () => {
    expect(TRACE_TAG).toBe('sluice:trace');
  });

  it('a whole number from 1 to the maximum is a capacity', () => {
    expect(parseTraceCapacity('1')).toBe(1);
    expect(parseTraceCapacity('100000')).toBe(100_000);
    expect(parseTraceCapacity(String(MAX_TRACE_ENTRIES))).toBe(MAX_TRACE_ENTRIES);
    expect(parseTraceCapacity(' 250 ')).toBe(250);
  });

  it.each(['', '0', '-1', '1.5', '1e3', '0x10', 'abc', '012', String(MAX_TRACE_ENTRIES + 1), '99999999', 'Infinity'])('%j is no capacity', (value) => {
    expect(parseTraceCapacity(value)).toBeUndefined();
  });

  it('no tag, no trace', () => {
    expect(parseTraceCapacity(undefined)).toBeUndefined();
  });

  it('an invalid value is refused with InvalidParameterValueException; other tags are not its business', () => {
    expect(() => checkTraceTag(undefined)).not.toThrow();
    expect(() => checkTraceTag({ team: 'not-a-number' })).not.toThrow();
    expect(() => checkTraceTag({ [TRACE_TAG]: '1000' })).not.toThrow();
    for (const value of ['0', 'lots', '2000000']) {
      let thrown: unknown;
      try {
        checkTraceTag({ [TRACE_TAG]: value });
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(LambdaApiError);
      expect(thrown).toMatchObject({ type: 'InvalidParameterValueException' });
      expect((thrown as Error).message).toContain(TRACE_TAG);
    }
  });
});

describe('trace record ids', () => {
  it('SQS: the MessageId', () => {
    expect(sqsId({ messageId: '6d3c6f4e-1d1a-4c7e-9d59-0f0a6b1f7e21' })).toBe('6d3c6f4e-1d1a-4c7e-9d59-0f0a6b1f7e21');
  });

  it('Kinesis: shard and sequence number, as the event eventID', () => {
    expect(kinesisEventId('shardId-000000000001', '49590338271490256608559692538361571095921575989136588818')).toBe(
      'shardId-000000000001:49590338271490256608559692538361571095921575989136588818',
    );
  });

  it('DynamoDB: key attributes in DynamoDB JSON, names sorted whatever order they came in', () => {
    expect(dynamodbKeyId({ pk: { S: 'lt-42' } })).toBe('{"pk":{"S":"lt-42"}}');
    const a = dynamodbKeyId({ sk: { N: '7' }, pk: { S: 'lt-42' } });
    const b = dynamodbKeyId({ pk: { S: 'lt-42' }, sk: { N: '7' } });
    expect(a).toBe('{"pk":{"S":"lt-42"},"sk":{"N":"7"}}');
    expect(b).toBe(a);
    expect(dynamodbKeyId({ pk: { S: 'lt-42' } })).not.toBe(dynamodbKeyId({ pk: { S: 'lt-43' } }));
    expect(dynamodbKeyId({ id: { B: 'AAE=' } })).toBe('{"id":{"B":"AAE="}}');
  });
});
