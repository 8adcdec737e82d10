/**
 * The control plane's operations (src/mappings/mapping-service.ts) on the real mapping
 * store (a redis-server of this file's own), with an in-memory SourceChecks: the state each
 * call moves to (api.md §6), the refusals with their exact words (V1, V38, V41–V45), the
 * update rules (create-only members ignored, source existence not re-checked), and List's
 * filters and pages.
 */
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../../src/config/index.js';
import { FunctionRegistry } from '../../../src/functions/index.js';
import { LambdaApiError } from '../../../src/mappings/errors.js';
import { MappingService, type MappingServiceOptions } from '../../../src/mappings/mapping-service.js';
import { AllowedResources } from '../../../src/mappings/allowed-resources.js';
import type { SourceChecks, SourceLookup, QueueFacts } from '../../../src/mappings/source-checks.js';
import { MappingStore } from '../../../src/mappings/store.js';
import { useLocalRedis } from '../local-redis.js';

const local = useLocalRedis();
const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const NOW_MS = Date.UTC(2026, 11, 6, 12);
const QUEUE = `arn:aws:sqs:${REGION}:${ACCOUNT}:orders`;
const STREAM = `arn:aws:kinesis:${REGION}:${ACCOUNT}:stream/clicks`;
const fnArn = (name: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`;

/** What the fake sources answer; tests change it between calls. */
interface Sources {
  queue: SourceLookup<QueueFacts>;
  stream: SourceLookup<true>;
}

async function setup(sources: Partial<Sources> = {}, extra: Partial<MappingServiceOptions> = {}) {
  const answers: Sources = { queue: { found: true, facts: { visibilityTimeoutSeconds: 60, fifo: false } }, stream: { found: true, facts: true }, ...sources };
  const checks: SourceChecks = { queue: () => Promise.resolve(answers.queue), stream: () => Promise.resolve(answers.stream) };
  const functions = new FunctionRegistry(
    { region: REGION, accountId: ACCOUNT },
    configSchema.parse({ functions: { handler: { lambda: 'handler', timeout: 30 }, slow: { lambda: 'slow', timeout: 120 } } }).functions,
  );
  const store = new MappingStore(await local.client(), local.freshPrefix());
  let now = NOW_MS;
  const service = new MappingService({
    region: REGION,
    accountId: ACCOUNT,
    maxFiltersPerMapping: 5,
    store,
    functions,
    sources: checks,
    now: () => now,
    ...extra,
  });
  return { service, store, answers, advance: (ms: number) => (now += ms) };
}

async function refusal(promise: Promise<unknown>): Promise<{ type: string; status: number; message: string }> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(LambdaApiError);
  const { type, status, message } = error as LambdaApiError;
  return { type, status, message };
}
const body = (value: Record<string, unknown>) => JSON.stringify(value);
const sqsBody = (extra: Record<string, unknown> = {}) => body({ FunctionName: 'handler', EventSourceArn: QUEUE, ...extra });

describe('MappingService.create', () => {
  it('stores an SQS mapping in Creating with its ARN, resolved function, defaults and time', async () => {
    const { service, store } = await setup();
    const created = await service.create(sqsBody({ BatchSize: 5 }));
    const uuid = created.UUID as string;
    expect(uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(created).toMatchObject({
      EventSourceMappingArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:event-source-mapping:${uuid}`,
      EventSourceArn: QUEUE,
      FunctionArn: fnArn('handler'),
      State: 'Creating',
      LastModified: NOW_MS / 1000,
      BatchSize: 5,
    });
    expect(created).not.toHaveProperty('LastProcessingResult');
    const stored = (await store.get(uuid))!.mapping;
    expect(stored).toMatchObject({ sourceType: 'sqs', fifo: false, generation: 1, enabled: true, createdAt: NOW_MS, State: 'Creating' });
    expect(await service.get(uuid)).toEqual(created);
  });

  it('a disabled Create starts Disabled; a stream mapping starts with "No records processed"', async () => {
    const { service, store } = await setup();
    const disabled = await service.create(sqsBody({ Enabled: false }));
    expect(disabled.State).toBe('Disabled');
    expect((await store.get(disabled.UUID as string))!.mapping.enabled).toBe(false);
    const stream = await service.create(body({ FunctionName: 'handler', EventSourceArn: STREAM, StartingPosition: 'LATEST' }));
    expect(stream).toMatchObject({ State: 'Creating', LastProcessingResult: 'No records processed', StartingPosition: 'LATEST' });
  });

  it('a FIFO queue mapping records fifo', async () => {
    const { service, store } = await setup({ queue: { found: true, facts: { visibilityTimeoutSeconds: 60, fifo: true } } });
    const created = await service.create(body({ FunctionName: 'handler', EventSourceArn: `${QUEUE}.fifo` }));
    expect((await store.get(created.UUID as string))!.mapping.fifo).toBe(true);
  });

  it('V38: an unknown function is "Function does not exist" and nothing is stored', async () => {
    const { service, store } = await setup();
    expect(await refusal(service.create(sqsBody({ FunctionName: 'nobody' })))).toEqual({ type: 'InvalidParameterValueException', status: 400, message: 'Function does not exist' });
    expect(await store.all()).toEqual([]);
  });

  it('V41: a visibility timeout below the function timeout; equal is fine', async () => {
    const { service, answers } = await setup();
    answers.queue = { found: true, facts: { visibilityTimeoutSeconds: 29, fifo: false } };
    expect(await refusal(service.create(sqsBody()))).toEqual({
      type: 'InvalidParameterValueException',
      status: 400,
      message: 'Queue visibility timeout: 29 seconds is less than Function timeout: 30 seconds',
    });
    answers.queue = { found: true, facts: { visibilityTimeoutSeconds: 30, fifo: false } };
    await expect(service.create(sqsBody())).resolves.toMatchObject({ State: 'Creating' });
  });

  it('V39 / V40: a missing queue or stream on Create', async () => {
    const { service, answers } = await setup({ queue: { found: false, missing: true }, stream: { found: false, missing: true } });
    expect((await refusal(service.create(sqsBody()))).type).toBe('InvalidParameterValueException');
    expect((await refusal(service.create(body({ FunctionName: 'handler', EventSourceArn: STREAM, StartingPosition: 'LATEST' })))).message).toBe(`Stream not found: ${STREAM}`);
    answers.queue = { found: true, facts: { visibilityTimeoutSeconds: 60, fifo: false } };
    await expect(service.create(sqsBody())).resolves.toBeDefined();
  });

  it('V42 / V43: the same source and function twice name the existing mapping', async () => {
    const { service } = await setup();
    const first = await service.create(sqsBody());
    expect(await refusal(service.create(body({ FunctionName: fnArn('handler'), EventSourceArn: QUEUE })))).toEqual({
      type: 'ResourceConflictException',
      status: 409,
      message: `An event source mapping with SQS arn (" ${QUEUE} ") and function (" ${fnArn('handler')} ") already exists. Please update or delete the existing mapping with UUID ${first.UUID as string}`,
    });
    const stream = await service.create(body({ FunctionName: 'handler', EventSourceArn: STREAM, StartingPosition: 'LATEST' }));
    expect((await refusal(service.create(body({ FunctionName: 'handler', EventSourceArn: STREAM, StartingPosition: 'TRIM_HORIZON' })))).message).toBe(
      `The event source arn (" ${STREAM} ") and function (" handler ") provided mapping already exists. Please update or delete the existing mapping with UUID ${stream.UUID as string}`,
    );
  });

  it('the model constraints come before the function and the source (api.md §10)', async () => {
    const { service } = await setup({ queue: { found: false, missing: true } });
    expect(await refusal(service.create(body({ FunctionName: 'nobody', EventSourceArn: QUEUE, BatchSize: 0 })))).toEqual({
      type: 'ValidationException',
      status: 400,
      message: "1 validation error detected: Value '0' at 'batchSize' failed to satisfy constraint: Member must have value greater than or equal to 1",
    });
  });

  it('more than 50 tags on Create is the tag limit; 50 is fine', async () => {
    const { service, store } = await setup();
    const tags = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 'v']));
    expect(await refusal(service.create(sqsBody({ Tags: tags(51) })))).toEqual({ type: 'InvalidParameterValueException', status: 400, message: 'Number of tags exceeds resource tag limit.' });
    const created = await service.create(sqsBody({ Tags: tags(50) }));
    expect(Object.keys(await store.getTags(created.UUID as string))).toHaveLength(50);
  });
});

