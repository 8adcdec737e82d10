/**
 * The dashboard: `GET /` (the page) and `GET /sluice/v1/dashboard` (its data, dashboard-data.ts).
 * The page is protected exactly like `/ui` (auth/register-auth.ts: the browser credential),
 * the data like every `/sluice/v1` route (a signature, or the same browser credential).
 */
import type { FastifyInstance } from 'fastify';
import { DASHBOARD_DATA_ROUTE, readDashboard, type DashboardDataDependencies } from './dashboard-data.js';
import { DASHBOARD_CSP, DASHBOARD_HTML } from './page.js';

export const DASHBOARD_PAGE_ROUTE = '/';

export function registerDashboard(app: FastifyInstance, deps: DashboardDataDependencies): void {
  app.get(DASHBOARD_PAGE_ROUTE, async (_request, reply) =>
    reply.type('text/html; charset=utf-8').header('content-security-policy', DASHBOARD_CSP).header('cache-control', 'no-store').send(DASHBOARD_HTML),
  );
  app.get(DASHBOARD_DATA_ROUTE, async (_request, reply) =>
    reply.type('application/json').header('cache-control', 'no-store').send(JSON.stringify(await readDashboard(deps))),
  );
}
