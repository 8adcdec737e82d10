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
