/**
 * The Lambda-compatible REST API (api.md §1–§2) on fastify. Routes only translate HTTP to
 * the mapping and tag services; every error leaves through sendLambdaError.
 */
import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError } from 'fastify';
import type { Logger } from '../observability/logger.js';
import { LambdaApiError, serviceError, storeUnavailable } from '../mappings/errors.js';
import { describeUnavailable, isRedisUnavailable } from '../redis/redis-errors.js';
import type { MappingService, ListQuery } from '../mappings/mapping-service.js';
import type { TagService } from '../mappings/tag-service.js';
import { sendLambdaError } from './error-response.js';
import {
  answerFrameworkError,
  answerNotFound,
  answerUnsupportedExpectation,
  createClientErrorHandler,
  lambdaErrorForFastifyError,
} from './framework-errors.js';
import { ESM_PATH as ESM, MAX_BODY_BYTES, TAGS_PATH as TAGS } from './protocol.js';
import type { SluiceMetrics } from '../observability/metrics.js';
import { registerQueueDashboard } from './queue-dashboard.js';
import { registerStoreRoutes, type StoreRoutesDependencies } from './store-routes.js';
import { registerTraceRoutes, type TraceRoutesDependencies } from './trace-routes.js';
import { registerInvocationRoutes, type InvocationRoutesDependencies } from './invocation-routes.js';
import { registerRewindRoutes, type RewindRoutesDependencies } from './rewind-routes.js';
import { registerApiAuth, type ApiAuthSettings } from './auth/register-auth.js';
import { registerShardsRoute, type ShardsReader } from './shards-route.js';
import { registerDashboard } from './dashboard/register-dashboard.js';
import type { DashboardDataDependencies } from './dashboard/dashboard-data.js';
import type { Queue } from 'bullmq';

/** How long clients may take (config `api.*`); see connectionLimits. */
export interface ApiTimeouts {
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
}

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
  timeouts: ApiTimeouts;
  /** The store marker and its loss, under `/sluice/v1/store`. */
  store?: StoreRoutesDependencies;
  /** Mappings' invocation traces, under `/sluice/v1/event-source-mappings/{UUID}/trace`. */
  trace?: TraceRoutesDependencies;
  /** One invocation of a configured function, under `/sluice/v1/functions/{name}/invocations` (`sluice redrive`). */
  invocations?: InvocationRoutesDependencies;
  /** Rewinding stream mappings, under `/sluice/v1/event-source-mappings/{UUID}/rewind`. */
  rewinds?: RewindRoutesDependencies;
  /** Stream mappings' shards, under `/sluice/v1/event-source-mappings/{UUID}/shards`. */
  shards?: ShardsReader;
  /** The dashboard's data besides the shards (`GET /`, `GET /sluice/v1/dashboard`); needs `shards`. */
  dashboard?: Omit<DashboardDataDependencies, 'shards'>;
  /** Who may call which route (config `api.auth`); absent: everyone (as mode `none`). */
  auth?: ApiAuthSettings;
  /** The region a signature's credential scope must name (config `region`). */
  region?: string;
}

/**
 * Node's limits on a connection: a request (head and body) must arrive within
 * requestTimeoutMs or is answered 408 and dropped, so a client announcing more body than
 * it sends holds nothing for long; an idle keep-alive connection closes after
 * keepAliveTimeoutMs. Node enforces request timeouts on a timer, checked here a few
 * times per timeout. The Host header is not required: Lambda's API does not need it.
 */
function connectionLimits({ requestTimeoutMs, keepAliveTimeoutMs }: ApiTimeouts) {
  return {
    requestTimeout: requestTimeoutMs,
    keepAliveTimeout: keepAliveTimeoutMs,
    http: {
      headersTimeout: requestTimeoutMs,
      connectionsCheckingInterval: Math.min(30_000, Math.max(100, Math.floor(requestTimeoutMs / 4))),
      requireHostHeader: false,
    },
  };
}

export function buildApiServer(deps: ApiDependencies) {
  const apiLogger = deps.logger.child({ component: 'api' });
  const app = Fastify({
    // The assertion is not redundant: it makes the instance's logger type Fastify's own, so
    // the route modules take a plain FastifyInstance (pino's Logger type would not fit them).
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
    loggerInstance: apiLogger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: MAX_BODY_BYTES,
    genReqId: () => randomUUID(),
    routerOptions: { ignoreTrailingSlash: true },
    ...connectionLimits(deps.timeouts),
    // Whatever the framework or Node's HTTP parser refuses is answered in Lambda's shape too.
    clientErrorHandler: createClientErrorHandler(apiLogger, deps.timeouts.requestTimeoutMs),
    frameworkErrors: answerFrameworkError,
  });
  app.server.on('checkExpectation', answerUnsupportedExpectation);

  // Bodies are read as text whatever their Content-Type (the CLI and SDKs differ), and
  // parsed by the services so that V1 is checked before the body (api.md §10).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-amzn-RequestId', request.id);
  });
  if (deps.auth) registerApiAuth(app, deps.auth, deps.region ?? 'us-east-1');

  app.setErrorHandler((error, request, reply) => {
    if (error instanceof LambdaApiError) return sendLambdaError(reply, error);
    const refused = lambdaErrorForFastifyError(error as FastifyError);
    if (refused) return sendLambdaError(reply, refused);
    if (isRedisUnavailable(error)) {
      request.log.warn({ err: error, url: request.url }, 'request failed: Redis unavailable');
      return sendLambdaError(reply, storeUnavailable(describeUnavailable(error)));
    }
    request.log.error({ err: error }, 'request failed');
    return sendLambdaError(reply, serviceError(`Internal error: ${(error as Error).message}`));
  });

  app.setNotFoundHandler(answerNotFound);

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
  // unencoded one. The router has decoded it already: decoding again would turn `%25E0`
  // into a malformed sequence (and an ARN holding `%` into another string).
  const arnOf = (params: unknown) => (params as { '*': string })['*'];
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
  if (deps.trace) registerTraceRoutes(app, deps.trace);
  if (deps.invocations) registerInvocationRoutes(app, deps.invocations);
  if (deps.rewinds) registerRewindRoutes(app, deps.rewinds);
  if (deps.shards) registerShardsRoute(app, deps.mappings, deps.shards);
  if (deps.shards && deps.dashboard) registerDashboard(app, { ...deps.dashboard, shards: deps.shards });

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
