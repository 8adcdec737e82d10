/**
 * Event source ARNs (api.md §5, V7, V19): what each kind parses to, and the malformed ARNs
 * that must not parse (each one differs from a valid ARN by one part).
 */
import { describe, expect, it } from 'vitest';
import { isStreamSource, matchesEventSourceArnPattern, parseEventSourceArn } from '../../../src/mappings/event-source-arn.js';

describe('parseEventSourceArn', () => {
  it('an SQS queue: name, region, account; fifo from the .fifo suffix', () => {
    expect(parseEventSourceArn('arn:aws:sqs:us-east-1:123456789012:orders')).toEqual({
      arn: 'arn:aws:sqs:us-east-1:123456789012:orders',
      type: 'sqs',
      region: 'us-east-1',
      account: '123456789012',
      name: 'orders',
      fifo: false,
    });
    expect(parseEventSourceArn('arn:aws:sqs:eu-west-1:123456789012:orders.fifo')).toMatchObject({ type: 'sqs', name: 'orders.fifo', fifo: true });
  });

  it('queue names: 80 characters pass, 81 fail; a .fifo name counts its suffix', () => {
    const arn = (name: string) => `arn:aws:sqs:us-east-1:123456789012:${name}`;
    expect(parseEventSourceArn(arn('q'.repeat(80)))?.name).toBe('q'.repeat(80));
    expect(parseEventSourceArn(arn('q'.repeat(81)))).toBeUndefined();
    expect(parseEventSourceArn(arn(`${'q'.repeat(75)}.fifo`))?.fifo).toBe(true);
    expect(parseEventSourceArn(arn(`${'q'.repeat(76)}.fifo`))).toBeUndefined();
    expect(parseEventSourceArn(arn('a.b'))).toBeUndefined();
    expect(parseEventSourceArn(arn('a/b'))).toBeUndefined();
  });

  it('a Kinesis stream, and a consumer with the parent stream ARN Sluice reads', () => {
    expect(parseEventSourceArn('arn:aws:kinesis:us-east-1:123456789012:stream/clicks')).toEqual({
      arn: 'arn:aws:kinesis:us-east-1:123456789012:stream/clicks',
      type: 'kinesis',
      region: 'us-east-1',
      account: '123456789012',
      name: 'clicks',
    });
    expect(parseEventSourceArn('arn:aws-cn:kinesis:cn-north-1:123456789012:stream/clicks/consumer/app:1700000000')).toEqual({
      arn: 'arn:aws-cn:kinesis:cn-north-1:123456789012:stream/clicks/consumer/app:1700000000',
      type: 'kinesis',
      region: 'cn-north-1',
      account: '123456789012',
      name: 'clicks',
      consumerName: 'app',
      streamArn: 'arn:aws-cn:kinesis:cn-north-1:123456789012:stream/clicks',
    });
  });

  it('stream names: 128 characters pass, 129 fail', () => {
    expect(parseEventSourceArn(`arn:aws:kinesis:us-east-1:123456789012:stream/${'s'.repeat(128)}`)?.name).toHaveLength(128);
    expect(parseEventSourceArn(`arn:aws:kinesis:us-east-1:123456789012:stream/${'s'.repeat(129)}`)).toBeUndefined();
  });

  it('a DynamoDB stream, in an emulator region too; the table name is the name', () => {
    expect(parseEventSourceArn('arn:aws:dynamodb:ddblocal:000000000000:table/Orders/stream/2024-01-01T00:00:00.000')).toEqual({
      arn: 'arn:aws:dynamodb:ddblocal:000000000000:table/Orders/stream/2024-01-01T00:00:00.000',
      type: 'dynamodb',
      region: 'ddblocal',
      account: '000000000000',
      name: 'Orders',
    });
  });

  it('table names: 3 characters pass, 2 fail', () => {
    expect(parseEventSourceArn('arn:aws:dynamodb:us-east-1:123456789012:table/abc/stream/x')?.name).toBe('abc');
    expect(parseEventSourceArn('arn:aws:dynamodb:us-east-1:123456789012:table/ab/stream/x')).toBeUndefined();
  });

  it.each([
    ['no arn prefix', 'aws:sqs:us-east-1:123456789012:q'],
    ['text before arn', 'xarn:aws:sqs:us-east-1:123456789012:q'],
    ['a partition that is not aws*', 'arn:azure:sqs:us-east-1:123456789012:q'],
    ['an 11-digit account', 'arn:aws:sqs:us-east-1:12345678901:q'],
    ['a 13-digit account', 'arn:aws:sqs:us-east-1:1234567890123:q'],
    ['no region', 'arn:aws:sqs::123456789012:q'],
    ['no resource', 'arn:aws:sqs:us-east-1:123456789012:'],
    ['an upper-case service', 'arn:aws:SQS:us-east-1:123456789012:q'],
    ['another service', 'arn:aws:sns:us-east-1:123456789012:topic'],
    ['another service with a DynamoDB-shaped resource', 'arn:aws:sns:us-east-1:123456789012:table/Orders/stream/x'],
    ['a Kinesis ARN without stream/', 'arn:aws:kinesis:us-east-1:123456789012:clicks'],
    ['a Kinesis consumer without its timestamp', 'arn:aws:kinesis:us-east-1:123456789012:stream/clicks/consumer/app'],
    ['a Kinesis consumer with a non-numeric timestamp', 'arn:aws:kinesis:us-east-1:123456789012:stream/clicks/consumer/app:abc'],
    ['a Kinesis stream ARN with a trailing part', 'arn:aws:kinesis:us-east-1:123456789012:stream/clicks/extra'],
    ['a DynamoDB table without its stream', 'arn:aws:dynamodb:us-east-1:123456789012:table/Orders'],
    ['a DynamoDB stream label with a slash', 'arn:aws:dynamodb:us-east-1:123456789012:table/Orders/stream/a/b'],
    ['a DynamoDB index', 'arn:aws:dynamodb:us-east-1:123456789012:table/Orders/index/byDate'],
  ])('%s does not parse', (_label, arn) => {
    expect(parseEventSourceArn(arn)).toBeUndefined();
  });
});

describe('matchesEventSourceArnPattern (V7)', () => {
  it.each([
    'arn:aws:sqs:us-east-1:123456789012:q',
    'arn:aws-us-gov:kinesis:us-gov-west-1:123456789012:stream/s',
    'arn:aws:dynamodb:ddblocal:000000000000:table/t/stream/x',
    'arn:aws:kafka:::anything:goes',
    'arn:aws:sqs:us-east-1::q\nline',
  ])('%s matches', (arn) => {
    expect(matchesEventSourceArnPattern(arn)).toBe(true);
  });

  it.each([
    'arn:aws:sqs:us-east-1:123456789012',
    'arn:aws:sqs:US-EAST-1:123456789012:q',
    'arn:aws:sqs:us-east-1:1234:q',
    'arn:gcp:sqs:us-east-1:123456789012:q',
    'arn:aws::us-east-1:123456789012:q',
    ' arn:aws:sqs:us-east-1:123456789012:q',
  ])('%s does not match', (arn) => {
    expect(matchesEventSourceArnPattern(arn)).toBe(false);
  });
});

describe('isStreamSource', () => {
  it('Kinesis and DynamoDB are streams; SQS is not', () => {
    expect(isStreamSource('kinesis')).toBe(true);
    expect(isStreamSource('dynamodb')).toBe(true);
    expect(isStreamSource('sqs')).toBe(false);
  });
});
