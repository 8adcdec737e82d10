/**
 * The REST routes (src/api/server.ts) through fastify's inject(), on an in-memory fake of
 * the mapping and tag services: what each route passes to its service, the status and
 * body it answers, and how each kind of error leaves (api.md §1–§2, §8, §10).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApiServer, type ApiDependencies } from '../../../src/api/server.js';
import { LambdaApiError, mappingNotFound, validationError } from '../../../src/mappings/errors.js';
import type { ListQuery, MappingService } from '../../../src/mappings/mapping-service.js';
import type { TagService } from '../../../src/mappings/tag-service.js';
import type { StoreLoss } from '../../../src/mappings/store-marker.js';
import { createLogger } from '../../../src/observability/logger.js';

const ESM = '/2015-03-31/event-source-mappings';
const TAGS = '/2017-03-31/tags';
const UUID = '6f0c1d2e-3a4b-4c5d-8e9f-0a1b2c3d4e5f';
const MAPPING_ARN = `arn:aws:lambda:us-east-1:123456789012:event-source-mapping:${UUID}`;

/** The services' calls, in order, as the routes made them. */
type Call = [string, ...unknown[]];

/** An in-memory mapping service: one known mapping; other ids are V1. */
class FakeMappings {
  readonly calls: Call[] = [];
  failWith?: Error;
  private readonly known = new Map<string, Record<string, unknown>>([[UUID, { UUID, State: 'Enabled' }]]);

  private answer<T>(value: T): Promise<T> {
    return this.failWith === undefined ? Promise.resolve(value) : Promise.reject(this.failWith);
  }
  private find(uuid: string): Promise<Record<string, unknown>> {
    const mapping = this.known.get(uuid);
    return mapping ? this.answer(mapping) : Promise.reject(mappingNotFound());
  }
  create(body: string) {
    this.calls.push(['create', body]);
    return this.answer({ UUID, State: 'Creating', body });
  }
  list(query: ListQuery) {
    this.calls.push(['list', { ...query }]);
    return this.answer({ EventSourceMappings: [...this.known.values()] });
  }
  get(uuid: string) {
    this.calls.push(['get', uuid]);
    return this.find(uuid);
  }
  load(uuid: string) {
    this.calls.push(['load', uuid]);
    return this.find(uuid);
  }
  async update(uuid: string, body: string) {
    this.calls.push(['update', uuid, body]);
    return { ...(await this.find(uuid)), State: 'Updating', body };
  }
  async delete(uuid: string) {
    this.calls.push(['delete', uuid]);
    return { ...(await this.find(uuid)), State: 'Deleting' };
  }
}

class FakeTags {
  readonly calls: Call[] = [];
  list(arn: string) {
    this.calls.push(['list', arn]);
    return Promise.resolve({ team: 'a' });
  }
  tag(arn: string, body: string) {
    this.calls.push(['tag', arn, body]);
    return Promise.resolve();
  }
  untag(arn: string, keys: string[]) {
    this.calls.push(['untag', arn, keys]);
    return Promise.resolve();
  }
}

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

function serve(extra: Partial<ApiDependencies> = {}) {
  const mappings = new FakeMappings();
  const tags = new FakeTags();
  app = buildApiServer({
    // The routes use only the public methods; the classes' private state is not part of it.
    mappings: mappings as unknown as MappingService,
    tags: tags as unknown as TagService,
    logger: createLogger({ level: 'silent' }),
    timeouts: { requestTimeoutMs: 5_000, keepAliveTimeoutMs: 5_000 },
    ...extra,
  });
  return { app, mappings, tags };
}

