/**
 * The Lambda-compatible REST API (api.md §1–§2) on fastify. Routes only translate HTTP to
 * the mapping and tag services; every error leaves through sendLambdaError.
 */
import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger } from 'fastify';
import type { Logger } from '../observability/logger.js';
import { LambdaApiError, requestTooLarge, serviceError, invalidRequestContent, storeUnavailable } from '../mappings/errors.js';
import { describeUnavailable, isRedisUnavailable } from '../redis/redis-errors.js';
import type { MappingService, ListQuery } from '../mappings/mapping-service.js';
import type { TagService } from '../mappings/tag-service.js';
import { sendLambdaError } from './error-response.js';
import type { SluiceMetrics } from '../observability/metrics.js';
import { registerQueueDashboard } from './queue-dashboard.js';
import { registerStoreRoutes, type StoreRoutesDependencies } from './store-routes.js';
import type { Queue } from 'bullmq';

/** Bodies above 1 MiB fail with V2a (chosen, api.md §1). */
export const MAX_BODY_BYTES = 1_048_576;

export interface ApiDependencies {
  mappings: MappingService;
  tags: TagService;
  logger: Logger;
  /** Extra readiness checks for /readyz (e.g. Redis ping). */
  ready?: () => Promise<void>;
  /** Served at `GET /metrics`. */
  metrics?: SluiceMetrics;
  /** The BullMQ queue `invoke`, shown at `GET /ui`. */
  invokeQueue?: Queue;
  /** The store marker and its loss, under `/sluice/v1/store`. */
  store?: StoreRoutesDependencies;
}

const ESM = '/2015-03-31/event-source-mappings';
const TAGS = '/2017-03-31/tags';

export function buildApiServer(deps: ApiDependencies) {
  const app = Fastify({
    loggerInstance: deps.logger.child({ component: 'api' }) as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: MAX_BODY_BYTES,
    genReqId: () => randomUUID(),
    routerOptions: { ignoreTrailingSlash: true },
  });

  // Bodies are read as text whatever their Content-Type (the CLI and SDKs differ), and
  // parsed by the services so that V1 is checked before the body (api.md §10).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-amzn-RequestId', request.id);
  });

  app.setErrorHandler((error, request, reply) => {
    if (error instanceof LambdaApiError) return sendLambdaError(reply, error);
    const code = (error as { code?: string }).code;
    if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') return sendLambdaError(reply, requestTooLarge(MAX_BODY_BYTES));
    if (code === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH') return sendLambdaError(reply, invalidRequestContent('invalid Content-Length'));
    if (isRedisUnavailable(error)) {
      request.log.warn({ err: error, url: request.url }, 'request failed: Redis unavailable');
      return sendLambdaError(reply, storeUnavailable(describeUnavailable(error)));
    }
    request.log.error({ err: error }, 'request failed');
    return sendLambdaError(reply, serviceError(`Internal error: ${(error as Error).message}`));
  });

  app.setNotFoundHandler((request, reply) => {
    reply
      .code(404)
      .header('x-amzn-ErrorType', 'UnknownOperationException')
      .type('application/json')
      .send(JSON.stringify({ Type: 'User', message: `Unknown operation ${request.method} ${request.url.split('?')[0]}` }));
  });

  const text = (body: unknown): string => (typeof body === 'string' ? body : '');
  const json = (value: unknown) => JSON.stringify(value);

  app.post(ESM, async (request, reply) => reply.code(202).type('application/json').send(json(await deps.mappings.create(text(request.body)))));
  app.get(ESM, async (request, reply) => reply.type('application/json').send(json(await deps.mappings.list(request.query as ListQuery))));
  app.get<{ Params: { uuid: string } }>(`${ESM}/:uuid`, async (request, reply) =>
    reply.type('application/json').send(json(await deps.mappings.get(request.params.uuid))),
  );
  app.put<{ Params: { uuid: string } }>(
    `${ESM}/:uuid`,
    {
      // V1 before the body is read, so an unknown mapping wins over V2a too (api.md §10).
      preParsing: async (request) => {
        await deps.mappings.load(request.params.uuid);
      },
    },
    async (request, reply) =>
      reply.code(202).type('application/json').send(json(await deps.mappings.update(request.params.uuid, text(request.body)))),
  );
  app.delete<{ Params: { uuid: string } }>(`${ESM}/:uuid`, async (request, reply) =>
    reply.code(202).type('application/json').send(json(await deps.mappings.delete(request.params.uuid))),
  );

  // Tag routes take the ARN as one URL-encoded path segment; a wildcard also accepts an
  // unencoded one.
  const arnOf = (params: unknown) => decodeURIComponent((params as { '*': string })['*']);
  app.get(`${TAGS}/*`, async (request, reply) => reply.type('application/json').send(json({ Tags: await deps.tags.list(arnOf(request.params)) })));
  app.post(`${TAGS}/*`, async (request, reply) => {
    await deps.tags.tag(arnOf(request.params), text(request.body));
    return reply.code(204).send();
  });
  app.delete(`${TAGS}/*`, async (request, reply) => {
    const keys = (request.query as { tagKeys?: string | string[] }).tagKeys;
    await deps.tags.untag(arnOf(request.params), keys === undefined ? [] : Array.isArray(keys) ? keys : [keys]);
    return reply.code(204).send();
  });

  if (deps.metrics) {
    const { registry } = deps.metrics;
    app.get('/metrics', async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()));
  }
  if (deps.invokeQueue) registerQueueDashboard(app, deps.invokeQueue);
  if (deps.store) registerStoreRoutes(app, deps.store);

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    try {
      await deps.ready?.();
      return { status: 'ready' };
    } catch (error) {
      return reply.code(503).send({ status: 'not ready', reason: (error as Error).message });
    }
  });
  return app;
}
