/**
 * What the SQS contenders share. The Lambda SQS event record a raw loop posts, built like Sluice's (sqs.md §5), so both send the same bytes.
 */
import { SQSClient, type Message } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { setting } from './child.js';

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

/** What both SQS contenders read from their environment: the queue, the sink, a keep-alive SQS client. */
export function sqsContenderSettings() {
  return {
    queueUrl: setting('QUEUE_URL'),
    queueArn: setting('QUEUE_ARN'),
    sink: new URL(setting('SINK_URL')),
    sqs: new SQSClient({ endpoint: setting('SQS_ENDPOINT'), region: 'us-east-1', requestHandler: new NodeHttpHandler({ httpAgent: { keepAlive: true } }) }),
  };
}