describe('mapping routes', () => {
  it('Create passes the raw body text whatever the Content-Type and answers 202 with the mapping', async () => {
    const { app, mappings } = serve();
    const body = '{"FunctionName":"f","EventSourceArn":"arn:aws:sqs:us-east-1:123456789012:q"}';
    for (const type of ['application/json', 'application/x-amz-json-1.1', 'text/plain']) {
      const response = await app.inject({ method: 'POST', url: ESM, payload: body, headers: { 'content-type': type } });
      expect(response.statusCode).toBe(202);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      expect(response.json()).toEqual({ UUID, State: 'Creating', body });
    }
    expect(mappings.calls).toEqual([['create', body], ['create', body], ['create', body]]);
  });

  it('Create without a body passes an empty text (the service answers for it)', async () => {
    const { app, mappings } = serve();
    await app.inject({ method: 'POST', url: ESM });
    expect(mappings.calls).toEqual([['create', '']]);
  });

  it('List passes the query members and answers 200; a trailing slash is the same route', async () => {
    const { app, mappings } = serve();
    const response = await app.inject({ method: 'GET', url: `${ESM}/?FunctionName=f&MaxItems=5&Marker=m&EventSourceArn=arn` });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ EventSourceMappings: [{ UUID, State: 'Enabled' }] });
    expect(mappings.calls).toEqual([['list', { FunctionName: 'f', MaxItems: '5', Marker: 'm', EventSourceArn: 'arn' }]]);
  });

  it('Get answers 200 with the mapping, and V1 for an unknown id in Lambda\'s shape', async () => {
    const { app } = serve();
    const found = await app.inject({ method: 'GET', url: `${ESM}/${UUID}` });
    expect(found.statusCode).toBe(200);
    expect(found.json()).toEqual({ UUID, State: 'Enabled' });
    const missing = await app.inject({ method: 'GET', url: `${ESM}/00000000-0000-0000-0000-000000000000` });
    expect(missing.statusCode).toBe(404);
    expect(missing.headers['x-amzn-errortype']).toBe('ResourceNotFoundException');
    expect(missing.json()).toEqual({ Type: 'User', Message: 'The resource you requested does not exist.' });
  });

  it('Update loads the mapping before the body and answers 202 with the update', async () => {
    const { app, mappings } = serve();
    const response = await app.inject({ method: 'PUT', url: `${ESM}/${UUID}`, payload: '{"BatchSize":5}' });
    expect(response.statusCode).toBe(202);
    expect(response.json()).toEqual({ UUID, State: 'Updating', body: '{"BatchSize":5}' });
    expect(mappings.calls).toEqual([['load', UUID], ['update', UUID, '{"BatchSize":5}']]);
  });

  it('Update of an unknown mapping is V1 even with a body over 1 MiB (V1 before V2a, api.md §10)', async () => {
    const { app, mappings } = serve();
    const other = '00000000-0000-0000-0000-000000000000';
    const response = await app.inject({ method: 'PUT', url: `${ESM}/${other}`, payload: 'x'.repeat(1_048_577) });
    expect(response.statusCode).toBe(404);
    expect(response.headers['x-amzn-errortype']).toBe('ResourceNotFoundException');
    expect(mappings.calls).toEqual([['load', other]]);
  });

  it('Update of a known mapping with a body over 1 MiB is V2a', async () => {
    const { app, mappings } = serve();
    const response = await app.inject({ method: 'PUT', url: `${ESM}/${UUID}`, payload: 'x'.repeat(1_048_577) });
    expect(response.statusCode).toBe(413);
    expect(response.headers['x-amzn-errortype']).toBe('RequestTooLargeException');
    expect(response.json()).toEqual({ Type: 'User', message: 'Request must be smaller than 1048576 bytes.' });
    expect(mappings.calls).toEqual([['load', UUID]]);
  });

  it('Delete answers 202 with the mapping in Deleting', async () => {
    const { app, mappings } = serve();
    const response = await app.inject({ method: 'DELETE', url: `${ESM}/${UUID}` });
    expect(response.statusCode).toBe(202);
    expect(response.json()).toEqual({ UUID, State: 'Deleting' });
    expect(mappings.calls).toEqual([['delete', UUID]]);
  });
});

