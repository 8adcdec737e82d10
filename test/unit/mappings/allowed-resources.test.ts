/** ARN patterns of `sources.allow` / `destinations.allow` (src/mappings/allowed-resources.ts). */
import { describe, expect, it } from 'vitest';
import { AllowList, AllowedResources, compileArnPattern } from '../../../src/mappings/allowed-resources.js';

describe('compileArnPattern', () => {
  it.each([
    ['arn:aws:sqs:us-east-1:123456789012:orders', 'arn:aws:sqs:us-east-1:123456789012:orders', true],
    // The whole ARN must match: no prefix, no suffix.
    ['arn:aws:sqs:us-east-1:123456789012:orders', 'arn:aws:sqs:us-east-1:123456789012:orders-2', false],
    ['arn:aws:sqs:us-east-1:123456789012:orders', 'xarn:aws:sqs:us-east-1:123456789012:orders', false],
    ['arn:aws:sqs:us-east-1:123456789012:orders-*', 'arn:aws:sqs:us-east-1:123456789012:orders-', true],
    ['arn:aws:sqs:us-east-1:123456789012:orders-*', 'arn:aws:sqs:us-east-1:123456789012:orders', false],
    // `*` spans `:` and `/`.
    ['arn:aws:sqs:*:123456789012:orders', 'arn:aws:sqs:eu-west-1:123456789012:orders', true],
    ['arn:aws:kinesis:*:stream/clicks*', 'arn:aws:kinesis:us-east-1:123456789012:stream/clicks/consumer/c:17', true],
    ['*', 'arn:aws:sns:us-east-1:123456789012:anything', true],
    // Other characters are literal: `.` is not "any character", `?` and `[` mean nothing.
    ['arn:aws:sqs:us-east-1:123456789012:a.fifo', 'arn:aws:sqs:us-east-1:123456789012:aXfifo', false],
    ['arn:aws:sqs:us-east-1:123456789012:a?', 'arn:aws:sqs:us-east-1:123456789012:ab', false],
    ['arn:aws:sqs:us-east-1:123456789012:[ab]', 'arn:aws:sqs:us-east-1:123456789012:a', false],
    // Case matters, as in ARNs.
    ['arn:aws:sqs:us-east-1:123456789012:Orders', 'arn:aws:sqs:us-east-1:123456789012:orders', false],
  ])('%s against %s: %s', (pattern, arn, matches) => {
    expect(compileArnPattern(pattern).test(arn)).toBe(matches);
  });
});

describe('AllowList', () => {
  it('unset allows everything; an empty list allows nothing', () => {
    expect(new AllowList('sources.allow', undefined).allows('arn:aws:sqs:us-east-1:123456789012:q')).toBe(true);
    expect(new AllowList('sources.allow', undefined).restricts).toBe(false);
    expect(new AllowList('sources.allow', []).allows('arn:aws:sqs:us-east-1:123456789012:q')).toBe(false);
    expect(new AllowList('sources.allow', []).restricts).toBe(true);
  });
});

describe('AllowedResources', () => {
  const allowed = new AllowedResources({ sources: { allow: ['arn:aws:sqs:*:1:ok-*'] }, destinations: { allow: ['arn:aws:sqs:*:1:dlq'] } });

  it('no destination (absent or "") is always allowed', () => {
    expect(() => allowed.checkDestination(undefined)).not.toThrow();
    expect(() => allowed.checkDestination('')).not.toThrow();
  });

  it('lists what a stored mapping uses outside the lists', () => {
    expect(allowed.outsideOf({ EventSourceArn: 'arn:aws:sqs:r:1:ok-1' })).toEqual([]);
    expect(allowed.outsideOf({ EventSourceArn: 'arn:aws:sqs:r:1:no', destination: 'arn:aws:sqs:r:1:other' })).toEqual(['sources.allow', 'destinations.allow']);
  });
});
