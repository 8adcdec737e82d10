/**
 * sqs-consumer, the library a Node user reaches for: CONSUMERS consumers in this one
 * process (chosen: 5, Sluice's default concurrency, so both keep as many receives open),
 * batches of 10, each batch POSTed to the sink as a Lambda SQS event; sqs-consumer deletes
 * what the handler returns.
 *
 * Env: SQS_ENDPOINT, QUEUE_URL, QUEUE_ARN, SINK_URL, CONSUMERS (5).
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { Consumer } from 'sqs-consumer';
import { postJson, readyThenGo, setting } from './child.js';
import { sqsEventRecord } from './sqs-event.js';

const queueUrl = setting('QUEUE_URL');
const queueArn = setting('QUEUE_ARN');
const sink = new URL(setting('SINK_URL'));
const sqs = new SQSClient({
  endpoint: setting('SQS_ENDPOINT'),
  region: 'us-east-1',
  requestHandler: new NodeHttpHandler({ httpAgent: { keepAlive: true } }),
});
const consumers = Array.from({ length: Number(setting('CONSUMERS', '5')) }, () =>
  Consumer.create({
    queueUrl,
    sqs,
    batchSize: 10,
    waitTimeSeconds: 20,
    messageSystemAttributeNames: ['All'],
    messageAttributeNames: ['All'],
    handleMessageBatch: async (messages) => {
      await postJson(sink, { Records: messages.map((m) => sqsEventRecord(m, queueArn)) });
      return messages;
    },
  }),
);

await readyThenGo();
for (const consumer of consumers) consumer.start();