describe('tag routes', () => {
  it('ListTags takes the URL-encoded ARN as one segment, decoded once', async () => {
    const { app, tags } = serve();
    const response = await app.inject({ method: 'GET', url: `${TAGS}/${encodeURIComponent(MAPPING_ARN)}` });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ Tags: { team: 'a' } });
    // `%2541` is the text `%41` once decoded: decoding twice would make it `A`.
    await app.inject({ method: 'GET', url: `${TAGS}/arn%253Aa%2541` });
    expect(tags.calls).toEqual([['list', MAPPING_ARN], ['list', 'arn%3Aa%41']]);
  });

  it('ListTags also takes an unencoded ARN', async () => {
    const { app, tags } = serve();
    await app.inject({ method: 'GET', url: `${TAGS}/${MAPPING_ARN}` });
    expect(tags.calls).toEqual([['list', MAPPING_ARN]]);
  });

  it('TagResource passes the body text and answers 204 with no body', async () => {
    const { app, tags } = serve();
    const response = await app.inject({ method: 'POST', url: `${TAGS}/${encodeURIComponent(MAPPING_ARN)}`, payload: '{"Tags":{"a":"b"}}' });
    expect(response.statusCode).toBe(204);
    expect(response.body).toBe('');
    expect(tags.calls).toEqual([['tag', MAPPING_ARN, '{"Tags":{"a":"b"}}']]);
  });

  it('UntagResource passes one, several or no tagKeys as a list and answers 204', async () => {
    const { app, tags } = serve();
    const url = `${TAGS}/${encodeURIComponent(MAPPING_ARN)}`;
    for (const query of ['?tagKeys=a', '?tagKeys=a&tagKeys=b', '']) {
      const response = await app.inject({ method: 'DELETE', url: `${url}${query}` });
      expect(response.statusCode).toBe(204);
    }
    expect(tags.calls).toEqual([
      ['untag', MAPPING_ARN, ['a']],
      ['untag', MAPPING_ARN, ['a', 'b']],
      ['untag', MAPPING_ARN, []],
    ]);
  });
});

describe('errors leave in Lambda\'s shape', () => {
  it('every answer carries a fresh x-amzn-RequestId', async () => {
    const { app } = serve();
    const first = await app.inject({ method: 'GET', url: ESM });
    const second = await app.inject({ method: 'GET', url: `${ESM}/unknown` });
    for (const response of [first, second]) expect(response.headers['x-amzn-requestid']).toMatch(/^[0-9a-f-]{36}$/);
    expect(first.headers['x-amzn-requestid']).not.toBe(second.headers['x-amzn-requestid']);
  });

  it('a service\'s LambdaApiError keeps its type, status and message (ValidationException has no Type)', async () => {
    const { app, mappings } = serve();
    mappings.failWith = validationError(["Value '0' at 'batchSize' failed to satisfy constraint: Member must have value greater than or equal to 1"]);
    const response = await app.inject({ method: 'POST', url: ESM, payload: '{}' });
    expect(response.statusCode).toBe(400);
    expect(response.headers['x-amzn-errortype']).toBe('ValidationException');
    expect(response.json()).toEqual({
      message: "1 validation error detected: Value '0' at 'batchSize' failed to satisfy constraint: Member must have value greater than or equal to 1",
    });
  });

  it('a Redis that cannot serve is ServiceException with 503 and the cause in words', async () => {
    const { app, mappings } = serve();
    mappings.failWith = new Error('Connection is closed.');
    const response = await app.inject({ method: 'GET', url: ESM });
    expect(response.statusCode).toBe(503);
    expect(response.headers['x-amzn-errortype']).toBe('ServiceException');
    expect(response.json()).toEqual({ Type: 'Service', Message: "Sluice's store (Redis) is unavailable: connection closed" });
  });

  it('any other error is ServiceException 500 "Internal error: <message>"', async () => {
    const { app, mappings } = serve();
    mappings.failWith = new TypeError('x is undefined');
    const response = await app.inject({ method: 'GET', url: ESM });
    expect(response.statusCode).toBe(500);
    expect(response.json()).toEqual({ Type: 'Service', Message: 'Internal error: x is undefined' });
  });

  it('an unknown route is UnknownOperationException naming method and path, without the query', async () => {
    const { app } = serve();
    const response = await app.inject({ method: 'PATCH', url: `${ESM}/${UUID}?x=1` });
    expect(response.statusCode).toBe(404);
    expect(response.headers['x-amzn-errortype']).toBe('UnknownOperationException');
    expect(response.json()).toEqual({ Type: 'User', message: `Unknown operation PATCH ${ESM}/${UUID}` });
  });

  it('a body over 1 MiB on Create is V2a', async () => {
    const { app, mappings } = serve();
    const response = await app.inject({ method: 'POST', url: ESM, payload: 'x'.repeat(1_048_577) });
    expect(response.statusCode).toBe(413);
    expect(response.json()).toEqual({ Type: 'User', message: 'Request must be smaller than 1048576 bytes.' });
    expect(mappings.calls).toEqual([]);
  });

  it('an invalid Content-Type is UnsupportedMediaTypeException', async () => {
    const { app } = serve();
    const response = await app.inject({ method: 'POST', url: ESM, payload: '{}', headers: { 'content-type': 'not a media type' } });
    expect(response.statusCode).toBe(415);
    expect(response.headers['x-amzn-errortype']).toBe('UnsupportedMediaTypeException');
    expect(response.json()).toEqual({ Type: 'User', message: 'The Content-Type header is not a valid media type.' });
  });

  it('a thrown LambdaApiError with a status override keeps the override', async () => {
    const { app, mappings } = serve();
    mappings.failWith = new LambdaApiError('ServiceException', 'busy', 503);
    const response = await app.inject({ method: 'DELETE', url: `${ESM}/${UUID}` });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({ Type: 'Service', Message: 'busy' });
  });
});

