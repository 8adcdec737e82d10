/**
 * On fauxqs (the test bed's): the sandbox creates the queues its `sandbox:` section
 * declares (a DLQ with its RedrivePolicy, a FIFO queue), idempotently; and the live view
 * reads the depth of a mapping's DLQ (SQS) or SQS on-failure destination (streams), says
 * "n/a" for S3 / SNS destinations and nothing for a mapping with neither.
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import { DeleteQueueCommand, GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { AwsClients } from '../../../src/aws/clients.js';
import { configSchema } from '../../../src/config/index.js';
import { sandboxSchema } from '../../../src/config/sandbox-schema.js';
import { createSandboxResources } from '../../../src/dev/sandbox-resources.js';
import { createQueueDepthReader } from '../../../src/dev/live-view/queue-depth.js';
import { getEndpoints, sqsClient, uniqueName } from '../../support/index.js';
import { TEST_CREDENTIALS } from '../../support/endpoints.js';

function testClients(): AwsClients {
  process.env.AWS_ACCESS_KEY_ID ??= TEST_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY ??= TEST_CREDENTIALS.secretAccessKey;
  const endpoints = getEndpoints();
  const clients = new AwsClients(configSchema.parse({ region: endpoints.region, aws: { services: { sqs: { endpoint: endpoints.sqs } } } }));
  onTestFinished(() => clients.destroy());
  return clients;
}

describe('sandbox queues and their depth', () => {
  it('creates a queue with its DLQ and a FIFO queue (again without harm), and reads the depth of where failures go', async () => {
    const clients = testClients();
    const [jobs, dlq, failures, fifo] = [uniqueName('jobs'), uniqueName('jobs-dlq'), uniqueName('failures'), `${uniqueName('ordered')}.fifo`];
    const spec = sandboxSchema.parse({
      queues: [{ name: jobs, visibilityTimeout: 7, dlq: { name: dlq, maxReceiveCount: 2 } }, { name: failures }, { name: fifo, contentBasedDeduplication: true }],
    });
    const resources = await createSandboxResources(clients, spec, ['sqs']);
    // Created twice: the second run finds them (a sandbox restarted on kept emulators).
    expect(await createSandboxResources(clients, spec, ['sqs'])).toEqual(resources);
    onTestFinished(async () => {
      for (const queue of resources.queues ?? []) await sqsClient().send(new DeleteQueueCommand({ QueueUrl: queue.url })).catch(() => undefined);
    });
    expect(resources.queues?.map((q) => [q.name, q.deadLetterQueue, q.deadLetterOf])).toEqual([
      [jobs, dlq, undefined],
      [dlq, undefined, jobs],
      [failures, undefined, undefined],
      [fifo, undefined, undefined],
    ]);
    const [jobsQueue, dlqQueue, failuresQueue, fifoQueue] = resources.queues!;
    const attributes = async (url: string) => (await sqsClient().send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }))).Attributes ?? {};
    const jobsAttributes = await attributes(jobsQueue!.url);
    expect(jobsAttributes.VisibilityTimeout).toBe('7');
    expect(JSON.parse(jobsAttributes.RedrivePolicy!)).toMatchObject({ deadLetterTargetArn: dlqQueue!.arn, maxReceiveCount: 2 });
    expect(await attributes(fifoQueue!.url)).toMatchObject({ FifoQueue: 'true', ContentBasedDeduplication: 'true' });

    for (const [url, count] of [[dlqQueue!.url, 2], [failuresQueue!.url, 1]] as const) {
      for (let i = 0; i < count; i++) await sqsClient().send(new SendMessageCommand({ QueueUrl: url, MessageBody: `m${i}` }));
    }
    const depth = createQueueDepthReader(clients);
    const streamArn = 'arn:aws:kinesis:us-east-1:000000000000:stream/clicks';
    expect(await depth({ eventSourceArn: jobsQueue!.arn })).toEqual({ name: dlq, depth: 2 });
    expect(await depth({ eventSourceArn: streamArn, onFailureArn: failuresQueue!.arn })).toEqual({ name: failures, depth: 1 });
    expect(await depth({ eventSourceArn: streamArn, onFailureArn: 'arn:aws:s3:::failed-batches' })).toEqual({ name: 'failed-batches', depth: 'n/a' });
    expect(await depth({ eventSourceArn: streamArn, onFailureArn: 'arn:aws:sns:us-east-1:000000000000:alerts' })).toEqual({ name: 'alerts', depth: 'n/a' });
    expect(await depth({ eventSourceArn: failuresQueue!.arn })).toBeUndefined();
    expect(await depth({ eventSourceArn: streamArn })).toBeUndefined();
  });
});
