import { describe, expect, it } from 'vitest';
import { parseEventSourceArn } from '../../../src/mappings/event-source-arn.js';
import { LambdaApiError } from '../../../src/mappings/errors.js';
import { requireQueue, requireStream, type SourceChecks, type SourceLookup } from '../../../src/mappings/source-checks.js';

const queueArn = 'arn:aws:sqs:us-east-1:000000000000:orders';
const streamArn = 'arn:aws:kinesis:us-east-1:000000000000:stream/clicks';

/** Answers every question with the given lookups: the facts validation turns into errors. */
function checks(queue: SourceLookup<{ visibilityTimeoutSeconds: number; fifo: boolean }>, stream: SourceLookup<true>): SourceChecks {
  return { queue: () => Promise.resolve(queue), stream: () => Promise.resolve(stream) };
}

async function errorOf(promise: Promise<unknown>): Promise<LambdaApiError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(LambdaApiError);
  return error as LambdaApiError;
}

describe('source checks', () => {
  const queue = parseEventSourceArn(queueArn)!;
  const stream = parseEventSourceArn(streamArn)!;
  const unreachable = { found: false, missing: false, code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:9324' } as const;

  it('returns the queue facts when the queue is there', async () => {
    const facts = { visibilityTimeoutSeconds: 45, fifo: true };
    await expect(requireQueue(checks({ found: true, facts }, { found: true, facts: true }), queue)).resolves.toEqual(facts);
  });

  it("answers Lambda's own words for a missing queue (V39)", async () => {
    const error = await errorOf(requireQueue(checks({ found: false, missing: true }, { found: true, facts: true }), queue));
    expect(error.type).toBe('InvalidParameterValueException');
    expect(error.message).toBe(
      'Error occurred while ReceiveMessage. SQS Error Code: AWS.SimpleQueueService.NonExistentQueue. SQS Error Message: The specified queue does not exist.',
    );
  });

  it('answers Stream not found with the ARN for a missing stream (V40)', async () => {
    const error = await errorOf(requireStream(checks({ found: false, missing: true }, { found: false, missing: true }), stream));
    expect(error.type).toBe('InvalidParameterValueException');
    expect(error.message).toBe(`Stream not found: ${streamArn}`);
  });

  it('passes a stream that is there', async () => {
    await expect(requireStream(checks({ found: false, missing: true }, { found: true, facts: true }), stream)).resolves.toBeUndefined();
  });

  it('answers its own ServiceException, with code and message, when the source cannot be asked', async () => {
    const queueError = await errorOf(requireQueue(checks(unreachable, unreachable), queue));
    expect(queueError.type).toBe('ServiceException');
    expect(queueError.message).toBe(`Could not check event source ${queueArn}: ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:9324`);
    const streamError = await errorOf(requireStream(checks(unreachable, unreachable), stream));
    expect(streamError.type).toBe('ServiceException');
    expect(streamError.message).toBe(`Could not check event source ${streamArn}: ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:9324`);
  });
});