describe('health, readiness and store routes', () => {
  it('/healthz is ok; /readyz is ready when the checks pass and 503 with the reason when not', async () => {
    const readiness: { failure?: Error } = {};
    const { app } = serve({ ready: () => (readiness.failure ? Promise.reject(readiness.failure) : Promise.resolve()) });
    expect((await app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    expect([ready.statusCode, ready.json()]).toEqual([200, { status: 'ready' }]);
    readiness.failure = new Error('store lost: acknowledge it');
    const notReady = await app.inject({ method: 'GET', url: '/readyz' });
    expect([notReady.statusCode, notReady.json()]).toEqual([503, { status: 'not ready', reason: 'store lost: acknowledge it' }]);
  });

  it('/readyz without checks is ready', async () => {
    const { app } = serve();
    expect((await app.inject({ method: 'GET', url: '/readyz' })).json()).toEqual({ status: 'ready' });
  });

  it('the store routes show the identity and the loss with ISO times, and ack returns the loss it acknowledged', async () => {
    const loss: StoreLoss = { detectedAt: Date.UTC(2026, 0, 2), detectedBy: 'w1', lostStore: { id: 'old', createdAt: Date.UTC(2026, 0, 1) }, mappingIds: [UUID] };
    let pending: StoreLoss | undefined = loss;
    const { app } = serve({
      store: {
        identity: () => ({ id: 'new', createdAt: Date.UTC(2026, 0, 3) }),
        unacknowledgedLoss: () => Promise.resolve(pending),
        acknowledge: () => {
          const acknowledged = pending;
          pending = undefined;
          return Promise.resolve(acknowledged);
        },
      },
    });
    const shown = { detectedAt: '2026-01-02T00:00:00.000Z', detectedBy: 'w1', lostStore: { id: 'old', createdAt: '2026-01-01T00:00:00.000Z' }, mappingIds: [UUID] };
    expect((await app.inject({ method: 'GET', url: '/sluice/v1/store' })).json()).toEqual({ id: 'new', createdAt: '2026-01-03T00:00:00.000Z', lost: shown });
    expect((await app.inject({ method: 'POST', url: '/sluice/v1/store/ack' })).json()).toEqual({ acknowledged: shown });
    expect((await app.inject({ method: 'POST', url: '/sluice/v1/store/ack' })).json()).toEqual({ acknowledged: null });
    expect((await app.inject({ method: 'GET', url: '/sluice/v1/store' })).json()).toEqual({ id: 'new', createdAt: '2026-01-03T00:00:00.000Z', lost: null });
  });

  it('the store routes before the store is known answer nulls', async () => {
    const { app } = serve({ store: { identity: () => undefined, unacknowledgedLoss: () => Promise.resolve(undefined), acknowledge: () => Promise.resolve(undefined) } });
    expect((await app.inject({ method: 'GET', url: '/sluice/v1/store' })).json()).toEqual({ id: null, createdAt: null, lost: null });
  });

  it('without store dependencies the store routes are unknown operations', async () => {
    const { app } = serve();
    expect((await app.inject({ method: 'GET', url: '/sluice/v1/store' })).statusCode).toBe(404);
  });
});