describe('MappingService.update / delete', () => {
  async function settled(enabled: boolean) {
    const context = await setup();
    const created = await context.service.create(sqsBody({ Enabled: enabled }));
    const uuid = created.UUID as string;
    const current = (await context.store.get(uuid))!;
    await context.store.replace(current, { ...current.mapping, State: enabled ? 'Enabled' : 'Disabled' });
    return { ...context, uuid };
  }

  it('an Update moves Enabled to Updating or Disabling, with the next generation and time', async () => {
    const { service, store, uuid, advance } = await settled(true);
    advance(5_000);
    expect(await service.update(uuid, body({ BatchSize: 7 }))).toMatchObject({ State: 'Updating', BatchSize: 7, LastModified: (NOW_MS + 5_000) / 1000 });
    expect((await store.get(uuid))!.mapping).toMatchObject({ generation: 2, enabled: true });
    const current = (await store.get(uuid))!;
    await store.replace(current, { ...current.mapping, State: 'Enabled' });
    expect(await service.update(uuid, body({ Enabled: false }))).toMatchObject({ State: 'Disabling', BatchSize: 7 });
    expect((await store.get(uuid))!.mapping).toMatchObject({ generation: 3, enabled: false });
  });

  it('an Update of a Disabled mapping with Enabled: true is Enabling', async () => {
    const { service, uuid } = await settled(false);
    expect(await service.update(uuid, body({ Enabled: true }))).toMatchObject({ State: 'Enabling' });
  });

  it('V44: Update and Delete of a mapping in a transitional state are refused with their words', async () => {
    const { service, uuid } = await settled(true);
    await service.update(uuid, body({ BatchSize: 3 }));
    expect(await refusal(service.update(uuid, body({ BatchSize: 4 })))).toEqual({
      type: 'ResourceInUseException',
      status: 400,
      message: 'Cannot update the event source mapping because it is in use.',
    });
    expect(await refusal(service.delete(uuid))).toEqual({ type: 'ResourceInUseException', status: 400, message: 'Cannot delete the event source mapping because it is in use.' });
  });

  it('an Update ignores the create-only members and never re-checks the source', async () => {
    const { service, uuid, answers } = await settled(true);
    answers.queue = { found: false, missing: true };
    const updated = await service.update(uuid, body({ EventSourceArn: 'arn:aws:sqs:us-east-1:123456789012:other', StartingPosition: 'LATEST', Tags: { a: 'b' }, BatchSize: 2 }));
    expect(updated).toMatchObject({ EventSourceArn: QUEUE, BatchSize: 2, State: 'Updating' });
  });

  it('renaming the function re-checks V38 and V41 and moves the function ARN', async () => {
    const { service, uuid } = await settled(true);
    expect((await refusal(service.update(uuid, body({ FunctionName: 'nobody' })))).message).toBe('Function does not exist');
    expect((await refusal(service.update(uuid, body({ FunctionName: 'slow' })))).message).toBe(
      'Queue visibility timeout: 60 seconds is less than Function timeout: 120 seconds',
    );
  });

  it('renaming onto a pair another mapping holds is V42', async () => {
    const { service, store, uuid, answers } = await settled(true);
    answers.queue = { found: true, facts: { visibilityTimeoutSeconds: 900, fifo: false } };
    const other = await service.create(body({ FunctionName: 'slow', EventSourceArn: QUEUE }));
    expect((await refusal(service.update(uuid, body({ FunctionName: 'slow' })))).message).toBe(
      `An event source mapping with SQS arn (" ${QUEUE} ") and function (" slow ") already exists. Please update or delete the existing mapping with UUID ${other.UUID as string}`,
    );
    expect((await store.get(uuid))!.mapping.FunctionArn).toBe(fnArn('handler'));
  });

  it('Delete moves to Deleting once; Deleting again answers the same', async () => {
    const { service, store, uuid } = await settled(false);
    expect(await service.delete(uuid)).toMatchObject({ State: 'Deleting' });
    expect((await store.get(uuid))!.mapping.generation).toBe(2);
    expect(await service.delete(uuid)).toMatchObject({ State: 'Deleting' });
    expect((await store.get(uuid))!.mapping.generation).toBe(2);
  });

  it('V1: unknown and malformed ids', async () => {
    const { service } = await setup();
    const notFound = { type: 'ResourceNotFoundException', status: 404, message: 'The resource you requested does not exist.' };
    for (const uuid of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid', '6F0C1D2E-3A4B-4C5D-8E9F-0A1B2C3D4E5F']) {
      expect(await refusal(service.get(uuid))).toEqual(notFound);
      expect(await refusal(service.update(uuid, '{}'))).toEqual(notFound);
      expect(await refusal(service.delete(uuid))).toEqual(notFound);
    }
  });
});

