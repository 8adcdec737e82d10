/**
 * The live view's loop: about once a second, the mappings' states through Sluice's API
 * (ListEventSourceMappings, as any client sees them), the counts from this process's
 * metrics registry (and from them records per second), the depth of each mapping's DLQ or
 * on-failure queue, drawn by the TerminalView.
 */
import { paginateListEventSourceMappings, type LambdaClient } from '@aws-sdk/client-lambda';
import { dashboardRows, type DashboardRow, type MappingStatus, type MetricFamily } from './dashboard.js';
import type { TerminalView } from './terminal-view.js';
import { RateWindow } from './rates.js';
import type { QueueDepthReader } from './queue-depth.js';

/** The view redraws at most this often. */
export const VIEW_INTERVAL_MS = 1000;

export interface LiveViewDependencies {
  view: TerminalView;
  /** A client of Sluice's own API. */
  lambda: LambdaClient;
  /** `registry.getMetricsAsJSON()` of the running Sluice. */
  metrics: () => Promise<MetricFamily[]>;
  header: readonly string[];
  footer: readonly string[];
  logTail: () => readonly string[];
  /** UUIDs shown first, in this order (the sandbox's own mappings); others follow. */
  firstMappings: readonly string[];
  /** Depth of a mapping's DLQ / on-failure queue; a failure shows "?" and is reported to onError. */
  queueDepth?: QueueDepthReader;
  onError: (error: unknown, context?: { mapping: string; function: string; cause: string }) => void;
}

async function listMappings(lambda: LambdaClient): Promise<MappingStatus[]> {
  const statuses: MappingStatus[] = [];
  for await (const page of paginateListEventSourceMappings({ client: lambda }, {})) {
    for (const m of page.EventSourceMappings ?? []) {
      const onFailureArn = m.DestinationConfig?.OnFailure?.Destination;
      statuses.push({
        uuid: m.UUID ?? '',
        eventSourceArn: m.EventSourceArn ?? '',
        functionArn: m.FunctionArn ?? '',
        state: m.State ?? 'Unknown',
        ...(onFailureArn ? { onFailureArn } : {}),
      });
    }
  }
  return statuses;
}

function ordered(statuses: MappingStatus[], first: readonly string[]): MappingStatus[] {
  const rank = (uuid: string) => (first.includes(uuid) ? first.indexOf(uuid) : first.length);
  return [...statuses].sort((a, b) => rank(a.uuid) - rank(b.uuid));
}

/** Draws now, then VIEW_INTERVAL_MS after each draw ended (never two at once); the result stops it. */
export function startLiveView(deps: LiveViewDependencies): () => Promise<void> {
  const rates = new RateWindow();
  const failuresOf = async (status: MappingStatus): Promise<DashboardRow['failures']> => {
    if (!deps.queueDepth) return undefined;
    try {
      return await deps.queueDepth(status);
    } catch (error) {
      deps.onError(error, { mapping: status.uuid, function: status.functionArn, cause: 'reading the depth of its DLQ / on-failure queue' });
      return { name: status.onFailureArn?.split(':').at(-1) ?? 'dlq', depth: 'error' };
    }
  };
  const update = async (): Promise<void> => {
    const [statuses, metrics] = await Promise.all([listMappings(deps.lambda), deps.metrics()]);
    const sorted = ordered(statuses, deps.firstMappings);
    const failures = await Promise.all(sorted.map(failuresOf));
    const at = performance.now();
    rates.retain(new Set(sorted.map((status) => status.uuid)));
    const rows = dashboardRows(sorted, metrics).map((row, i) => {
      const ratePerSecond = row.invoked === undefined ? undefined : rates.record(row.uuid, at, row.invoked);
      const failure = failures[i];
      return { ...row, ...(ratePerSecond !== undefined ? { ratePerSecond } : {}), ...(failure ? { failures: failure } : {}) };
    });
    deps.view.update({ header: deps.header, rows, footer: deps.footer, logTail: deps.logTail() });
  };
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> = Promise.resolve();
  const run = (): void => {
    current = update()
      .catch((error: unknown) => deps.onError(error))
      .finally(() => {
        if (!stopped) timer = setTimeout(run, VIEW_INTERVAL_MS);
      });
  };
  run();
  return async () => {
    stopped = true;
    clearTimeout(timer);
    await current;
  };
}
