/**
 * Lookups about a queue that the commands and views beside the pollers share (`sluice
 * redrive`, `sluice loadtest`, the sandbox's live view): a queue's URL from its name and
 * account, and the dead-letter queue its RedrivePolicy names.
 */
import { GetQueueAttributesCommand, GetQueueUrlCommand, type SQSClient } from '@aws-sdk/client-sqs';

/** The URL of queue `name` (of `account`, when given); throws when SQS gives none. */
export async function queueUrlOf(sqs: SQSClient, name: string, account?: string): Promise<string> {
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: name, ...(account ? { QueueOwnerAWSAccountId: account } : {}) }));
  if (!QueueUrl) throw new Error(`GetQueueUrl ${name} returned no QueueUrl`);
  return QueueUrl;
}

/** The ARN of the queue's dead-letter queue (its RedrivePolicy's deadLetterTargetArn); undefined without one. */
export async function deadLetterTargetOf(sqs: SQSClient, queueUrl: string): Promise<string | undefined> {
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['RedrivePolicy'] }));
  if (!Attributes?.RedrivePolicy) return undefined;
  return (JSON.parse(Attributes.RedrivePolicy) as { deadLetterTargetArn?: string }).deadLetterTargetArn;
}
