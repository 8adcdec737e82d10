/**
 * SQS messages to Lambda's record shape (sqs.md §5), against the spec's verbatim AWS
 * examples: every key present in AWS's order, `md5OfMessageAttributes` `null` when the
 * message has no attributes (AWS-recorded: the key is always sent).
 */
import type { Message } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { toSqsEventRecord } from '../../../../src/sources/sqs/sqs-record.js';

// §5's first verbatim example (standard queue), first record, with the key AWS always
// sends at its place in the key order §5 gives.
const standardExample = `{
  "messageId": "059f36b4-87a3-44ab-83d2-661975830a7d",
  "receiptHandle": "AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a...",
  "body": "Test message.",
  "attributes": {
    "ApproximateReceiveCount": "1",
    "SentTimestamp": "1545082649183",
    "SenderId": "AIDAIENQZJOLO23YVJ4VO",
    "ApproximateFirstReceiveTimestamp": "1545082649185"
  },
  "messageAttributes": {},
  "md5OfMessageAttributes": null,
  "md5OfBody": "e4e68fb7bd0e697a0ae8f1bb342846b3",
  "eventSource": "aws:sqs",
  "eventSourceARN": "arn:aws:sqs:us-east-2:123456789012:my-queue",
  "awsRegion": "us-east-2"
}`;

// §5's example with message attributes, verbatim.
const attributesExample = `{
  "messageId": "7b0a3a2e-3f39-4a0b-9d6e-2f7e5c1d9a10",
  "receiptHandle": "AQEBaZ+j5qUoOAoxlmrCQPkBm9njMWXqemmIG6shMHCO6fV20JrQYg/AiZ8JELwLwOu5U61W+aIX5Qzu7GGofxJuvzymr4Ph53RiR0mudj4InLSgpSspYeTRDteBye5tV/txbZDdNZxsi+qqZA9xPnmtP...",
  "body": "{\\"foo\\": \\"bar\\"}",
  "attributes": {
    "ApproximateReceiveCount": "1",
    "SentTimestamp": "1732500000123",
    "SenderId": "AIDAIENQZJOLO23YVJ4VO",
    "ApproximateFirstReceiveTimestamp": "1732500000130"
  },
  "messageAttributes": {
    "WeeksOn": {
      "stringValue": "6",
      "stringListValues": [],
      "binaryListValues": [],
      "dataType": "Number"
    },
    "Author": {
      "stringValue": "John Grisham",
      "stringListValues": [],
      "binaryListValues": [],
      "dataType": "String"
    },
    "Title": {
      "stringValue": "The Whistler",
      "stringListValues": [],
      "binaryListValues": [],
      "dataType": "String"
    }
  },
  "md5OfMessageAttributes": "d25a6aea97eb8f585bfa92d314504a92",
  "md5OfBody": "94232c5b8fc9272f6f73a1e36eb68fcf",
  "eventSource": "aws:sqs",
  "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:my-queue",
  "awsRegion": "us-east-1"
}`;

// §5's FIFO example, verbatim, with the key AWS always sends.
const fifoExample = `{
  "messageId": "11d6ee51-4cc7-4302-9e22-7cd8afdaadf5",
  "receiptHandle": "AQEBBX8nesZEXmkhsmZeyIE8iQAMig7qw...",
  "body": "Test message.",
  "attributes": {
    "ApproximateReceiveCount": "1",
    "SentTimestamp": "1573251510774",
    "SequenceNumber": "18849496460467696128",
    "MessageGroupId": "1",
    "SenderId": "AIDAIO23YVJENQZJOL4VO",
    "MessageDeduplicationId": "1",
    "ApproximateFirstReceiveTimestamp": "1573251510774"
  },
  "messageAttributes": {},
  "md5OfMessageAttributes": null,
  "md5OfBody": "e4e68fb7bd0e697a0ae8f1bb342846b3",
  "eventSource": "aws:sqs",
  "eventSourceARN": "arn:aws:sqs:us-east-2:123456789012:fifo.fifo",
  "awsRegion": "us-east-2"
}`;

/** What ReceiveMessage returns for a record of the examples (attributes in SQS's own order). */
function sdkMessage(record: Record<string, unknown>): Message {
  const attributes = record.attributes as Record<string, string>;
  const reversed = Object.fromEntries(Object.entries(attributes).reverse());
  const messageAttributes = record.messageAttributes as Record<string, { stringValue: string; dataType: string }>;
  return {
    MessageId: record.messageId as string,
    ReceiptHandle: record.receiptHandle as string,
    Body: record.body as string,
    Attributes: reversed,
    MessageAttributes: Object.fromEntries(
      Object.entries(messageAttributes).map(([name, value]) => [name, { StringValue: value.stringValue, DataType: value.dataType }]),
    ),
    ...(record.md5OfMessageAttributes ? { MD5OfMessageAttributes: record.md5OfMessageAttributes as string } : {}),
    MD5OfBody: record.md5OfBody as string,
  };
}

describe('toSqsEventRecord', () => {
  it.each([
    ['a standard queue message without attributes', standardExample],
    ['a message with attributes and a JSON body', attributesExample],
    ['a FIFO queue message', fifoExample],
  ])("%s serialises to AWS's example, key for key", (_what, example) => {
    const expected = JSON.parse(example) as Record<string, unknown>;
    const record = toSqsEventRecord(sdkMessage(expected), expected.eventSourceARN as string, expected.awsRegion as string);
    expect(JSON.stringify(record)).toBe(JSON.stringify(expected));
  });

  it('md5OfMessageAttributes is null, not absent, when SQS returns no digest (also an empty one)', () => {
    const base = sdkMessage(JSON.parse(standardExample) as Record<string, unknown>);
    for (const message of [base, { ...base, MD5OfMessageAttributes: '' }, { ...base, MessageAttributes: undefined }]) {
      const record = toSqsEventRecord(message, 'arn:aws:sqs:us-east-2:123456789012:my-queue', 'us-east-2');
      expect(record).toHaveProperty('md5OfMessageAttributes', null);
      expect(JSON.stringify(record)).toContain('"messageAttributes":{},"md5OfMessageAttributes":null,"md5OfBody"');
    }
  });
});
