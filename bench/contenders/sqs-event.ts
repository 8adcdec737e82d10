/** The Lambda SQS event record a raw loop posts, built like Sluice's (sqs.md §5), so both send the same bytes. */
import type { Message } from '@aws-sdk/client-sqs';

export function sqsEventRecord(m: Message, queueArn: string) {
  return {
    messageId: m.MessageId,
    receiptHandle: m.ReceiptHandle,
    body: m.Body ?? '',
    attributes: m.Attributes ?? {},
    messageAttributes: {},
    md5OfMessageAttributes: m.MD5OfMessageAttributes || null,
    md5OfBody: m.MD5OfBody,
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: 'us-east-1',
  };
}
