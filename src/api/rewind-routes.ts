/**
 * Rewinding a stream mapping (issue #16), under Sluice's own routes:
 *
 *   POST /sluice/v1/event-source-mappings/{UUID}/rewind
 *        {"Position": "TRIM_HORIZON" | "LATEST" | "AT_TIMESTAMP", "Timestamp": <epoch s>}
 *        or {"Shards": {"<shardId>": "<sequenceNumber>"}}  (resume after that record)
 *        -> 202 {"UUID", "RewindId", "State": "Rewinding"}
 *   GET  /sluice/v1/event-source-mappings/{UUID}/rewind
 *        -> 200 the mapping's last rewind: its State (Rewinding, Completed), what was asked,
 *           the shards moved (From, To), the workers paused, the last error
 *
 * Checks and their errors: mappings/rewind-service.ts; every error in Lambda's shape.
 * Protected like every `/sluice/v1` route (auth/register-auth.ts).
 */
import type { FastifyInstance } from 'fastify';
import type { RewindAccepted, RewindView } from '../mappings/rewind-service.js';

export const REWIND_ROUTE = '/sluice/v1/event-source-mappings/:uuid/rewind';

export interface RewindRoutesDependencies {
  request(uuid: string, bodyText: string): Promise<RewindAccepted>;
  last(uuid: string): Promise<RewindView>;
}

export function registerRewindRoutes(app: FastifyInstance, rewinds: RewindRoutesDependencies): void {
  app.post<{ Params: { uuid: string } }>(REWIND_ROUTE, async (request, reply) => {
    const body = typeof request.body === 'string' ? request.body : '';
    return reply.code(202).type('application/json').send(JSON.stringify(await rewinds.request(request.params.uuid, body)));
  });
  app.get<{ Params: { uuid: string } }>(REWIND_ROUTE, async (request, reply) =>
    reply.type('application/json').send(JSON.stringify(await rewinds.last(request.params.uuid))),
  );
}
