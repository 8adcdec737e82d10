/**
 * The rewind request's checks (mappings/rewind-service.ts, rewind-request.ts): each refusal
 * in Lambda's error shape with a message saying what to send instead, in the documented
 * order; an accepted request is recorded once and announced on the change feed.
 */
import { describe, expect, it } from 'vitest';
import { LambdaApiError } from '../../../src/mappings/errors.js';
import type { StoredMapping } from '../../../src/mappings/model.js';
import type { RewindRequest } from '../../../src/mappings/rewind-request.js';
import { RewindService } from '../../../src/mappings/rewind-service.js';
import type { RewindRecord } from '../../../src/mappings/rewinds.js';
import { storedMapping } from '../stored-mapping.js';

const KINESIS = '11111111-1111-4111-8111-111111111111';
const DYNAMO = '22222222-2222-4222-8222-222222222222';
const SQS = '33333333-3333-4333-8333-333333333333';
const UPDATING = '44444444-4444-4444-8444-444444444444';
const NOW_MS = 1_765_000_000_000;

function harness() {
  const mappings = new Map<string, StoredMapping>([
    [KINESIS, storedMapping(KINESIS, { sourceType: 'kinesis', EventSourceArn: 'arn:aws:kinesis:us-east-1:123456789012:stream/s' })],
    [DYNAMO, storedMapping(DYNAMO, { sourceType: 'dynamodb', EventSourceArn: 'arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/x' })],
    [SQS, storedMapping(SQS)],
    [UPDATING, storedMapping(UPDATING, { sourceType: 'kinesis', State: 'Updating' })],
  ]);
  const notified: string[] = [];
  const records = new Map<string, RewindRecord>();
  const service = new RewindService({
    store: {
      get: async (uuid) => (mappings.has(uuid) ? { mapping: mappings.get(uuid)!, revision: '1' } : undefined),
      notifyChanged: async (uuid) => void notified.push(uuid),
    },
    rewinds: {
      begin: async (uuid: string, id: string, request: RewindRequest, nowMs: number) => {
        const running = records.get(uuid);
        if (running?.state === 'Rewinding') return { ok: false as const, running: running.id };
        records.set(uuid, { id, state: 'Rewinding', request, requestedAt: nowMs, pausedWorkers: [], moved: [] });
        return { ok: true as const };
      },
      last: async (uuid: string) => records.get(uuid),
    },
    listShardIds: async () => ['shardId-000000000000', 'shardId-000000000001'],
    liveWorkers: async () => ['w1', 'w2'],
    now: () => NOW_MS,
  });
  return { service, notified, records };
}

async function refusal(promise: Promise<unknown>): Promise<{ type: string; status: number; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof LambdaApiError) return { type: error.type, status: error.status, message: error.message };
    throw error;
  }
  throw new Error('not refused');
}

