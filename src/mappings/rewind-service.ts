/**
 * Rewinding a stream mapping (issue #16), the control plane's half: checks a request and
 * records it (rewinds.ts), then tells every process through the change feed. The work
 * itself (pause, move every shard's checkpoint under its lease fence, resume) is the
 * pollers' (sources/streams/stream-poller.ts, rewind/apply-rewind.ts).
 *
 * Checks, in this order (chosen: what is wrong with the mapping before what is wrong with
 * the body, as Lambda's V1 comes before the body):
 *   unknown mapping                                   404 ResourceNotFoundException
 *   an SQS mapping                                    400 InvalidParameterValueException
 *   the body (rewind-request.ts)                      400 InvalidRequestContentException / InvalidParameterValueException
 *   a transitional state (Creating, Updating...)      409 ResourceInUseException
 *   Shards naming a shard the stream does not list    400 InvalidParameterValueException
 *   a rewind of the mapping still running             409 ResourceInUseException
 * ResourceInUseException is answered with 409 here, not Lambda's 400 (chosen, issue #16's
 * brief): the request is right but conflicts with what the mapping is doing now, and may
 * succeed unchanged later.
 */
import { randomUUID } from 'node:crypto';
import { LambdaApiError, invalidParameter, mappingNotFound, serviceError } from './errors.js';
import type { MappingStore } from './store.js';
import { isTransitional } from './states.js';
import { parseRewindRequest, type RewindRequest } from './rewind-request.js';
import type { Rewinds, RewindState, ShardMove } from './rewinds.js';

export interface RewindServiceOptions {
  store: Pick<MappingStore, 'get' | 'notifyChanged'>;
  rewinds: Pick<Rewinds, 'begin' | 'last'>;
  /** The ids of the stream's shards as listed now (a source check that comes in from outside, like SourceChecks). */
  listShardIds: (eventSourceArn: string) => Promise<string[]>;
  /** The live workers (the supervisors' registry): a rewind is applied once every one of them has paused. */
  liveWorkers?: () => Promise<string[]>;
  now?: () => number;
}

/** 202 answer of POST .../rewind. */
export interface RewindAccepted {
  UUID: string;
  RewindId: string;
  State: 'Rewinding';
}

/** GET .../rewind: the mapping's last rewind. */
export interface RewindView extends RewindRequest {
  UUID: string;
  RewindId: string;
  State: RewindState;
  /** Epoch seconds, like Lambda's LastModified. */
  RequestedAt: number;
  CompletedAt: number | null;
  /** The shards moved so far (all of them once Completed): checkpoint before, and where each resumes. */
  Moves: ShardMove[];
  /** Workers that have paused the mapping for this rewind (it is applied once every live worker has). */
  PausedWorkers: string[];
  /** Live workers that have not paused yet, while Rewinding (a Disabled mapping's rewind waits for none). */
  WaitingFor: string[];
  /** Why the last attempt to apply it failed (it is tried again), while Rewinding. */
  LastError: string | null;
}

const UUID_FORMAT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const inUse = (message: string) => new LambdaApiError('ResourceInUseException', message, 409);

export class RewindService {
  private readonly now: () => number;

  constructor(private readonly options: RewindServiceOptions) {
    this.now = options.now ?? Date.now;
  }

  async request(uuidText: string, bodyText: string): Promise<RewindAccepted> {
    const uuid = uuidText.toLowerCase();
    const mapping = UUID_FORMAT.test(uuid) ? (await this.options.store.get(uuid))?.mapping : undefined;
    if (!mapping) throw mappingNotFound();
    if (mapping.sourceType === 'sqs') {
      throw invalidParameter(
        'Rewind is only defined for stream event sources (Kinesis, DynamoDB Streams): an SQS queue has no checkpoints to move. To process failed SQS messages again, move them back from the dead-letter queue.',
      );
    }
    const request = parseRewindRequest(bodyText, { sourceType: mapping.sourceType, nowSeconds: this.now() / 1000 });
    if (isTransitional(mapping.State)) throw inUse(`Cannot rewind the event source mapping while it is ${mapping.State}; try again once it is Enabled or Disabled.`);
    if (request.Shards) await this.checkShards(mapping.EventSourceArn, Object.keys(request.Shards));
    const id = randomUUID();
    const begun = await this.options.rewinds.begin(uuid, id, request, this.now());
    if (!begun.ok) throw inUse(`A rewind of this event source mapping is already running (RewindId ${begun.running}); GET /sluice/v1/event-source-mappings/${uuid}/rewind shows when it is Completed.`);
    // Every process converges on the change: running pollers pause, and a stopped mapping's rewind is applied.
    await this.options.store.notifyChanged(uuid);
    return { UUID: uuid, RewindId: id, State: 'Rewinding' };
  }

  async last(uuidText: string): Promise<RewindView> {
    const uuid = uuidText.toLowerCase();
    if (!UUID_FORMAT.test(uuid) || !(await this.options.store.get(uuid))) throw mappingNotFound();
    const record = await this.options.rewinds.last(uuid);
    if (!record) throw new LambdaApiError('ResourceNotFoundException', 'This event source mapping was never rewound.');
    const paused = new Set(record.pausedWorkers);
    const waiting = record.state === 'Rewinding' && this.options.liveWorkers ? (await this.options.liveWorkers()).filter((w) => !paused.has(w)) : [];
    return {
      UUID: uuid,
      RewindId: record.id,
      State: record.state,
      ...record.request,
      RequestedAt: record.requestedAt / 1000,
      CompletedAt: record.completedAt === undefined ? null : record.completedAt / 1000,
      Moves: record.moved,
      PausedWorkers: record.pausedWorkers,
      WaitingFor: waiting,
      LastError: record.state === 'Rewinding' ? (record.lastError ?? null) : null,
    };
  }

  private async checkShards(eventSourceArn: string, named: string[]): Promise<void> {
    let listed: string[];
    try {
      listed = await this.options.listShardIds(eventSourceArn);
    } catch (error) {
      throw serviceError(`Could not list the shards of ${eventSourceArn} to check the request: ${(error as Error).message}`);
    }
    const known = new Set(listed);
    const unknown = named.filter((shardId) => !known.has(shardId));
    if (unknown.length > 0) {
      throw invalidParameter(`Unknown shard${unknown.length === 1 ? '' : 's'} for this stream: ${unknown.join(', ')}. Its shards: ${listed.join(', ') || '(none)'}.`);
    }
  }
}
