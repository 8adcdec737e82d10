/**
 * How Sluice's keys are laid out in Redis, standalone or Cluster. Every component builds
 * its keys from the *keyspace prefix* this module gives it, never from `redis.keyPrefix`
 * directly:
 *
 *   standalone   `<p>`     cross-mapping keys `<p>:esm:order`, `<p>:workers`, ...;
 *                          a mapping's own state `<p>:esm:<uuid>:checkpoints`, ...;
 *                          BullMQ `<p>:invoke:...`
 *   cluster      `{<p>}`   cross-mapping keys `{<p>}:esm:order`, ... (one hash slot: the
 *                          store's scripts touch the mapping, its pair index, the order
 *                          index and the change channel at once; BullMQ wants its queue
 *                          under `{<p>}` too);
 *                          a mapping's own state `{<p>:esm:<uuid>}:checkpoints`, ... (one
 *                          slot per mapping: its leases, checkpoints, batches and windows
 *                          meet in one Lua script), so mappings spread over the cluster.
 *
 * Decided here: the standalone names are those of Sluice before Cluster support, so an
 * existing Redis keeps working unchanged; the tagged layout is used only with
 * `redis.cluster` (moving a store between the two layouts is not supported).
 * `redis.keyPrefix` cannot contain braces (schema), so a tag is never ambiguous.
 *
 * Every key name is built below, nowhere else (design.md: "keys built in one module"):
 *
 *   cross-mapping slot (`<p>`)
 *     <p>:esm:<uuid>            hash {doc, rev, lpr:invoke, lpr:read}: the mapping (JSON), its
 *                               optimistic-lock revision and the processing results pollers report
 *     <p>:esm:pair:<src>|<fn>   UUID of the mapping of that EventSourceArn and FunctionArn
 *     <p>:esm:order             zset (score 0) of `<createdAt ms, 15 digits>:<uuid>`, List order
 *     <p>:esm:tags:<uuid>       hash of tags
 *     <p>:esm:changes           pub/sub channel carrying the UUID of every changed mapping
 *     <p>:store, <p>:store:lost the store marker and its loss record (mappings/store-marker.ts)
 *     <p>:workers               zset of live workers (supervisor/worker-registry.ts)
 *     <p>:workers:info          hash workerId -> JSON {host, pid} of those workers (same module)
 *     <p>:invoke:...            BullMQ's queue `invoke` (BullMQ names these from its prefix `<p>`)
 *   a mapping's own slot (`<p>:esm:<uuid>`, see mappingKeyBase)
 *     ...:applied               hash workerId -> generation the worker converged on
 *     ...:slots                 SQS concurrency slots (sources/sqs)
 *     ...:shard-leases, :checkpoints, :latest, :batches, :windows   stream state (sources/streams/stream-keys.ts)
 *     ...:rewind, :starts, :replay   a rewind of a stream mapping and what it left per shard (mappings/rewinds.ts)
 *     ...:trace                 stream of invocation attempts, only for a mapping tagged `sluice:trace` (mappings/trace-store.ts)
 *     ...:redriven              hash on-failure record identity -> when its range was redriven (redrive/done-ranges.ts)
 *     ...:shard-status          hash shardId -> JSON: what the holder of a shard publishes about it
 *                               (iterator age, lanes), for the shards view (sources/streams/shards-view.ts)
 *     ...:activity:<minute>     hash `<count>:<10 s slot>` -> n: the mapping's activity in that
 *                               minute, summed over processes (observability/activity.ts)
 *     ...:failures              list of the mapping's latest explained failures, newest first (same module)
 */

/** The prefix components build keys from: `keyPrefix`, or `{keyPrefix}` for Redis Cluster. */
export function keyspacePrefix(keyPrefix: string, cluster: boolean): string {
  return cluster ? `{${keyPrefix}}` : keyPrefix;
}

/** The keyspace prefix of a `redis` config section (tagged when `redis.cluster` is set). */
export const configuredKeyspacePrefix = (redis: { keyPrefix: string; cluster?: unknown }): string => keyspacePrefix(redis.keyPrefix, redis.cluster !== undefined);

/** What a mapping's own state keys start with: `<p>:esm:<uuid>`, or `{<p>:esm:<uuid>}` (its own slot). */
export function mappingKeyBase(prefix: string, mappingId: string): string {
  const tagged = /^\{(.+)\}$/.exec(prefix);
  return tagged ? `{${tagged[1]}:esm:${mappingId}}` : `${prefix}:esm:${mappingId}`;
}

/** The mapping store's keys: all in the cross-mapping slot, so its scripts touch them at once. */
export interface StoreKeys {
  mapping(uuid: string): string;
  tags(uuid: string): string;
  pair(eventSourceArn: string, functionArn: string): string;
  order: string;
  changes: string;
  marker: string;
  markerLost: string;
}

export function storeKeys(prefix: string): StoreKeys {
  return {
    mapping: (uuid) => `${prefix}:esm:${uuid}`,
    tags: (uuid) => `${prefix}:esm:tags:${uuid}`,
    pair: (eventSourceArn, functionArn) => `${prefix}:esm:pair:${eventSourceArn}|${functionArn}`,
    order: `${prefix}:esm:order`,
    changes: `${prefix}:esm:changes`,
    marker: `${prefix}:store`,
    markerLost: `${prefix}:store:lost`,
  };
}

/** Ranges `sluice redrive` invoked successfully, by on-failure record identity (a mapping's own slot). */
export const redrivenKey = (prefix: string, mappingId: string): string => `${mappingKeyBase(prefix, mappingId)}:redriven`;

/** The live-worker registry (cross-mapping slot). */
export const workersKey = (prefix: string): string => `${prefix}:workers`;

/** Host and pid of each worker in `workersKey` (cross-mapping slot). */
export const workerInfoKey = (prefix: string): string => `${prefix}:workers:info`;

/** The keys of one mapping's running state, all in that mapping's own slot. */
export interface MappingStateKeys {
  applied: string;
  sqsSlots: string;
  shardLeases: string;
  checkpoints: string;
  pinnedLatest: string;
  batches: string;
  windows: string;
  trace: string;
  rewind: string;
  starts: string;
  replay: string;
  shardStatus: string;
  /** What the activity hash of a minute is named after: `<activity>:<minute start, epoch ms>`. */
  activity: string;
  failures: string;
}

export function mappingStateKeys(prefix: string, mappingId: string): MappingStateKeys {
  const base = mappingKeyBase(prefix, mappingId);
  return {
    applied: `${base}:applied`,
    sqsSlots: `${base}:slots`,
    shardLeases: `${base}:shard-leases`,
    checkpoints: `${base}:checkpoints`,
    pinnedLatest: `${base}:latest`,
    batches: `${base}:batches`,
    windows: `${base}:windows`,
    trace: `${base}:trace`,
    rewind: `${base}:rewind`,
    starts: `${base}:starts`,
    replay: `${base}:replay`,
    shardStatus: `${base}:shard-status`,
    activity: `${base}:activity`,
    failures: `${base}:failures`,
  };
}