describe('RewindService.request', () => {
  it('accepts a position, records it and notifies every process', async () => {
    const { service, notified, records } = harness();
    const accepted = await service.request(KINESIS.toUpperCase(), '{"Position":"TRIM_HORIZON"}');
    expect(accepted).toEqual({ UUID: KINESIS, RewindId: expect.stringMatching(/^[0-9a-f-]{36}$/), State: 'Rewinding' });
    expect(records.get(KINESIS)).toMatchObject({ id: accepted.RewindId, request: { Position: 'TRIM_HORIZON' } });
    expect(notified).toEqual([KINESIS]);
    const view = await service.last(KINESIS);
    expect(view).toEqual({
      UUID: KINESIS,
      RewindId: accepted.RewindId,
      State: 'Rewinding',
      Position: 'TRIM_HORIZON',
      RequestedAt: NOW_MS / 1000,
      CompletedAt: null,
      Moves: [],
      PausedWorkers: [],
      WaitingFor: ['w1', 'w2'],
      LastError: null,
    });
  });

  it('accepts AT_TIMESTAMP for Kinesis and known shards with sequence numbers', async () => {
    const { service, records } = harness();
    await service.request(KINESIS, JSON.stringify({ Position: 'AT_TIMESTAMP', Timestamp: NOW_MS / 1000 - 60 }));
    expect(records.get(KINESIS)!.request).toEqual({ Position: 'AT_TIMESTAMP', Timestamp: NOW_MS / 1000 - 60 });
    records.get(KINESIS)!.state = 'Completed';
    await service.request(KINESIS, JSON.stringify({ Shards: { 'shardId-000000000001': '49590338271490256608559692538361571095921575989136588898' } }));
    expect(records.get(KINESIS)!.request).toEqual({ Shards: { 'shardId-000000000001': '49590338271490256608559692538361571095921575989136588898' } });
  });

  it.each([
    ['an unknown mapping', '55555555-5555-4555-8555-555555555555', '{"Position":"LATEST"}', 'ResourceNotFoundException', 404, 'does not exist'],
    ['a UUID that is not one', 'nope', '{"Position":"LATEST"}', 'ResourceNotFoundException', 404, 'does not exist'],
    ['an SQS mapping', SQS, '{"Position":"TRIM_HORIZON"}', 'InvalidParameterValueException', 400, 'only defined for stream event sources'],
    ['a body that is not JSON', KINESIS, '{"Position":', 'InvalidRequestContentException', 400, 'Could not parse request body'],
    ['both Position and Shards', KINESIS, '{"Position":"LATEST","Shards":{"a":"1"}}', 'InvalidParameterValueException', 400, 'Both Position and Shards'],
    ['neither', KINESIS, '{}', 'InvalidParameterValueException', 400, 'Neither Position nor Shards given'],
    ['an unknown position', KINESIS, '{"Position":"EARLIEST"}', 'InvalidParameterValueException', 400, 'Position must be one of TRIM_HORIZON, LATEST, AT_TIMESTAMP'],
    ['AT_TIMESTAMP without a time', KINESIS, '{"Position":"AT_TIMESTAMP"}', 'InvalidParameterValueException', 400, 'needs a Timestamp'],
    ['a Timestamp that is a string', KINESIS, '{"Position":"AT_TIMESTAMP","Timestamp":"yesterday"}', 'InvalidParameterValueException', 400, 'seconds since the epoch'],
    ['a future Timestamp', KINESIS, `{"Position":"AT_TIMESTAMP","Timestamp":${NOW_MS / 1000 + 10}}`, 'InvalidParameterValueException', 400, 'cannot be in the future'],
    ['a Timestamp with TRIM_HORIZON', KINESIS, '{"Position":"TRIM_HORIZON","Timestamp":1}', 'InvalidParameterValueException', 400, 'AT_TIMESTAMP only'],
    ['AT_TIMESTAMP on DynamoDB Streams', DYNAMO, '{"Position":"AT_TIMESTAMP","Timestamp":1}', 'InvalidParameterValueException', 400, 'Kinesis streams only'],
    ['an empty Shards', KINESIS, '{"Shards":{}}', 'InvalidParameterValueException', 400, 'names no shard'],
    ['a sequence number that is not one', KINESIS, '{"Shards":{"shardId-000000000000":"12a"}}', 'InvalidParameterValueException', 400, 'must be a sequence number'],
    ['an unknown shard', KINESIS, '{"Shards":{"shardId-000000000007":"1"}}', 'InvalidParameterValueException', 400, 'Unknown shard for this stream: shardId-000000000007. Its shards: shardId-000000000000, shardId-000000000001'],
    ['a mapping in a transitional state', UPDATING, '{"Position":"LATEST"}', 'ResourceInUseException', 409, 'while it is Updating'],
  ])('refuses %s', async (_what, uuid, body, type, status, message) => {
    const { service, notified } = harness();
    const answer = await refusal(service.request(uuid, body));
    expect(answer).toMatchObject({ type, status });
    expect(answer.message).toContain(message);
    expect(notified).toEqual([]);
  });

  it('refuses a second rewind while the first runs (409), accepts one once it completed', async () => {
    const { service, records } = harness();
    const first = await service.request(KINESIS, '{"Position":"TRIM_HORIZON"}');
    const answer = await refusal(service.request(KINESIS, '{"Position":"LATEST"}'));
    expect(answer).toMatchObject({ type: 'ResourceInUseException', status: 409 });
    expect(answer.message).toContain(first.RewindId);
    records.get(KINESIS)!.state = 'Completed';
    expect((await service.request(KINESIS, '{"Position":"LATEST"}')).RewindId).not.toBe(first.RewindId);
  });

  it('shows which live workers have not paused yet, and none once Completed', async () => {
    const { service, records } = harness();
    await service.request(KINESIS, '{"Position":"LATEST"}');
    records.get(KINESIS)!.pausedWorkers = ['w1'];
    expect(await service.last(KINESIS)).toMatchObject({ State: 'Rewinding', PausedWorkers: ['w1'], WaitingFor: ['w2'] });
    records.get(KINESIS)!.state = 'Completed';
    expect(await service.last(KINESIS)).toMatchObject({ State: 'Completed', WaitingFor: [] });
  });

  it('answers 404 for the last rewind of a mapping never rewound', async () => {
    const { service } = harness();
    expect(await refusal(service.last(DYNAMO))).toMatchObject({ type: 'ResourceNotFoundException', status: 404, message: 'This event source mapping was never rewound.' });
  });
});
