/**
 * `sluice store status|ack`: what Sluice knows about its store in Redis, and how an
 * operator acknowledges a loss (README "When Redis loses its data") without the API.
 */
import type { LoadedConfig } from '../config/index.js';
import { connectAtStartup, startupRedisTarget } from '../app.js';
import { MappingStore } from '../mappings/store.js';
import { StoreMarker, type StoreLoss } from '../mappings/store-marker.js';
import { configuredKeyspacePrefix } from '../redis/keyspace.js';

const iso = (ms: number) => new Date(ms).toISOString();

export function describeLoss(loss: StoreLoss): string {
  const count = loss.mappingIds.length;
  return (
    `store ${loss.lostStore.id} (created ${iso(loss.lostStore.createdAt)}) was lost, detected ${iso(loss.detectedAt)} by ${loss.detectedBy}; ` +
    `${count} mapping${count === 1 ? '' : 's'} gone${count > 0 ? `: ${loss.mappingIds.join(', ')}` : ''}`
  );
}

/** Runs `action` against the configured Redis and returns what to print. */
export async function runStoreCommand(action: 'status' | 'ack', config: LoadedConfig): Promise<string> {
  const redis = await connectAtStartup(startupRedisTarget(config), 'sluice-cli');
  try {
    const prefix = configuredKeyspacePrefix(config.redis);
    const marker = new StoreMarker(redis, prefix, new MappingStore(redis, prefix).orderKey);
    if (action === 'ack') {
      const loss = await marker.acknowledge();
      return loss ? `acknowledged: ${describeLoss(loss)}` : 'nothing to acknowledge: no store loss is recorded';
    }
    const [identity, loss] = await Promise.all([marker.current(), marker.loss()]);
    const store = identity ? `store ${identity.id}, created ${iso(identity.createdAt)}` : 'no store yet (no Sluice process has started on this Redis)';
    return `${store}\n${loss ? `NOT ACKNOWLEDGED: ${describeLoss(loss)}` : 'no store loss recorded'}`;
  } finally {
    await redis.quit().catch(() => redis.disconnect());
  }
}
