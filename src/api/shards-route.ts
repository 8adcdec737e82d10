/**
 * A stream mapping's shards, under Sluice's own routes (the contract the dashboard, the CLI
 * and `rewind` share):
 *
 *   GET /sluice/v1/event-source-mappings/{UUID}/shards  ->  200
 *   {"EventSourceMappingArn": "...", "UUID": "...",
 *    "Shards": [{"ShardId", "ParentShardId": string|null,
 *                "Status": "OPEN"|"CLOSED"|"FINISHED"   (FINISHED: closed and fully processed),
 *                "Checkpoint": string|null              (the last sequence number processed),
 *                "LeaseHolder": string|null, "LeaseExpiresAt": number|null (epoch ms),
 *                "IteratorAgeMs": number|null, "Lanes": {"InFlight", "Buffered"}|null}],
 *    "Workers": [{"WorkerId", "Host", "Pid", "LastSeen"}]}
 *
 * IteratorAgeMs and Lanes are what the lease holder published within the last lease
 * (sources/streams/view/shard-status.ts), null otherwise; Workers are the live worker
 * processes (each runs every enabled mapping). An SQS mapping is refused 400
 * InvalidParameterValueException, an unknown UUID 404 ResourceNotFoundException, both in
 * Lambda's shape; protected like every `/sluice/v1` route (auth/register-auth.ts).
 */
import type { FastifyInstance } from 'fastify';
import { invalidParameter } from '../mappings/errors.js';
import { isStreamSource, parseEventSourceArn } from '../mappings/event-source-arn.js';
import type { MappingService } from '../mappings/mapping-service.js';

export const SHARDS_ROUTE = '/sluice/v1/event-source-mappings/:uuid/shards';

export const NOT_A_STREAM = 'Shards are only defined for stream event sources (Kinesis, DynamoDB Streams)';

export interface ShardBody {
  ShardId: string;
  ParentShardId: string | null;
  Status: 'OPEN' | 'CLOSED' | 'FINISHED';
  Checkpoint: string | null;
  LeaseHolder: string | null;
  LeaseExpiresAt: number | null;
  IteratorAgeMs: number | null;
  Lanes: { InFlight: number; Buffered: number } | null;
}

export interface WorkerBody {
  WorkerId: string;
  Host: string;
  Pid: number;
  LastSeen: number;
}

export interface ShardsBody {
  EventSourceMappingArn: string;
  UUID: string;
  Shards: ShardBody[];
  Workers: WorkerBody[];
}

export interface ShardsReader {
  /** The mapping's shards (any process can read them: sources/streams/view/shards-view.ts). */
  shards(mappingId: string, eventSourceArn: string): Promise<ShardBody[]>;
  /** The live worker processes. */
  workers(): Promise<WorkerBody[]>;
}

/** The route's body for a stored mapping; throws the 400 for an SQS one. */
export async function readShardsBody(
  mapping: { UUID: string; EventSourceMappingArn: string; EventSourceArn: string },
  reader: ShardsReader,
): Promise<ShardsBody> {
  const source = parseEventSourceArn(mapping.EventSourceArn);
  if (!source || !isStreamSource(source.type)) throw invalidParameter(NOT_A_STREAM);
  const [shards, workers] = await Promise.all([reader.shards(mapping.UUID, mapping.EventSourceArn), reader.workers()]);
  return { EventSourceMappingArn: mapping.EventSourceMappingArn, UUID: mapping.UUID, Shards: shards, Workers: workers };
}

export function registerShardsRoute(app: FastifyInstance, mappings: Pick<MappingService, 'load'>, reader: ShardsReader): void {
  app.get<{ Params: { uuid: string } }>(SHARDS_ROUTE, async (request, reply) => {
    // load() answers an unknown or malformed UUID with Lambda's 404, as GetEventSourceMapping does.
    const { mapping } = await mappings.load(request.params.uuid.toLowerCase());
    return reply.type('application/json').send(JSON.stringify(await readShardsBody(mapping, reader)));
  });
}
