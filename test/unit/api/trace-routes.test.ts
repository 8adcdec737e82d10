/**
 * GET /sluice/v1/event-source-mappings/{UUID}/trace (api/trace-routes.ts) through fastify's
 * inject(), on a fake trace store: the page shape, the cursor and limit it passes on, and
 * Lambda-shaped errors for an unknown mapping and bad parameters.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApiServer } from '../../../src/api/server.js';
import { DEFAULT_TRACE_LIMIT, MAX_TRACE_LIMIT, type TraceRoutesDependencies } from '../../../src/api/trace-routes.js';
import type { MappingService } from '../../../src/mappings/mapping-service.js';
import type { TagService } from '../../../src/mappings/tag-service.js';
import type { TraceEntry } from '../../../src/mappings/invocation-trace.js';
import { createLogger } from '../../../src/observability/logger.js';

const UUID = '6f0c1d2e-3a4b-4c5d-8e9f-0a1b2c3d4e5f';
const ENTRY: TraceEntry = { at: 1, ids: ['a'], outcome: 'success', attempt: 1, durationMs: 2 };
let app: FastifyInstance | undefined;

afterEach(async () => {
  await app?.close();
  app = undefined;
});

function serve() {
  const reads: Array<[string, string | undefined, number]> = [];
  const trace: TraceRoutesDependencies = {
    exists: async (uuid) => uuid === UUID,
    read: async (uuid, cursor, limit) => {
      reads.push([uuid, cursor, limit]);
      return { entries: [ENTRY], nextCursor: '1700000000000-3' };
    },
  };
  app = buildApiServer({
    mappings: {} as MappingService,
    tags: {} as TagService,
    logger: createLogger({ level: 'silent' }),
    timeouts: { requestTimeoutMs: 5_000, keepAliveTimeoutMs: 5_000 },
    trace,
  });
  return { app, reads };
}

const path = (uuid: string, query = '') => `/sluice/v1/event-source-mappings/${uuid}/trace${query}`;

describe('the trace route', () => {
  it('answers Entries and NextCursor, reading from the start with the default limit', async () => {
    const { app, reads } = serve();
    const response = await app.inject({ method: 'GET', url: path(UUID) });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ Entries: [ENTRY], NextCursor: '1700000000000-3' });
    expect(reads).toEqual([[UUID, undefined, DEFAULT_TRACE_LIMIT]]);
  });

  it('passes the cursor and limit on (an upper-case UUID names the same mapping)', async () => {
    const { app, reads } = serve();
    const response = await app.inject({ method: 'GET', url: path(UUID.toUpperCase(), `?cursor=1700000000000-3&limit=${MAX_TRACE_LIMIT}`) });
    expect(response.statusCode).toBe(200);
    expect(reads).toEqual([[UUID, '1700000000000-3', MAX_TRACE_LIMIT]]);
  });

  it('an unknown mapping is a 404 ResourceNotFoundException, as Lambda answers', async () => {
    const { app, reads } = serve();
    for (const uuid of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
      const response = await app.inject({ method: 'GET', url: path(uuid) });
      expect(response.statusCode).toBe(404);
      expect(response.headers['x-amzn-errortype']).toMatch(/^ResourceNotFoundException/);
    }
    expect(reads).toEqual([]);
  });

  it.each(['limit=0', `limit=${MAX_TRACE_LIMIT + 1}`, 'limit=ten', 'limit=1.5', 'cursor=abc', 'cursor=1-2-3'])('refuses %s with InvalidParameterValueException', async (query) => {
    const { app, reads } = serve();
    const response = await app.inject({ method: 'GET', url: path(UUID, `?${query}`) });
    expect(response.statusCode).toBe(400);
    expect(response.headers['x-amzn-errortype']).toMatch(/^InvalidParameterValueException/);
    expect(reads).toEqual([]);
  });
});
