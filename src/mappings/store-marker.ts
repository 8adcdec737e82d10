/**
 * The store marker: how a process tells that Redis still holds the store it joined, and
 * not an empty one (a restart without persistence, FLUSHALL, eviction).
 *
 * Keys (prefix from config `redis.keyPrefix`):
 *   <p>:store        hash {id, createdAt}: written once by the first process that starts on
 *                    an empty Redis (and again by the process that finds it gone)
 *   <p>:store:lost   string, JSON StoreLoss: the last loss detected, until an operator
 *                    acknowledges it (`POST /sluice/v1/store/ack`, `sluice store ack`)
 *
 * Every process remembers the marker id it joined; a marker that is gone or carries
 * another id means every key written before is gone too.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { storeKeys } from '../redis/keyspace.js';
import { checkMarkerScript, claimMarkerScript } from './redis-scripts.js';

export interface StoreIdentity {
  id: string;
  /** Epoch ms. */
  createdAt: number;
}

/** A store loss as recorded for the operator. */
export interface StoreLoss {
  /** Epoch ms. */
  detectedAt: number;
  /** The worker (process) that detected it first. */
  detectedBy: string;
  lostStore: StoreIdentity;
  /** UUIDs of the mappings the store held when last seen intact. */
  mappingIds: string[];
}

export type MarkerCheck =
  | { intact: true; mappingIds: string[] }
  | { intact: false; current: StoreIdentity; recorded: boolean };

export class StoreMarker {
  private readonly markerKey: string;
  private readonly lossKey: string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    /** The store's List order index (`MappingStore.orderKey`): which mappings exist. */
    private readonly orderKey: string,
  ) {
    const keys = storeKeys(prefix);
    this.markerKey = keys.marker;
    this.lossKey = keys.markerLost;
  }

  /** The store this process joins: the existing marker, or a new one on an empty Redis. */
  async claim(): Promise<StoreIdentity & { created: boolean }> {
    const [id, createdAt, created] = (await this.redis.eval(claimMarkerScript, 1, this.markerKey, randomUUID(), String(Date.now()))) as [string, string, number];
    return { id, createdAt: Number(createdAt), created: created === 1 };
  }

  /**
   * Whether the store `joined` is still there; when intact, the mappings it holds (for the
   * report of a later loss). When lost, `loss` is recorded unless a loss is recorded already.
   */
  async check(joined: StoreIdentity, loss: Omit<StoreLoss, 'detectedAt' | 'lostStore'>): Promise<MarkerCheck> {
    const now = Date.now();
    const record: StoreLoss = { detectedAt: now, lostStore: joined, ...loss };
    const reply = (await this.redis.eval(
      checkMarkerScript,
      3,
      this.markerKey,
      this.lossKey,
      this.orderKey,
      joined.id,
      randomUUID(),
      String(now),
      JSON.stringify(record),
    )) as ['intact', string[]] | ['lost', string, string, number];
    if (reply[0] === 'intact') return { intact: true, mappingIds: reply[1].map((member) => member.slice(member.indexOf(':') + 1)) };
    return { intact: false, current: { id: reply[1], createdAt: Number(reply[2]) }, recorded: reply[3] === 1 };
  }

  /** The marker as it is now (none before the first start). */
  async current(): Promise<StoreIdentity | undefined> {
    const [id, createdAt] = await this.redis.hmget(this.markerKey, 'id', 'createdAt');
    return id ? { id, createdAt: Number(createdAt) } : undefined;
  }

  /** The loss not yet acknowledged, if any. */
  async loss(): Promise<StoreLoss | undefined> {
    const recorded = await this.redis.get(this.lossKey);
    return recorded === null ? undefined : (JSON.parse(recorded) as StoreLoss);
  }

  /** Clears the recorded loss (the operator has seen it); returns what it said. */
  async acknowledge(): Promise<StoreLoss | undefined> {
    const [[, recorded]] = (await this.redis.multi().get(this.lossKey).del(this.lossKey).exec()) as [[Error | null, string | null], unknown];
    return recorded === null ? undefined : (JSON.parse(recorded) as StoreLoss);
  }
}
