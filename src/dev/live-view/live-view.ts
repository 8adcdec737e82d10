/**
 * The live view's loop: about once a second, the mappings' states through Sluice's API
 * (ListEventSourceMappings, as any client sees them) and the counts from this process's
 * metrics registry, drawn by the TerminalView.
 */
import { paginateListEventSourceMappings, type LambdaClient } from '@aws-sdk/client-lambda';
import { dashboardRows, type MappingStatus, type MetricFamily } from './dashboard.js';
import type { TerminalView } from './terminal-view.js';

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
  onError: (error: unknown) => void;
}

async function listMappings(lambda: LambdaClient): Promise<MappingStatus[]> {
  const statuses: MappingStatus[] = [];
  for await (const page of paginateListEventSourceMappings({ client: lambda }, {})) {
    for (const m of page.EventSourceMappings ?? []) {
      statuses.push({ uuid: m.UUID ?? '', eventSourceArn: m.EventSourceArn ?? '', functionArn: m.FunctionArn ?? '', state: m.State ?? 'Unknown' });
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
  const update = async (): Promise<void> => {
    const [statuses, metrics] = await Promise.all([listMappings(deps.lambda), deps.metrics()]);
    deps.view.update({ header: deps.header, rows: dashboardRows(ordered(statuses, deps.firstMappings), metrics), footer: deps.footer, logTail: deps.logTail() });
  };
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> = Promise.resolve();
  const run = (): void => {
    current = update()
      .catch(deps.onError)
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
