/**
 * An SQS message as Lambda delivers it (sqs.md §5): key order, attribute shapes and md5
 * fields as AWS emits them; the body untouched.
 */
import type { Message, MessageAttributeValue } from '@aws-sdk/client-sqs';

export interface SqsEventRecord {
  messageId: string;
  receiptHandle: string;
  body: string;
  attributes: Record<string, string>;
  messageAttributes: Record<string, Record<string, unknown>>;
  /** `null` when the message has no attributes: AWS always sends the key (sqs.md §5). */
  md5OfMessageAttributes: string | null;
  md5OfBody: string;
  eventSource: 'aws:sqs';
  eventSourceARN: string;
  awsRegion: string;
}

/** System attributes in the order AWS lists them; any others follow as SQS returned them. */
const attributeOrder = [
  'ApproximateReceiveCount',
  'SentTimestamp',
  'SequenceNumber',
  'MessageGroupId',
  'SenderId',
  'MessageDeduplicationId',
  'ApproximateFirstReceiveTimestamp',
];

function orderedAttributes(attributes: Record<string, string> = {}): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of attributeOrder) if (attributes[name] !== undefined) out[name] = attributes[name];
  for (const [name, value] of Object.entries(attributes)) if (!(name in out)) out[name] = String(value);
  return out;
}

/** `{stringValue | binaryValue, stringListValues: [], binaryListValues: [], dataType}` (chosen for Binary). */
function messageAttribute(value: MessageAttributeValue): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (value.StringValue !== undefined) out.stringValue = value.StringValue;
  if (value.BinaryValue !== undefined) out.binaryValue = Buffer.from(value.BinaryValue).toString('base64');
  out.stringListValues = value.StringListValues ?? [];
  out.binaryListValues = (value.BinaryListValues ?? []).map((b) => Buffer.from(b).toString('base64'));
  out.dataType = value.DataType;
  return out;
}

export function toSqsEventRecord(message: Message, eventSourceArn: string, awsRegion: string): SqsEventRecord {
  const messageAttributes: SqsEventRecord['messageAttributes'] = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) messageAttributes[name] = messageAttribute(value);
  return {
    messageId: message.MessageId!,
    receiptHandle: message.ReceiptHandle!,
    body: message.Body ?? '',
    attributes: orderedAttributes(message.Attributes),
    messageAttributes,
    md5OfMessageAttributes: message.MD5OfMessageAttributes || null,
    md5OfBody: message.MD5OfBody!,
    eventSource: 'aws:sqs',
    eventSourceARN: eventSourceArn,
    awsRegion,
  };
}
