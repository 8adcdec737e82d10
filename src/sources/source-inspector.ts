/**
 * Asks the real source whether it exists (V39, V40) and, for SQS, its visibility timeout
 * (V41) and FIFO attribute. Used by the control plane at create / update.
 */
import { GetQueueAttributesCommand, GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import { DescribeStreamConsumerCommand, DescribeStreamSummaryCommand } from '@aws-sdk/client-kinesis';
import { DescribeStreamCommand } from '@aws-sdk/client-dynamodb-streams';
import type { AwsClients } from '../aws/clients.js';
import type { EventSource } from '../mappings/event-source-arn.js';
import { invalidParameter, serviceError } from '../mappings/errors.js';

export interface QueueFacts {
  visibilityTimeoutSeconds: number;
  fifo: boolean;
}

const sqsMissing = new Set(['QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue']);
const errorCode = (error: unknown): string =>
  (error as { name?: string; Code?: string }).Code ?? (error as { name?: string }).name ?? 'UnknownError';

export class SourceInspector {
  constructor(private readonly clients: AwsClients) {}

  /** V39: the queue's facts, or IPVE when it does not exist. */
  async sqsQueue(source: EventSource): Promise<QueueFacts> {
    const sqs = this.clients.get('sqs', source.region);
    try {
      const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: source.name, QueueOwnerAWSAccountId: source.account }));
      const { Attributes = {} } = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['VisibilityTimeout', 'FifoQueue'] }),
      );
      return { visibilityTimeoutSeconds: Number(Attributes.VisibilityTimeout ?? 30), fifo: Attributes.FifoQueue === 'true' };
    } catch (error) {
      if (sqsMissing.has(errorCode(error))) {
        throw invalidParameter(
          'Error occurred while ReceiveMessage. SQS Error Code: AWS.SimpleQueueService.NonExistentQueue. SQS Error Message: The specified queue does not exist.',
        );
      }
      throw unreachable(source, error);
    }
  }

  /** V40: the stream (or consumer) exists. */
  async streamExists(source: EventSource): Promise<void> {
    try {
      if (source.type === 'kinesis') {
        const kinesis = this.clients.get('kinesis', source.region);
        if (source.consumerName !== undefined) await kinesis.send(new DescribeStreamConsumerCommand({ ConsumerARN: source.arn }));
        else await kinesis.send(new DescribeStreamSummaryCommand({ StreamARN: source.arn }));
      } else {
        await this.clients.get('dynamodbStreams', source.region).send(new DescribeStreamCommand({ StreamArn: source.arn, Limit: 1 }));
      }
    } catch (error) {
      if (errorCode(error) === 'ResourceNotFoundException') throw invalidParameter(`Stream not found: ${source.arn}`);
      throw unreachable(source, error);
    }
  }
}

/**
 * The source could not be asked (network, credentials): Sluice cannot tell, so it answers
 * with its own fault rather than guess (chosen).
 */
function unreachable(source: EventSource, error: unknown): Error {
  return serviceError(`Could not check event source ${source.arn}: ${errorCode(error)}: ${(error as Error).message}`);
}
