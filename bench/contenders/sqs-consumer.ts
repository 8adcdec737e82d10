/**
 * sqs-consumer, the library a Node user reaches for: CONSUMERS consumers in this one
 * process (chosen: 5, Sluice's default concurrency, so both keep as many receives open),
 * batches of 10, each batch POSTed to the sink as a Lambda SQS event; sqs-consumer deletes
 * what the handler returns.
 *
 * Env: SQS_ENDPOINT, QUEUE_URL, QUEUE_ARN, SINK_URL, CONSUMERS (5).
 */
import { Consumer } from 'sqs-consumer';
import { postJson, readyThenGo, setting } from './child.js';
import { sqsContenderSettings, sqsEventRecord } from './sqs-event.js';

const { queueUrl, queueArn, sink, sqs } = sqsContenderSettings();
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
