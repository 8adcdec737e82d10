/**
 * The S3ObjectWriter Sluice uses by default: PutObject through the `s3` client of
 * AwsClients (endpoint `AWS_ENDPOINT_URL_S3` / `aws.services.s3.endpoint`, path-style
 * against custom endpoints, see src/aws/clients.ts).
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { AwsClients } from '../aws/clients.js';

/** Writes one object to S3 (PutObject). */
export interface S3ObjectWriter {
  putObject(request: { bucket: string; key: string; body: string; contentType: string }): Promise<void>;
}

/**
 * A writer over `clients.get('s3')`. Bucket ARNs carry no region, so the client is the
 * configured region's; the client follows S3's redirect when the bucket lives elsewhere.
 */
export function createS3ObjectWriter(clients: Pick<AwsClients, 'get'>): S3ObjectWriter {
  return {
    async putObject({ bucket, key, body, contentType }) {
      await clients.get('s3').send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }));
    },
  };
}
