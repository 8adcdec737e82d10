/**
 * POST / GET /sluice/v1/event-source-mappings/{UUID}/rewind (api/rewind-routes.ts) through
 * fastify's inject(), on a fake rewind service: the body and UUID reach the service, answers
 * are 202 / 200 JSON, the service's errors leave in Lambda's shape, and the route is
 * protected like every /sluice/v1 route (a caller without a signature is refused).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApiServer } from '../../../src/api/server.js';
import type { RewindRoutesDependencies } from '../../../src/api/rewind-routes.js';
import { LambdaApiError } from '../../../src/mappings/errors.js';
import type { MappingService } from '../../../src/mappings/mapping-service.js';
import type { TagService } from '../../../src/mappings/tag-service.js';
import type { ApiAuthSettings } from '../../../src/api/auth/register-auth.js';
import { createLogger } from '../../../src/observability/logger.js';

const UUID = '6f0c1d2e-3a4b-4c5d-8e9f-0a1b2c3d4e5f';
let app: FastifyInstance | undefined;

afterEach(async () => {
  await app?.close();
  app = undefined;
});

function serve(auth?: ApiAuthSettings) {
  const requests: Array<[string, string]> = [];
  const rewinds: RewindRoutesDependencies = {
    request: async (uuid, body) => {
      requests.push([uuid, body]);
      if (body.includes('busy')) throw new LambdaApiError('ResourceInUseException', 'A rewind of this event source mapping is already running', 409);
      return { UUID: uuid, RewindId: 'r-1', State: 'Rewinding' };
    },
    last: async (uuid) => ({
      UUID: uuid,
      RewindId: 'r-1',
      State: 'Completed',
      Position: 'TRIM_HORIZON',
      RequestedAt: 1,
      CompletedAt: 2,
      Moves: [{ ShardId: 's', From: '1', To: 'TRIM_HORIZON' }],
      PausedWorkers: ['w'],
      WaitingFor: [],
      LastError: null,
    }),
  };
  app = buildApiServer({
    mappings: {} as MappingService,
    tags: {} as TagService,
    logger: createLogger({ level: 'silent' }),
    timeouts: { requestTimeoutMs: 5_000, keepAliveTimeoutMs: 5_000 },
    rewinds,
    ...(auth ? { auth } : {}),
  });
  return { app, requests };
}

const path = `/sluice/v1/event-source-mappings/${UUID}/rewind`;

describe('the rewind routes', () => {
  it('POST hands the body to the service and answers 202; GET answers the last rewind', async () => {
    const { app, requests } = serve();
    const posted = await app.inject({ method: 'POST', url: path, payload: '{"Position":"TRIM_HORIZON"}', headers: { 'content-type': 'application/x-amz-json-1.1' } });
    expect(posted.statusCode).toBe(202);
    expect(posted.json()).toEqual({ UUID, RewindId: 'r-1', State: 'Rewinding' });
    expect(requests).toEqual([[UUID, '{"Position":"TRIM_HORIZON"}']]);
    const last = await app.inject({ method: 'GET', url: path });
    expect(last.statusCode).toBe(200);
    expect(last.json()).toMatchObject({ State: 'Completed', Moves: [{ ShardId: 's', From: '1', To: 'TRIM_HORIZON' }] });
  });

  it("the service's refusal leaves in Lambda's shape with its status", async () => {
    const { app } = serve();
    const response = await app.inject({ method: 'POST', url: path, payload: '{"busy":1}' });
    expect(response.statusCode).toBe(409);
    expect(response.headers['x-amzn-errortype']).toMatch(/^ResourceInUseException/);
    expect(response.json()).toEqual({ Type: 'User', Message: 'A rewind of this event source mapping is already running' });
  });

  it('is protected like every /sluice/v1 route: unsigned callers are refused before the service is asked', async () => {
    const { app, requests } = serve({ mode: 'sigv4', keys: { AKIDEXAMPLE: 'secret' }, openMetrics: false, browser: {} });
    for (const method of ['POST', 'GET'] as const) {
      const response = await app.inject({ method, url: path, payload: method === 'POST' ? '{"Position":"LATEST"}' : undefined });
      expect(response.statusCode).toBe(403);
    }
    expect(requests).toEqual([]);
  });
});
