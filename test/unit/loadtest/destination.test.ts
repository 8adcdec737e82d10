/** The records an on-failure message stands for (Lambda's on-failure record, streams). */
import { describe, expect, it } from 'vitest';
import { recordsInOnFailureMessage } from '../../../src/loadtest/destination.js';

describe('recordsInOnFailureMessage', () => {
  it("is the batch info's batchSize, Kinesis or DynamoDB", () => {
    expect(recordsInOnFailureMessage(JSON.stringify({ version: '1.0', KinesisBatchInfo: { shardId: 's', batchSize: 7 } }))).toBe(7);
    expect(recordsInOnFailureMessage(JSON.stringify({ version: '1.0', DDBStreamBatchInfo: { batchSize: 3 } }))).toBe(3);
  });

  it('counts one record for a message without a usable batch size', () => {
    expect(recordsInOnFailureMessage('{"something":"else"}')).toBe(1);
    expect(recordsInOnFailureMessage(JSON.stringify({ KinesisBatchInfo: { batchSize: 'x' } }))).toBe(1);
    expect(recordsInOnFailureMessage('not json')).toBe(1);
    expect(recordsInOnFailureMessage(undefined)).toBe(1);
  });
});
