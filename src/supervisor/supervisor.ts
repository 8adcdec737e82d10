/**
 * The supervisor: turns each mapping's state into running work and settles transitional
 * states (api.md §6). It listens to the store's change feed and also reconciles every
 * mapping periodically, so a missed notification cannot strand a mapping.
 *
 * Pollers do not exist yet; until they do, a transitional state settles as soon as the
 * supervisor sees it. Every settle is a compare-and-set on the mapping's revision, so
 * several supervisors on one Redis never undo an update made meanwhile.
 */
import type { Redis } from 'ioredis';
import type { Logger } from '../observability/logger.js';
import { isTransitional, settledState } from '../mappings/states.js';
import type { MappingStore } from '../mappings/store.js';

export interface SupervisorOptions {
  store: MappingStore;
  /** A connection the supervisor may put into subscriber mode. */
  subscriber: Redis;
  logger: Logger;
  reconcileIntervalMs: number;
  now?: () => number;
}

export class Supervisor {
  private timer?: NodeJS.Timeout;
  private running = false;
  /** UUIDs with a reconcile running, so bursts of changes coalesce. */
  private readonly pending = new Map<string, Promise<void>>();
  /** UUIDs changed again while their reconcile ran: run once more after it. */
  private readonly dirty = new Set<string>();
  private readonly now: () => number;

  constructor(private readonly options: SupervisorOptions) {
    this.now = options.now ?? Date.now;
  }

  get isRunning(): boolean {
    return this.running;
  }

  async start(): Promise<void> {
    const { subscriber, store } = this.options;
    subscriber.on('message', (channel: string, uuid: string) => {
      if (channel === store.changesChannel) void this.reconcile(uuid);
    });
    await subscriber.subscribe(store.changesChannel);
    this.running = true;
    await this.reconcileAll();
    this.timer = setInterval(() => void this.reconcileAll(), this.options.reconcileIntervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearInterval(this.timer);
    await this.options.subscriber.unsubscribe().catch(() => undefined);
    await Promise.allSettled(this.pending.values());
  }

  async reconcileAll(): Promise<void> {
    try {
      const mappings = await this.options.store.all();
      await Promise.all(mappings.filter((m) => isTransitional(m.State)).map((m) => this.reconcile(m.UUID)));
    } catch (error) {
      this.options.logger.warn({ err: error }, 'reconcile failed; retrying at the next interval');
    }
  }

  /** Settles one mapping; concurrent calls for the same UUID share one run. */
  reconcile(uuid: string): Promise<void> {
    const running = this.pending.get(uuid);
    if (running) {
      this.dirty.add(uuid);
      return running;
    }
    const run = this.settle(uuid)
      .catch((error: unknown) => this.options.logger.warn({ err: error, mappingId: uuid }, 'settling failed; will retry'))
      .finally(() => {
        this.pending.delete(uuid);
        if (this.dirty.delete(uuid) && this.running) void this.reconcile(uuid);
      });
    this.pending.set(uuid, run);
    return run;
  }

  private async settle(uuid: string): Promise<void> {
    const { store, logger } = this.options;
    for (let attempt = 0; attempt < 10 && this.running; attempt++) {
      const current = await store.get(uuid);
      if (!current || !isTransitional(current.mapping.State)) return;
      const target = settledState(current.mapping.State, current.mapping.enabled);
      if (target === 'removed') {
        const result = await store.remove(current);
        if (result !== 'stale') {
          logger.info({ mappingId: uuid }, 'mapping removed');
          return;
        }
        continue;
      }
      const result = await store.replace(current, { ...current.mapping, State: target, LastModified: this.now() / 1000 });
      if (result.ok) {
        logger.info({ mappingId: uuid, from: current.mapping.State, to: target }, 'mapping settled');
        return;
      }
      if (result.reason === 'missing') return;
    }
  }
}
