/**
 * Sluice's own routes about its store, under `/sluice/v1/` (not Lambda's API):
 *
 *   GET  /sluice/v1/store       {id, createdAt, lost}: the store this process works on, and
 *                               the loss not yet acknowledged (null when none)
 *   POST /sluice/v1/store/ack   acknowledges the loss: /readyz is ready again in every
 *                               process; answers {acknowledged: <the loss> | null}
 */
import type { FastifyInstance } from 'fastify';
import type { StoreIdentity, StoreLoss } from '../mappings/store-marker.js';

export interface StoreRoutesDependencies {
  identity(): StoreIdentity | undefined;
  unacknowledgedLoss(): Promise<StoreLoss | undefined>;
  acknowledge(): Promise<StoreLoss | undefined>;
}

export function registerStoreRoutes(app: FastifyInstance, store: StoreRoutesDependencies): void {
  const iso = (ms: number) => new Date(ms).toISOString();
  const showLoss = (loss: StoreLoss | undefined) =>
    loss ? { ...loss, detectedAt: iso(loss.detectedAt), lostStore: { ...loss.lostStore, createdAt: iso(loss.lostStore.createdAt) } } : null;

  app.get('/sluice/v1/store', async () => {
    const identity = store.identity();
    return { id: identity?.id ?? null, createdAt: identity ? iso(identity.createdAt) : null, lost: showLoss(await store.unacknowledgedLoss()) };
  });
  app.post('/sluice/v1/store/ack', async (request) => {
    const acknowledged = await store.acknowledge();
    if (acknowledged) request.log.warn({ lostStoreId: acknowledged.lostStore.id }, 'store loss acknowledged by an operator');
    return { acknowledged: showLoss(acknowledged) };
  });
}
