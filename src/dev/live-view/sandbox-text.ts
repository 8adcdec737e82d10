/** The fixed text around the live view's table: what runs where, and how to send records. */
import type { SandboxResources, SandboxState, SourceType } from '../state-file.js';
import { redactRedisUrl } from '../../redis/connection-options.js';

/** A body per source that the example handlers accept as is. */
export const EXAMPLE_BODIES: Record<Exclude<SourceType, 'dynamodb'>, string> = {
  sqs: 'hello from sqs',
  kinesis: '{"order":1}',
};

/** Single-quoted for a POSIX shell. */
const shellQuote = (text: string): string => `'${text.replaceAll("'", `'\\''`)}'`;

const SAMPLE_VALUES: Record<string, object> = { S: { S: 'order-1' }, N: { N: '1' }, B: { B: 'AQ==' } };

/** An item of the table's key (in DynamoDB JSON, as `sluice send dynamodb` takes it) and one more attribute. */
export function sampleItem(key: Record<string, string>): string {
  const item = Object.fromEntries(Object.entries(key).map(([name, type]) => [name, SAMPLE_VALUES[type] ?? SAMPLE_VALUES.S]));
  return JSON.stringify({ ...item, total: { N: '42' } });
}

/** How to send a record to the first queue, stream and table (those `sluice send` picks by default). */
export function sendCommandLines(command: string, resources: SandboxResources, exampleHandlers: boolean): string[] {
  const queue = resources.queues?.find((q) => q.deadLetterOf === undefined);
  const stream = resources.streams?.[0];
  const table = resources.tables?.[0];
  const lines = [
    ...(queue ? [`  ${command} send sqs ${shellQuote(EXAMPLE_BODIES.sqs)}${(resources.queues?.length ?? 0) > 1 ? `   # to ${queue.name}; --queue NAME for another` : ''}`] : []),
    ...(stream ? [`  ${command} send kinesis ${shellQuote(EXAMPLE_BODIES.kinesis)}${(resources.streams?.length ?? 0) > 1 ? `   # to ${stream.name}; --stream NAME for another` : ''}`] : []),
    ...(table ? [`  ${command} send dynamodb ${shellQuote(sampleItem(table.key))}${(resources.tables?.length ?? 0) > 1 ? `   # to ${table.name}; --table NAME for another` : ''}`] : []),
  ];
  if (lines.length === 0) return [];
  return [
    'Send test records (from this folder; `--help` for other targets):',
    ...lines,
    ...(exampleHandlers ? ['A record containing "fail" is reported failed by the example handlers (examples/handlers).'] : []),
  ];
}

export interface HeaderInput {
  state: SandboxState;
  /** The config file, as the user named it. */
  configFile: string;
  redisUrl: string;
  logFile: string;
  startedInMs: number;
  notes: readonly string[];
}

export function headerLines({ state, configFile, redisUrl, logFile, startedInMs, notes }: HeaderInput): string[] {
  const emulated = (source: SourceType) => (state.emulated.includes(source) ? ' (emulator)' : '');
  return [
    `Sluice sandbox ready in ${(startedInMs / 1000).toFixed(1)} s. Ctrl-C stops everything.`,
    `  Config    ${configFile}`,
    `  API       ${state.apiUrl}  (Lambda API; GET /metrics)`,
    `  Redis     ${redactRedisUrl(redisUrl)}`,
    ...(['sqs', 'kinesis', 'dynamodb'] as const).flatMap((source) =>
      state.endpoints[source] ? [`  ${source.padEnd(9)} ${state.endpoints[source]}${emulated(source)}`] : [],
    ),
    `  Logs      ${logFile}`,
    ...notes.map((note) => `  ${note}`),
  ];
}
