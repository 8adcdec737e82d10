/**
 * The depth of where a mapping's failures go, for the live view: the DLQ of an SQS
 * mapping's queue (its RedrivePolicy), or a stream mapping's on-failure destination when
 * it is an SQS queue: SQS's ApproximateNumberOfMessages. S3 and SNS destinations cannot be
 * counted ("n/a"); a mapping with neither has nothing to show.
 */
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { deadLetterTargetOf, queueUrlOf } from '../../aws/sqs-queues.js';
import type { AwsClients } from '../../aws/clients.js';
import { parseDestinationArn } from '../../destinations/index.js';

export interface FailureTarget {
  /** The queue's or destination's name. */
  name: string;
  /** Messages in it, or 'n/a' when it cannot be counted (S3, SNS). */
  depth: number | 'n/a';
}

export interface MappingFailureSource {
  eventSourceArn: string;
  onFailureArn?: string;
}

export type QueueDepthReader = (mapping: MappingFailureSource) => Promise<FailureTarget | undefined>;

/** An SQS queue ARN's account and name (the destinations' ARN rules: a DLQ is named like an on-failure queue). */
function sqsArnParts(arn: string): { account: string; name: string } | undefined {
  const parsed = parseDestinationArn(arn);
  return parsed?.type === 'sqs' ? { account: parsed.account, name: parsed.name } : undefined;
}

/** How long a queue's URL and RedrivePolicy are reused before they are read again. */
const CACHE_MS = 30_000;

export function createQueueDepthReader(clients: AwsClients, now: () => number = Date.now): QueueDepthReader {
  const urls = new Map<string, { url: string; at: number }>();
  const deadLetters = new Map<string, { arn: string | undefined; at: number }>();
  const sqs = () => clients.get('sqs');

  const urlOf = async (arn: string): Promise<string> => {
    const cached = urls.get(arn);
    if (cached && now() - cached.at < CACHE_MS) return cached.url;
    const parts = sqsArnParts(arn);
    if (!parts) throw new Error(`not an SQS queue ARN: ${arn}`);
    const url = await queueUrlOf(sqs(), parts.name, parts.account);
    urls.set(arn, { url, at: now() });
    return url;
  };

  const deadLetterOf = async (queueArn: string): Promise<string | undefined> => {
    const cached = deadLetters.get(queueArn);
    if (cached && now() - cached.at < CACHE_MS) return cached.arn;
    const arn = await deadLetterTargetOf(sqs(), await urlOf(queueArn));
    deadLetters.set(queueArn, { arn, at: now() });
    return arn;
  };

  const depthOf = async (arn: string): Promise<FailureTarget> => {
    const { Attributes } = await sqs().send(new GetQueueAttributesCommand({ QueueUrl: await urlOf(arn), AttributeNames: ['ApproximateNumberOfMessages'] }));
    return { name: sqsArnParts(arn)!.name, depth: Number(Attributes?.ApproximateNumberOfMessages ?? 0) };
  };

  return async (mapping) => {
    if (mapping.onFailureArn !== undefined) {
      if (sqsArnParts(mapping.onFailureArn)) return depthOf(mapping.onFailureArn);
      // An S3 bucket (arn:aws:s3:::bucket) or an SNS topic (arn:aws:sns:region:account:topic): its last segment.
      return { name: mapping.onFailureArn.split(':').at(-1) || mapping.onFailureArn, depth: 'n/a' };
    }
    if (!sqsArnParts(mapping.eventSourceArn)) return undefined;
    const deadLetter = await deadLetterOf(mapping.eventSourceArn);
    return deadLetter === undefined ? undefined : depthOf(deadLetter);
  };
}
