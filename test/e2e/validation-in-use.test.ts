/**
 * V44 (api.md §6, §9): Update and Delete while a mapping is in a transitional state.
 *
 * The supervisor settles states within milliseconds, so this file drives an API-only
 * Sluice (`supervisor.enabled: false`) on a Redis db of its own: nothing settles there.
 * Where a test needs settled mappings it starts a full Sluice on the same db for a moment.
 */
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import {
  CreateEventSourceMappingCommand,
  DeleteEventSourceMappingCommand,
  GetEventSourceMappingCommand,
  UpdateEventSourceMappingCommand,
  type CreateEventSourceMappingCommandInput,
  type LambdaClient,
  type UpdateEventSourceMappingCommandInput,
} from '@aws-sdk/client-lambda';
import { allocateRedisDb, createQueue, createStream, pollUntil, type TestQueue } from '../support/index.js';
import { startTestSluice, type TestSluice } from '../support/sluice.js';
import { errorBody, expectInvalidParameter, expectLambdaError, expectRawError, expectValidation, item } from '../support/api-errors.js';

let db: number;
let apiOnly: TestSluice;
let queue: TestQueue;
beforeAll(async () => {
  db = await allocateRedisDb();
  [apiOnly, queue] = await Promise.all([startTestSluice({ supervisor: { enabled: false } }, db), createQueue()]);
});
afterAll(async () => {
  await apiOnly?.stop();
  await queue?.cleanup();
});

const CANNOT_UPDATE = 'Cannot update the event source mapping because it is in use.';
const CANNOT_DELETE = 'Cannot delete the event source mapping because it is in use.';

/** Each mapping on the shared queue gets a FunctionArn of its own. */
let qualifier = 0;
async function create(input: Partial<CreateEventSourceMappingCommandInput> = {}): Promise<string> {
  const created = await apiOnly.lambda.send(
    new CreateEventSourceMappingCommand({ FunctionName: `my-function:q${++qualifier}`, EventSourceArn: queue.queueArn, ...input }),
  );
  return created.UUID!;
}

const update = (uuid: string, input: Omit<UpdateEventSourceMappingCommandInput, 'UUID'>, client: LambdaClient = apiOnly.lambda) =>
  client.send(new UpdateEventSourceMappingCommand({ UUID: uuid, ...input }));
const remove = (uuid: string, client: LambdaClient = apiOnly.lambda) => client.send(new DeleteEventSourceMappingCommand({ UUID: uuid }));
const stateOf = async (uuid: string, client: LambdaClient = apiOnly.lambda) =>
  (await client.send(new GetEventSourceMappingCommand({ UUID: uuid }))).State;

/** Both V44 errors, through the SDK. */
async function expectInUse(uuid: string): Promise<void> {
  await expectLambdaError(update(uuid, { BatchSize: 5 }), 'ResourceInUseException', CANNOT_UPDATE);
  await expectLambdaError(update(uuid, { Enabled: true }), 'ResourceInUseException', CANNOT_UPDATE);
  await expectLambdaError(update(uuid, { Enabled: false }), 'ResourceInUseException', CANNOT_UPDATE);
  await expectLambdaError(remove(uuid), 'ResourceInUseException', CANNOT_DELETE);
}

/** A full Sluice (with a supervisor) on the same db, stopped when the test ends. */
async function startSupervisor(): Promise<TestSluice> {
  const full = await startTestSluice({}, db);
  let stopped: Promise<void> | undefined;
  const stop = () => (stopped ??= full.stop());
  onTestFinished(stop);
  return { ...full, stop };
}

