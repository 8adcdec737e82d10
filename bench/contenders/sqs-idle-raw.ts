/**
 * The raw floor of idle SQS mappings: what a user's own code costs to watch many empty
 * queues with the SDK. One long-poll loop per queue (ReceiveMessage, 10 messages, 20 s,
 * as Sluice's idle receive loop), all in this one process with one SQSClient, like
 * Sluice's. Nothing arrives, so this is the SDK's cost per empty long poll times the polls.
 *
 * Env: SQS_ENDPOINT, QUEUE_URLS_FILE (one queue URL per line: 1,000 URLs would not fit an
 * environment variable comfortably).
 */
import { readFileSync } from 'node:fs';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { Agent } from 'node:http';
import { readyThenGo, setting } from './child.js';

const queueUrls = readFileSync(setting('QUEUE_URLS_FILE'), 'utf8').split('\n').filter(Boolean);
// No socket cap, as Sluice's clients (src/aws/clients.ts): every loop holds a connection for its long poll.
const sqs = new SQSClient({
  endpoint: setting('SQS_ENDPOINT'),
  region: 'us-east-1',
  requestHandler: new NodeHttpHandler({ httpAgent: new Agent({ keepAlive: true, maxSockets: Infinity }) }),
});

async function loop(queueUrl: string): Promise<void> {
  for (;;) {
    await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 20, MessageSystemAttributeNames: ['All'], MessageAttributeNames: ['All'] }));
  }
}

await readyThenGo();
await Promise.all(queueUrls.map(loop));
