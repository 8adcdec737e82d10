import { describe, expect, it } from 'vitest';
import { moveEntry } from '../../../src/redrive/dlq-redrive.js';

describe('moveEntry', () => {
  const message = {
    MessageId: 'm-1',
    Body: 'hello',
    Attributes: { MessageGroupId: 'g-1', AWSTraceHeader: 'Root=1-abc', ApproximateReceiveCount: '3' },
    MessageAttributes: { origin: { DataType: 'String', StringValue: 'test', StringListValues: [], BinaryListValues: [] } },
  };

  it('keeps the body, message attributes (only their values) and the trace header', () => {
    expect(moveEntry(message, '0', false)).toEqual({
      Id: '0',
      MessageBody: 'hello',
      MessageAttributes: { origin: { DataType: 'String', StringValue: 'test' } },
      MessageSystemAttributes: { AWSTraceHeader: { DataType: 'String', StringValue: 'Root=1-abc' } },
    });
  });

  it('into a FIFO queue: the message group, and a new deduplication id each time', () => {
    const first = moveEntry(message, '0', true);
    const second = moveEntry(message, '0', true);
    expect(first.MessageGroupId).toBe('g-1');
    expect(first.MessageDeduplicationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(second.MessageDeduplicationId).not.toBe(first.MessageDeduplicationId);
  });
});