describe('V44: Update and Delete in a transitional state', () => {
  it('Creating: Update and Delete fail with ResourceInUseException (HTTP 400, Message key)', async () => {
    const uuid = await create();
    expect(await stateOf(uuid)).toBe('Creating');
    await expectInUse(uuid);

    const path = `${apiOnly.url}/2015-03-31/event-source-mappings/${uuid}`;
    await expectRawError(
      await fetch(path, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"BatchSize": 5}' }),
      'ResourceInUseException',
      errorBody('ResourceInUseException', CANNOT_UPDATE),
    );
    await expectRawError(await fetch(path, { method: 'DELETE' }), 'ResourceInUseException', { Type: 'User', Message: CANNOT_DELETE });
    expect(await stateOf(uuid)).toBe('Creating');
  });

  it('V44 comes last: every other failing check of an Update is reported first', async () => {
    const holder = await create();
    const uuid = await create();
    expect(await stateOf(uuid)).toBe('Creating');
    // V1
    await expectLambdaError(update('00000000-0000-4000-8000-000000000000', { BatchSize: 5 }), 'ResourceNotFoundException', 'The resource you requested does not exist.');
    // V3
    await expectRawError(
      await fetch(`${apiOnly.url}/2015-03-31/event-source-mappings/${uuid}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: '{"BatchSize": "5"}',
      }),
      'InvalidRequestContentException',
      errorBody('InvalidRequestContentException', 'Could not parse request body into json: BatchSize has the wrong type'),
    );
    // Phase C
    await expectValidation(update(uuid, { BatchSize: 0 }), [item('0', 'batchSize', 'Member must have value greater than or equal to 1')]);
    // Phase D on the merged configuration, V38
    await expectInvalidParameter(
      update(uuid, { BatchSize: 11 }),
      'Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10',
    );
    await expectInvalidParameter(update(uuid, { FunctionName: 'unknown-function' }), 'Function does not exist');
    // V42
    const sent = `my-function:q${qualifier - 1}`;
    await expectLambdaError(
      update(uuid, { FunctionName: sent }),
      'ResourceConflictException',
      `An event source mapping with SQS arn (" ${queue.queueArn} ") and function (" ${sent} ") already exists. Please update or delete the existing mapping with UUID ${holder}`,
    );
    // ...and only then V44.
    await expectLambdaError(update(uuid, { FunctionName: 'other-function' }), 'ResourceInUseException', CANNOT_UPDATE);
    expect(await stateOf(uuid)).toBe('Creating');
  });

  it('Enabling: Update and Delete fail', async () => {
    const uuid = await create({ Enabled: false });
    expect(await stateOf(uuid)).toBe('Disabled');
    expect((await update(uuid, { Enabled: true })).State).toBe('Enabling');
    await expectInUse(uuid);
  });

  it('Updating (from Disabled): Update and Delete fail', async () => {
    const uuid = await create({ Enabled: false });
    expect((await update(uuid, { BatchSize: 4 })).State).toBe('Updating');
    await expectInUse(uuid);
  });

  it('Deleting: Update fails; Delete answers 202 Deleting again', async () => {
    const uuid = await create({ Enabled: false });
    expect((await remove(uuid)).State).toBe('Deleting');
    await expectLambdaError(update(uuid, { BatchSize: 5 }), 'ResourceInUseException', CANNOT_UPDATE);
    await expectLambdaError(update(uuid, { Enabled: true }), 'ResourceInUseException', CANNOT_UPDATE);
    const again = await fetch(`${apiOnly.url}/2015-03-31/event-source-mappings/${uuid}`, { method: 'DELETE' });
    expect(again.status).toBe(202);
    expect(((await again.json()) as { State: string }).State).toBe('Deleting');
    expect((await remove(uuid)).State).toBe('Deleting');
  });

  it('Disabling and Updating (from Enabled): Update and Delete fail; once a supervisor runs they settle and both work again', async () => {
    const stream = await createStream();
    onTestFinished(stream.cleanup);
    const disabling = await create();
    const updating = await create();
    const streamMapping = await create({ FunctionName: 'my-function', EventSourceArn: stream.streamArn, StartingPosition: 'LATEST' });
    const uuids = [disabling, updating, streamMapping];

    // Settle them to Enabled with a supervisor, then stop it again.
    const first = await startSupervisor();
    await pollUntil(async () => (await Promise.all(uuids.map((uuid) => stateOf(uuid)))).every((state) => state === 'Enabled'), {
      description: 'Enabled',
    });
    await first.stop();

    expect((await update(disabling, { Enabled: false })).State).toBe('Disabling');
    expect((await update(updating, { BatchSize: 7 })).State).toBe('Updating');
    expect((await update(streamMapping, { Enabled: true, BatchSize: 50 })).State).toBe('Updating');
    for (const uuid of uuids) await expectInUse(uuid);

    // A supervisor settles them; Update and Delete are allowed again.
    const second = await startSupervisor();
    await pollUntil(async () => (await stateOf(disabling, second.lambda)) === 'Disabled', { description: 'Disabling -> Disabled' });
    await pollUntil(async () => (await stateOf(updating, second.lambda)) === 'Enabled', { description: 'Updating -> Enabled' });
    await pollUntil(async () => (await stateOf(streamMapping, second.lambda)) === 'Enabled', { description: 'Updating -> Enabled' });
    expect((await update(updating, { BatchSize: 8 }, second.lambda)).State).toBe('Updating');
    expect((await remove(disabling, second.lambda)).State).toBe('Deleting');
    expect((await remove(streamMapping)).State).toBe('Deleting');
  });
});
