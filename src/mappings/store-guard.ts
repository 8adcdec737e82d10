/**
 * Watches that Redis still holds the store this process joined (store-marker.ts): every
 * `intervalMs`, at every supervisor reconcile and whenever the connection comes back.
 *
 * When Redis has lost it (restarted without persistence, flushed, evicted), mappings
 * created through the API are gone with their tags, checkpoints, shard leases and batch
 * progress, and nothing else would say so: pollers of vanished mappings simply stop. So
 * the guard logs an `error` naming what was lost, leaves a record that keeps `/readyz` at
 * 503 until an operator acknowledges it, and calls `onLost` (the app re-applies the
 * config's declared mappings there).
 */
import type { Redis } from 'ioredis';
import type { Logger } from '../observability/logger.js';
import type { StoreIdentity, StoreMarker } from './store-marker.js';

export interface StoreGuardOptions {
  marker: StoreMarker;
  /** The connection the marker uses: a reconnect triggers a check at once. */
  redis: Redis;
  logger: Logger;
  intervalMs: number;
  /** Names this process in the loss record. */
  workerId: string;
  /** The mappings this process runs pollers for, by UUID, with their source type. */
  runningHere?: () => ReadonlyMap<string, string>;
  /** Called after a loss is logged (once per loss, one at a time). */
  onLost: () => Promise<void>;
}

export type StoreCheck = 'intact' | 'lost' | 'unknown';

/** How an operator acknowledges a loss (README "When Redis loses its data"). */
export const ACKNOWLEDGE_HINT = 'acknowledge with POST /sluice/v1/store/ack or `sluice store ack`';

const iso = (ms: number) => new Date(ms).toISOString();

export class StoreGuard {
  private joined?: StoreIdentity;
  /** Mapping UUIDs the store held at the last intact check. */
  private knownMappingIds: string[] = [];
  private timer?: NodeJS.Timeout;
  private checking?: Promise<StoreCheck>;
  private recovering: Promise<void> = Promise.resolve();
  private readonly onReconnect = () => void this.check();

  constructor(private readonly options: StoreGuardOptions) {}

  /** The store this process works on. */
  get identity(): StoreIdentity | undefined {
    return this.joined;
  }

  /** Joins the store (writing its marker on an empty Redis) and starts watching it. */
  async start(): Promise<StoreIdentity> {
    const { marker, logger, redis, intervalMs } = this.options;
    const claimed = await marker.claim();
    this.joined = { id: claimed.id, createdAt: claimed.createdAt };
    if (claimed.created) {
      logger.info(
        { storeId: claimed.id },
        'new store: no Sluice data in Redis yet (a first start, or Redis lost its data while no Sluice process ran)',
      );
    } else logger.info({ storeId: claimed.id, storeCreatedAt: iso(claimed.createdAt) }, 'joined store');
    await this.check();
    this.timer = setInterval(() => void this.check(), intervalMs);
    this.timer.unref();
    redis.on('ready', this.onReconnect);
    return this.joined;
  }

  stop(): void {
    clearInterval(this.timer);
    this.options.redis.off('ready', this.onReconnect);
  }

  /** Checks the marker now; concurrent calls share one check. */
  check(): Promise<StoreCheck> {
    this.checking ??= this.runCheck().finally(() => (this.checking = undefined));
    return this.checking;
  }

  /** Why the process is not ready: a loss not yet acknowledged. */
  async unacknowledgedLoss(): Promise<string | undefined> {
    const loss = await this.options.marker.loss();
    if (!loss) return undefined;
    const count = loss.mappingIds.length;
    return (
      `Redis lost Sluice's store ${loss.lostStore.id} (detected ${iso(loss.detectedAt)} by worker ${loss.detectedBy}; ` +
      `${count} mapping${count === 1 ? '' : 's'} gone: ${count > 0 ? loss.mappingIds.join(', ') : 'none'}); ${ACKNOWLEDGE_HINT}`
    );
  }

  private async runCheck(): Promise<StoreCheck> {
    const joined = this.joined;
    if (!joined) return 'unknown';
    // What the store held: as of the last intact check, and what runs here (created since).
    const running = new Map(this.options.runningHere?.() ?? []);
    const mappingIds = [...new Set([...this.knownMappingIds, ...running.keys()])];
    let result;
    try {
      result = await this.options.marker.check(joined, { detectedBy: this.options.workerId, mappingIds });
    } catch {
      // Redis does not answer: /readyz and the API say so; nothing can be concluded yet.
      return 'unknown';
    }
    if (result.intact) {
      this.knownMappingIds = result.mappingIds;
      return 'intact';
    }
    this.reportLoss(joined, result.current, mappingIds, running);
    this.joined = result.current;
    this.knownMappingIds = [];
    this.recovering = this.recovering.then(() =>
      this.options.onLost().catch((error: unknown) => this.options.logger.error({ err: error }, 'recovering from the lost store failed')),
    );
    return 'lost';
  }

  private reportLoss(lost: StoreIdentity, current: StoreIdentity, mappingIds: string[], running: ReadonlyMap<string, string>): void {
    const streamsRunning = [...running].filter(([, source]) => source !== 'sqs').map(([uuid]) => uuid);
    const detail: Record<string, unknown> = {
      lostStoreId: lost.id,
      lostStoreCreatedAt: iso(lost.createdAt),
      newStoreId: current.id,
      mappingsLost: mappingIds.length,
      mappingIds,
      runningHere: [...running].map(([mappingId, source]) => ({ mappingId, source })),
    };
    this.options.logger.error(
      detail,
      `Redis lost Sluice's store ${lost.id} (created ${iso(lost.createdAt)}; it restarted without persistence, was flushed or evicted keys): ` +
        `${mappingIds.length} mapping${mappingIds.length === 1 ? '' : 's'} gone with their tags${mappingIds.length > 0 ? ` (${mappingIds.join(', ')})` : ''}; ` +
        `this process ran ${running.size} of them, whose pollers stop` +
        (streamsRunning.length > 0 ? `, and lost the checkpoints and shard leases of ${streamsRunning.length} stream mapping(s) (${streamsRunning.join(', ')})` : '') +
        `; SQS messages in flight come back after their visibility timeout; declared mappings are re-applied now; /readyz answers 503 until an operator ${ACKNOWLEDGE_HINT.replace('acknowledge', 'acknowledges')}`,
    );
  }
}
