/**
 * A mapping's invocation trace (mappings/invocation-trace.ts), under Sluice's own routes:
 *
 *   GET /sluice/v1/event-source-mappings/{UUID}/trace?cursor=<c>&limit=<n>
 *       {"Entries": [...], "NextCursor": "<c>" | null}: the entries after `cursor` (from the
 *       start without one), oldest first, at most `limit` (default 1000, at most 10000).
 *       Pass NextCursor back to read on; it stays the same while nothing new was traced.
 *
 * An unknown mapping is a 404 ResourceNotFoundException in Lambda's shape, like
 * GetEventSourceMapping; a known mapping without a trace answers an empty page. Protected
 * like every `/sluice/v1` route (auth/register-auth.ts).
 */
import type { FastifyInstance } from 'fastify';
import { invalidParameter, mappingNotFound } from '../mappings/errors.js';
import { isTraceCursor, type TracePage } from '../mappings/trace-store.js';

export const TRACE_ROUTE = '/sluice/v1/event-source-mappings/:uuid/trace';
export const DEFAULT_TRACE_LIMIT = 1000;
export const MAX_TRACE_LIMIT = 10_000;

export interface TraceRoutesDependencies {
  /** Whether the mapping exists. */
  exists(uuid: string): Promise<boolean>;
  read(uuid: string, cursor: string | undefined, limit: number): Promise<TracePage>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

type QueryValue = string | string[] | undefined;
/** A parameter given twice counts with its first value (chosen, as fastify's parser hands both). */
const first = (raw: QueryValue): string | undefined => (Array.isArray(raw) ? raw[0] : raw);

/** `limit` as given: a whole number in 1..MAX_TRACE_LIMIT, else InvalidParameterValueException. */
function parseLimit(raw: QueryValue): number {
  const text = first(raw);
  if (text === undefined) return DEFAULT_TRACE_LIMIT;
  const limit = /^\d{1,6}$/.test(text) ? Number(text) : NaN;
  if (!(limit >= 1 && limit <= MAX_TRACE_LIMIT)) throw invalidParameter(`limit must be a whole number from 1 to ${MAX_TRACE_LIMIT}.`);
  return limit;
}

function parseCursor(raw: QueryValue): string | undefined {
  const cursor = first(raw);
  if (cursor === undefined || cursor === '') return undefined;
  if (!isTraceCursor(cursor)) throw invalidParameter('cursor must be a NextCursor this route returned.');
  return cursor;
}

export function registerTraceRoutes(app: FastifyInstance, trace: TraceRoutesDependencies): void {
  app.get<{ Params: { uuid: string }; Querystring: { limit?: QueryValue; cursor?: QueryValue } }>(TRACE_ROUTE, async (request, reply) => {
    const uuid = request.params.uuid.toLowerCase();
    const limit = parseLimit(request.query.limit);
    const cursor = parseCursor(request.query.cursor);
    if (!UUID.test(uuid) || !(await trace.exists(uuid))) throw mappingNotFound();
    const page = await trace.read(uuid, cursor, limit);
    return reply.type('application/json').send(JSON.stringify({ Entries: page.entries, NextCursor: page.nextCursor }));
  });
}
