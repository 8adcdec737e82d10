/**
 * The config file's declared mappings (src/mappings/declared-mappings.ts and
 * applyDeclaredMapping) on the real store (a redis-server of this file's own): checked
 * without writing, created when missing, updated when a setting differs, left alone when
 * equal, and a failure names the mapping by its place in the config.
 */
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../../src/config/index.js';
import { FunctionRegistry } from '../../../src/functions/index.js';
import { applyDeclaredMappings, checkDeclaredMappings, DeclaredMappingError, type DeclaredMappings } from '../../../src/mappings/declared-mappings.js';
import { MappingService } from '../../../src/mappings/mapping-service.js';
import { MappingStore } from '../../../src/mappings/store.js';
import { captureLogs } from '../log-capture.js';
import { useLocalRedis } from '../local-redis.js';

const local = useLocalRedis();
const QUEUE = 'arn:aws:sqs:us-east-1:123456789012:orders';

async function setup(bodies: Record<string, unknown>[]) {
  const functions = new FunctionRegistry({ region: 'us-east-1', accountId: '123456789012' }, configSchema.parse({ functions: { handler: { lambda: 'handler' } } }).functions);
  const store = new MappingStore(await local.client(), local.freshPrefix());
  const service = new MappingService({
    region: 'us-east-1',
    accountId: '123456789012',
    maxFiltersPerMapping: 5,
    store,
    functions,
    sources: { queue: () => Promise.resolve({ found: true, facts: { visibilityTimeoutSeconds: 30, fifo: false } }), stream: () => Promise.resolve({ found: true, facts: true }) },
  });
  const { logger, lines } = captureLogs();
  const declared: DeclaredMappings = { bodies, service, store, functions, logger };
  return { declared, store, lines };
}

async function failure(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(DeclaredMappingError);
  expect((error as Error).name).toBe('DeclaredMappingError');
  return (error as Error).message;
}

describe('declared mappings', () => {
  it('check runs every Create check and writes nothing; the first failure names its index, ARN and function', async () => {
    const { declared, store } = await setup([
      { FunctionName: 'handler', EventSourceArn: QUEUE },
      { FunctionName: 'nobody', EventSourceArn: QUEUE },
    ]);
    expect(await failure(checkDeclaredMappings(declared))).toBe(`mappings[1] (${QUEUE} -> nobody): InvalidParameterValueException: Function does not exist`);
    expect(await store.all()).toEqual([]);
    await expect(checkDeclaredMappings({ ...declared, bodies: declared.bodies.slice(0, 1) })).resolves.toBeUndefined();
    expect(await store.all()).toEqual([]);
  });

  it('apply creates the missing mapping, leaves an equal one alone, updates one that differs', async () => {
    const { declared, store, lines } = await setup([{ FunctionName: 'handler', EventSourceArn: QUEUE, BatchSize: 5 }]);
    await applyDeclaredMappings(declared);
    const [created] = await store.all();
    expect(created).toMatchObject({ EventSourceArn: QUEUE, State: 'Creating', settings: { BatchSize: 5 } });
    expect(lines.map((l) => [l.msg, l.action, l.mappingId])).toEqual([['declared mapping applied', 'created', created!.UUID]]);

    // Settle it, as the supervisor would, so an Update is allowed.
    const current = (await store.get(created!.UUID))!;
    await store.replace(current, { ...current.mapping, State: 'Enabled' });
    await applyDeclaredMappings(declared);
    expect(lines.at(-1)).toMatchObject({ action: 'unchanged', mappingId: created!.UUID });
    // Enabled as it already is: unchanged.
    await applyDeclaredMappings({ ...declared, bodies: [{ FunctionName: 'handler', EventSourceArn: QUEUE, BatchSize: 5, Enabled: true }] });
    expect(lines.at(-1)).toMatchObject({ action: 'unchanged', mappingId: created!.UUID });
    expect((await store.get(created!.UUID))!.mapping.generation).toBe(1);

    await applyDeclaredMappings({ ...declared, bodies: [{ FunctionName: 'handler', EventSourceArn: QUEUE, BatchSize: 7 }] });
    expect(lines.at(-1)).toMatchObject({ action: 'updated', mappingId: created!.UUID });
    expect((await store.get(created!.UUID))!.mapping).toMatchObject({ State: 'Updating', generation: 2, settings: { BatchSize: 7 } });
    expect(await store.all()).toHaveLength(1);
  });

  it('an Enabled that differs is an update too', async () => {
    const { declared, store, lines } = await setup([{ FunctionName: 'handler', EventSourceArn: QUEUE }]);
    await applyDeclaredMappings(declared);
    const [created] = await store.all();
    const current = (await store.get(created!.UUID))!;
    await store.replace(current, { ...current.mapping, State: 'Enabled' });
    await applyDeclaredMappings({ ...declared, bodies: [{ FunctionName: 'handler', EventSourceArn: QUEUE, Enabled: false }] });
    expect(lines.at(-1)).toMatchObject({ action: 'updated' });
    expect((await store.get(created!.UUID))!.mapping).toMatchObject({ State: 'Disabling', enabled: false });
  });

  it('apply names a failing mapping by its place; a non-API error keeps its message', async () => {
    const { declared } = await setup([{ FunctionName: 'handler', EventSourceArn: QUEUE, BatchSize: 0 }]);
    expect(await failure(applyDeclaredMappings(declared))).toBe(
      `mappings[0] (${QUEUE} -> handler): ValidationException: 1 validation error detected: Value '0' at 'batchSize' failed to satisfy constraint: Member must have value greater than or equal to 1`,
    );
    const broken = { ...declared, service: { checkCreate: () => Promise.reject(new Error('socket closed')) } as unknown as MappingService };
    expect(await failure(checkDeclaredMappings(broken))).toBe(`mappings[0] (${QUEUE} -> handler): socket closed`);
  });

  it('a mapping still settling (ResourceInUse) is waited for, then updated', async () => {
    const { declared, store, lines } = await setup([{ FunctionName: 'handler', EventSourceArn: QUEUE }]);
    await applyDeclaredMappings(declared);
    const [created] = await store.all();
    // Still Creating: an Update answers ResourceInUse until the supervisor settles it.
    const applying = applyDeclaredMappings({ ...declared, bodies: [{ FunctionName: 'handler', EventSourceArn: QUEUE, BatchSize: 9 }] });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await store.get(created!.UUID))!.mapping.State).toBe('Creating');
    const current = (await store.get(created!.UUID))!;
    await store.replace(current, { ...current.mapping, State: 'Enabled' });
    await applying;
    expect(lines.at(-1)).toMatchObject({ action: 'updated', mappingId: created!.UUID });
    expect((await store.get(created!.UUID))!.mapping).toMatchObject({ State: 'Updating', settings: { BatchSize: 9 } });
  });
});
