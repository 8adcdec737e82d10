/**
 * The raw SQS loop a user would write: LOOPS concurrent loops in this one process, each
 * ReceiveMessage (10) -> POST the batch to the sink as a Lambda SQS event -> DeleteMessageBatch.
 *
 * Env: SQS_ENDPOINT, QUEUE_URL, QUEUE_ARN, SINK_URL, LOOPS (5).
 */
import { DeleteMessageBatchCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { postJson, readyThenGo, setting } from './child.js';
import { sqsContenderSettings, sqsEventRecord } from './sqs-event.js';

const { queueUrl, queueArn, sink, sqs } = sqsContenderSettings();

async function loop(): Promise<void> {
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 20, MessageSystemAttributeNames: ['All'], MessageAttributeNames: ['All'] }),
    );
    if (Messages.length === 0) continue;
    await postJson(sink, { Records: Messages.map((m) => sqsEventRecord(m, queueArn)) });
    await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })) }));
  }
}

await readyThenGo();
await Promise.all(Array.from({ length: Number(setting('LOOPS', '5')) }, loop));