describe('MappingService.list', () => {
  async function three() {
    const context = await setup({ queue: { found: true, facts: { visibilityTimeoutSeconds: 900, fifo: false } } });
    const ids: string[] = [];
    for (const [fn, arn] of [['handler', QUEUE], ['slow', QUEUE], ['handler', STREAM]] as const) {
      context.advance(1);
      ids.push((await context.service.create(body({ FunctionName: fn, EventSourceArn: arn, ...(arn === STREAM ? { StartingPosition: 'LATEST' } : {}) }))).UUID as string);
    }
    return { ...context, ids };
  }
  const uuids = (page: { EventSourceMappings: Record<string, unknown>[] }) => page.EventSourceMappings.map((m) => m.UUID);

  it('lists in creation order, filtered by source and by function', async () => {
    const { service, ids } = await three();
    expect(uuids(await service.list({}))).toEqual(ids);
    expect(uuids(await service.list({ EventSourceArn: QUEUE }))).toEqual([ids[0], ids[1]]);
    expect(uuids(await service.list({ FunctionName: 'handler' }))).toEqual([ids[0], ids[2]]);
    expect(uuids(await service.list({ FunctionName: fnArn('slow'), EventSourceArn: QUEUE }))).toEqual([ids[1]]);
    expect(uuids(await service.list({ FunctionName: `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:handler` }))).toEqual([]);
  });

  it('pages by MaxItems with a NextMarker until the last page, which has none', async () => {
    const { service, ids } = await three();
    const first = await service.list({ MaxItems: '2' });
    expect(uuids(first)).toEqual([ids[0], ids[1]]);
    expect(first.NextMarker).toEqual(expect.any(String));
    const second = await service.list({ MaxItems: '2', Marker: first.NextMarker! });
    expect(uuids(second)).toEqual([ids[2]]);
    expect(second).not.toHaveProperty('NextMarker');
    expect(await service.list({ MaxItems: '3' })).not.toHaveProperty('NextMarker');
  });

  it('V16 / V45 and a malformed FunctionName: the exact refusals', async () => {
    const { service } = await setup();
    expect((await refusal(service.list({ MaxItems: '0' }))).message).toBe(
      "1 validation error detected: Value '0' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1",
    );
    expect((await refusal(service.list({ MaxItems: 'ten' }))).message).toMatch(/^1 validation error detected: Value '0' at 'maxItems'/);
    expect((await refusal(service.list({ MaxItems: '10001' }))).message).toMatch(/less than or equal to 10000$/);
    expect(await refusal(service.list({ Marker: 'bogus' }))).toEqual({ type: 'InvalidParameterValueException', status: 400, message: 'Invalid Marker provided.' });
    expect((await refusal(service.list({ FunctionName: 'bad name' }))).message).toMatch(/^1 validation error detected: Value 'bad name' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: /);
    expect((await refusal(service.list({ FunctionName: 'bad name', MaxItems: '0' }))).message).toMatch(/^2 validation errors detected: /);
  });
});

