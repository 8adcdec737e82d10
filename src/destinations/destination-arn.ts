/**
 * On-failure destination ARNs (api.md V34, streams.md §14.2): an SQS queue, an SNS topic or
 * an S3 bucket.
 */

export type DestinationType = 'sqs' | 'sns' | 's3';

export interface DestinationArn {
  type: DestinationType;
  arn: string;
  /** Empty for S3 bucket ARNs (`arn:aws:s3:::bucket`). */
  region: string;
  /** Empty for S3 bucket ARNs. */
  account: string;
  /** Queue, topic or bucket name. */
  name: string;
  /** SQS queue or SNS topic whose name ends in `.fifo`: not supported as a destination (§14.2). */
  fifo: boolean;
}

const arnParts = /^arn:(aws[a-zA-Z0-9-]*):(sqs|sns|s3):([a-z0-9-]*):(\d{12})?:(.+)$/s;
const queueOrTopicName = /^[A-Za-z0-9_-]{1,256}(?:\.fifo)?$/;
const bucketName = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Parses a destination ARN; undefined for anything that is not an SQS queue, SNS topic or S3 bucket. */
export function parseDestinationArn(arn: string): DestinationArn | undefined {
  const parts = arnParts.exec(arn);
  if (!parts) return undefined;
  const [, , service, region = '', account = '', resource = ''] = parts;
  if (service === 's3') {
    if (!bucketName.test(resource)) return undefined;
    return { type: 's3', arn, region, account, name: resource, fifo: false };
  }
  if (!region || !account || !queueOrTopicName.test(resource)) return undefined;
  return { type: service as 'sqs' | 'sns', arn, region, account, name: resource, fifo: resource.endsWith('.fifo') };
}
