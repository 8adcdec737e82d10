/**
 * Asks the real source the questions validation has (`mappings/source-checks.ts`): does
 * it exist (V39, V40) and, for SQS, its visibility timeout (V41) and FIFO attribute. It
 * answers with facts; `mappings/` turns them into Lambda's errors.
 */
import { GetQueueAttributesCommand, GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import { DescribeStreamConsumerCommand, DescribeStreamSummaryCommand } from '@aws-sdk/client-kinesis';
import { DescribeStreamCommand } from '@aws-sdk/client-dynamodb-streams';
import type { AwsClients } from '../aws/clients.js';
import { readSdkError } from '../aws/sdk-errors.js';
import type { EventSource } from '../mappings/event-source-arn.js';
import type { QueueFacts, SourceChecks, SourceLookup } from '../mappings/source-checks.js';

export class SourceInspector implements SourceChecks {
  constructor(private readonly clients: AwsClients) {}

  async queue(source: EventSource): Promise<SourceLookup<QueueFacts>> {
    const sqs = this.clients.get('sqs', source.region);
    try {
      const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: source.name, QueueOwnerAWSAccountId: source.account }));
      const { Attributes = {} } = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['VisibilityTimeout', 'FifoQueue'] }),
      );
      return { found: true, facts: { visibilityTimeoutSeconds: Number(Attributes.VisibilityTimeout ?? 30), fifo: Attributes.FifoQueue === 'true' } };
    } catch (error) {
      return failedLookup(error);
    }
  }

  async stream(source: EventSource): Promise<SourceLookup<true>> {
    try {
      if (source.type === 'kinesis') {
        const kinesis = this.clients.get('kinesis', source.region);
        if (source.consumerName !== undefined) await kinesis.send(new DescribeStreamConsumerCommand({ ConsumerARN: source.arn }));
        else await kinesis.send(new DescribeStreamSummaryCommand({ StreamARN: source.arn }));
      } else {
        await this.clients.get('dynamodbStreams', source.region).send(new DescribeStreamCommand({ StreamArn: source.arn, Limit: 1 }));
      }
      return { found: true, facts: true };
    } catch (error) {
      return failedLookup(error);
    }
  }
}

/** A failed call: the source is missing (`notFound`), or it could not be asked. */
function failedLookup(error: unknown): SourceLookup<never> {
  const facts = readSdkError(error);
  if (facts.class === 'notFound') return { found: false, missing: true };
  return { found: false, missing: false, code: facts.code, message: facts.message };
}
