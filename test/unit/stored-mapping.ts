/** A StoredMapping as the store keeps it, for unit tests: an enabled SQS mapping unless `overrides` say otherwise. */
import type { StoredMapping } from '../../src/mappings/model.js';

const ACCOUNT = '123456789012';

/** Each UUID gets a queue of its own, so mappings of one test never share a (source, function) pair. */
export function storedMapping(uuid: string, overrides: Partial<StoredMapping> = {}): StoredMapping {
  return {
    UUID: uuid,
    EventSourceMappingArn: `arn:aws:lambda:us-east-1:${ACCOUNT}:event-source-mapping:${uuid}`,
    EventSourceArn: `arn:aws:sqs:us-east-1:${ACCOUNT}:queue-${uuid.slice(-4)}`,
    FunctionArn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:handler`,
    sourceType: 'sqs',
    fifo: false,
    State: 'Enabled',
    generation: 1,
    enabled: true,
    LastModified: 1,
    createdAt: 1,
    settings: {},
    ...overrides,
  };
}