describe('MappingService: pins, allow lists, qualifiers and re-checks', () => {
  it('pins where a new stream mapping starts for LATEST and AT_TIMESTAMP only, and unpins after a duplicate', async () => {
    const calls: string[] = [];
    const latestPins = {
      pin: (uuid: string, arn: string, position: string) => Promise.resolve(void calls.push(`pin ${arn} ${position}`)),
      remove: (uuid: string) => Promise.resolve(void calls.push(`remove ${uuid.length}`)),
    };
    const { service, store } = await setup({}, { latestPins });
    const latest = await service.create(body({ FunctionName: 'handler', EventSourceArn: STREAM, StartingPosition: 'LATEST' }));
    expect(calls).toEqual([`pin ${STREAM} LATEST`]);
    expect((await store.get(latest.UUID as string))!.mapping.fifo).toBe(false);
    const table = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/Orders/stream/2024`;
    await service.create(body({ FunctionName: 'handler', EventSourceArn: table, StartingPosition: 'TRIM_HORIZON' }));
    await service.create(sqsBody());
    expect(calls).toEqual([`pin ${STREAM} LATEST`]);
    await refusal(service.create(body({ FunctionName: 'handler', EventSourceArn: STREAM, StartingPosition: 'AT_TIMESTAMP', StartingPositionTimestamp: NOW_MS / 1000 - 60 })));
    expect(calls).toEqual([`pin ${STREAM} LATEST`, `pin ${STREAM} AT_TIMESTAMP`, 'remove 36']);
  });

  it('the allow lists refuse a Create outside them, and an Update only when it sets a destination', async () => {
    const allowed = new AllowedResources({ sources: { allow: [STREAM] }, destinations: { allow: [] } });
    const { service, store } = await setup({}, { allowed });
    expect((await refusal(service.create(sqsBody()))).message).toBe(`EventSourceArn ${QUEUE} is not allowed by this Sluice's sources.allow setting.`);
    const created = await service.create(body({ FunctionName: 'handler', EventSourceArn: STREAM, StartingPosition: 'LATEST' }));
    const uuid = created.UUID as string;
    const current = (await store.get(uuid))!;
    await store.replace(current, { ...current.mapping, State: 'Enabled' });
    const dlq = `arn:aws:sqs:${REGION}:${ACCOUNT}:dlq`;
    expect((await refusal(service.update(uuid, body({ DestinationConfig: { OnFailure: { Destination: dlq } } })))).message).toBe(
      `DestinationConfig.OnFailure.Destination ${dlq} is not allowed by this Sluice's destinations.allow setting.`,
    );
    await expect(service.update(uuid, body({ BatchSize: 3 }))).resolves.toMatchObject({ State: 'Updating' });
  });

  it('renaming to the function it already has is no conflict; the source is not re-checked on update', async () => {
    const { service, store, answers } = await setup();
    const created = await service.create(sqsBody());
    const uuid = created.UUID as string;
    const current = (await store.get(uuid))!;
    await store.replace(current, { ...current.mapping, State: 'Enabled' });
    answers.queue = { found: false, missing: true };
    await expect(service.update(uuid, body({ FunctionName: fnArn('handler') }))).resolves.toMatchObject({ State: 'Updating', FunctionArn: fnArn('handler') });
  });

  it('a stream mapping is not re-checked on update either', async () => {
    const { service, store, answers } = await setup();
    const created = await service.create(body({ FunctionName: 'handler', EventSourceArn: STREAM, StartingPosition: 'LATEST' }));
    const uuid = created.UUID as string;
    const current = (await store.get(uuid))!;
    await store.replace(current, { ...current.mapping, State: 'Enabled' });
    answers.stream = { found: false, missing: true };
    await expect(service.update(uuid, body({ FunctionName: 'slow' }))).resolves.toMatchObject({ FunctionArn: fnArn('slow') });
  });

  it('Delete stamps LastModified in seconds', async () => {
    const { service, store, advance } = await setup();
    const created = await service.create(sqsBody({ Enabled: false }));
    advance(2_500);
    expect(await service.delete(created.UUID as string)).toMatchObject({ State: 'Deleting', LastModified: (NOW_MS + 2_500) / 1000 });
    expect((await store.get(created.UUID as string))!.mapping.LastModified).toBe((NOW_MS + 2_500) / 1000);
  });

  it('List by function: unqualified matches every qualifier, qualified only itself; a MaxItems that is not an integer is 0', async () => {
    const { service, advance } = await setup();
    const plain = await service.create(sqsBody());
    advance(1);
    const prod = await service.create(body({ FunctionName: 'handler:prod', EventSourceArn: QUEUE }));
    expect((await service.list({ FunctionName: 'handler' })).EventSourceMappings.map((m) => m.UUID)).toEqual([plain.UUID, prod.UUID]);
    expect((await service.list({ FunctionName: 'handler:prod' })).EventSourceMappings.map((m) => m.UUID)).toEqual([prod.UUID]);
    for (const maxItems of ['5x', 'x5', '1.5']) expect((await refusal(service.list({ MaxItems: maxItems }))).message).toMatch(/^1 validation error detected: Value '0' at 'maxItems'/);
    expect((await service.list({ MaxItems: '1' })).EventSourceMappings).toHaveLength(1);
  });
});
