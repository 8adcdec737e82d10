/**
 * Stream sources built the way Sluice builds them (AwsClients from a parsed config, HTTP/1.1
 * handler), pointed at the emulators, plus small reading helpers.
 */
import { onTestFinished } from 'vitest';
import { AwsClients } from '../../../src/aws/clients.js';
import { configSchema } from '../../../src/config/index.js';
import { createStreamSource } from '../../../src/sources/stream-sources.js';
import {
  type IteratorPosition,
  type StreamRecord,
  type StreamSource,
  type StreamSourceDependencies,
} from '../../../src/sources/streams/stream-source.js';
import { getEndpoints } from '../../support/index.js';
import { TEST_CREDENTIALS } from '../../support/endpoints.js';

/** Sluice's configured account id in these tests: not the emulators' (000000000000), so a mix-up shows. */
export const SLUICE_ACCOUNT_ID = '123456789012';

/** AwsClients for the emulators; destroyed when the test ends. */
export function testClients(): AwsClients {
  // Sluice's clients take credentials from the SDK's default chain (environment).
  process.env.AWS_ACCESS_KEY_ID ??= TEST_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY ??= TEST_CREDENTIALS.secretAccessKey;
  const endpoints = getEndpoints();
  const config = configSchema.parse({
    region: endpoints.region,
    accountId: SLUICE_ACCOUNT_ID,
    aws: {
      services: {
        kinesis: { endpoint: endpoints.kinesis },
        dynamodb: { endpoint: endpoints.dynamodb },
        dynamodbStreams: { endpoint: endpoints.dynamodbStreams },
      },
    },
  });
  const clients = new AwsClients(config);
  onTestFinished(() => clients.destroy());
  return clients;
}

export function sourceFor(
  arn: string,
  options: Partial<StreamSourceDependencies> = {},
): { source: StreamSource; clients: AwsClients } {
  const clients = options.clients ?? testClients();
  return { source: createStreamSource(arn, { clients, accountId: SLUICE_ACCOUNT_ID, ...options }), clients };
}

/** Reads from `position` until a page comes back empty (or the shard ends); every record in order. */
export async function readFrom(source: StreamSource, shardId: string, position: IteratorPosition, limit = 10_000): Promise<StreamRecord[]> {
  const iterator = await source.getIterator(shardId, position);
  if (iterator === undefined) throw new Error(`no iterator for ${shardId} at ${JSON.stringify(position)}`);
  return (await drain(source, shardId, iterator, limit)).records;
}

/** Reads until a page comes back empty or the shard ends; `ended` says which. */
export async function drain(
  source: StreamSource,
  shardId: string,
  iterator: string,
  limit = 10_000,
): Promise<{ records: StreamRecord[]; ended: boolean; nextIterator?: string }> {
  const records: StreamRecord[] = [];
  let current = iterator;
  for (let page = 0; page < 1000; page++) {
    const result = await source.read(shardId, current, limit);
    records.push(...result.records);
    if (result.nextIterator === undefined) return { records, ended: true };
    if (result.records.length === 0) return { records, ended: false, nextIterator: result.nextIterator };
    current = result.nextIterator;
  }
  throw new Error(`drain: ${shardId} did not run dry in 1000 pages`);
}

/** The rejection of `promise` (fails the test if it resolves). */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as Error & Record<string, unknown>;
  }
  throw new Error('expected a rejection, but the call succeeded');
}
