/**
 * S3 on the test bed: fauxqs serves S3 on the same port as SQS and SNS, path-style
 * (`http://127.0.0.1:PORT/bucket/key`).
 *
 *   const bucket = await createBucket({ prefix: 'failures' });
 *   onTestFinished(bucket.cleanup);
 *   const objects = await readObjects(bucket.bucketName);
 */
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { awsClientConfig, getEndpoints } from './clients.js';
import { uniqueName } from './poll.js';

/** fauxqs' S3 endpoint: its one endpoint, the same as SQS'. */
export function s3Endpoint(): string {
  return getEndpoints().sqs;
}

/** A fresh S3 client on fauxqs (caller owns it). */
export const createS3Client = (config: Partial<S3ClientConfig> = {}): S3Client =>
  new S3Client({ ...awsClientConfig('sqs'), endpoint: s3Endpoint(), forcePathStyle: true, ...config });

let sharedS3: S3Client | undefined;
/** One S3 client per test worker, created on first use; do not destroy it. */
export const s3Client = (): S3Client => (sharedS3 ??= createS3Client());

export interface TestBucket {
  bucketName: string;
  /** `arn:aws:s3:::<bucket>`, as an on-failure destination names it. */
  bucketArn: string;
  /** Deletes the objects, then the bucket. */
  cleanup: () => Promise<void>;
}

/** A bucket named uniqueName(prefix), lower-cased and DNS-safe as S3 wants. */
export async function createBucket(options: { prefix?: string } = {}): Promise<TestBucket> {
  const bucketName = uniqueName(options.prefix ?? 'bucket').toLowerCase().replace(/[^a-z0-9.-]/g, '-').slice(0, 63);
  await s3Client().send(new CreateBucketCommand({ Bucket: bucketName }));
  return {
    bucketName,
    bucketArn: `arn:aws:s3:::${bucketName}`,
    cleanup: async () => {
      const listed = await s3Client().send(new ListObjectsV2Command({ Bucket: bucketName }));
      for (const object of listed.Contents ?? []) {
        await s3Client().send(new DeleteObjectCommand({ Bucket: bucketName, Key: object.Key! }));
      }
      await s3Client().send(new DeleteBucketCommand({ Bucket: bucketName }));
    },
  };
}

export interface StoredObject {
  key: string;
  contentType: string | undefined;
  body: string;
}

/** Every object of the bucket (first 1,000), with its content type and body as text. */
export async function readObjects(bucketName: string): Promise<StoredObject[]> {
  const listed = await s3Client().send(new ListObjectsV2Command({ Bucket: bucketName }));
  return Promise.all(
    (listed.Contents ?? []).map(async ({ Key: key }) => {
      const object = await s3Client().send(new GetObjectCommand({ Bucket: bucketName, Key: key! }));
      return { key: key!, contentType: object.ContentType, body: await object.Body!.transformToString() };
    }),
  );
}
