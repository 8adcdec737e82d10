/**
 * On-failure destination ARNs (api.md V34, streams.md §14.2): an SQS queue, SNS topic or S3
 * bucket parses with its parts; everything else, each one part away from valid, does not.
 */
import { describe, expect, it } from 'vitest';
import { parseDestinationArn } from '../../../src/destinations/destination-arn.js';

describe('parseDestinationArn', () => {
  it('an SQS queue and a FIFO queue', () => {
    expect(parseDestinationArn('arn:aws:sqs:us-east-1:123456789012:dlq')).toEqual({
      type: 'sqs',
      arn: 'arn:aws:sqs:us-east-1:123456789012:dlq',
      region: 'us-east-1',
      account: '123456789012',
      name: 'dlq',
      fifo: false,
    });
    expect(parseDestinationArn('arn:aws:sqs:us-east-1:123456789012:dlq.fifo')).toMatchObject({ type: 'sqs', name: 'dlq.fifo', fifo: true });
  });

  it('an SNS topic (another partition too) and a FIFO topic', () => {
    expect(parseDestinationArn('arn:aws-cn:sns:cn-north-1:123456789012:alerts')).toEqual({
      type: 'sns',
      arn: 'arn:aws-cn:sns:cn-north-1:123456789012:alerts',
      region: 'cn-north-1',
      account: '123456789012',
      name: 'alerts',
      fifo: false,
    });
    expect(parseDestinationArn('arn:aws:sns:us-east-1:123456789012:alerts.fifo')?.fifo).toBe(true);
  });

  it('an S3 bucket: no region or account, never FIFO', () => {
    expect(parseDestinationArn('arn:aws:s3:::failed-records')).toEqual({
      type: 's3',
      arn: 'arn:aws:s3:::failed-records',
      region: '',
      account: '',
      name: 'failed-records',
      fifo: false,
    });
    expect(parseDestinationArn('arn:aws:s3:::my.bucket.fifo')).toMatchObject({ type: 's3', fifo: false });
  });

  it('bucket names: 3 and 63 characters pass; 2, 64, upper case, or a dot/dash at either end fail', () => {
    const bucket = (name: string) => parseDestinationArn(`arn:aws:s3:::${name}`);
    expect(bucket('abc')?.name).toBe('abc');
    expect(bucket('a'.repeat(63))?.name).toHaveLength(63);
    for (const name of ['ab', 'a'.repeat(64), 'Bucket', '-abc', 'abc-', '.abc', 'abc.', 'a/b']) expect([name, bucket(name)]).toEqual([name, undefined]);
  });

  it('queue and topic names: 256 characters pass, 257 fail; only letters, digits, - and _', () => {
    const queue = (name: string) => parseDestinationArn(`arn:aws:sqs:us-east-1:123456789012:${name}`);
    expect(queue('q'.repeat(256))?.name).toHaveLength(256);
    expect(queue('q'.repeat(257))).toBeUndefined();
    expect(queue('a.b')).toBeUndefined();
    expect(queue('a:b')).toBeUndefined();
  });

  it.each([
    ['a Lambda function', 'arn:aws:lambda:us-east-1:123456789012:function:f'],
    ['an SQS queue without a region', 'arn:aws:sqs::123456789012:dlq'],
    ['an SQS queue without an account', 'arn:aws:sqs:us-east-1::dlq'],
    ['an SNS topic without a region', 'arn:aws:sns::123456789012:alerts'],
    ['an 11-digit account', 'arn:aws:sqs:us-east-1:12345678901:dlq'],
    ['a partition that is not aws*', 'arn:az:sqs:us-east-1:123456789012:dlq'],
    ['text before arn:', 'xarn:aws:sqs:us-east-1:123456789012:dlq'],
    ['no name', 'arn:aws:sqs:us-east-1:123456789012:'],
    ['an upper-case region', 'arn:aws:sqs:US-EAST-1:123456789012:dlq'],
    ['an S3 object rather than a bucket', 'arn:aws:s3:::bucket/key'],
    ['not an ARN', 'dlq'],
    ['empty', ''],
  ])('%s is not a destination', (_label, arn) => {
    expect(parseDestinationArn(arn)).toBeUndefined();
  });
});
