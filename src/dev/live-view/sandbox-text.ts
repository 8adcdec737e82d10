/** The fixed text around the live view's table: what runs where, and how to send records. */
import type { SandboxState, SourceType } from '../state-file.js';
import { redactRedisUrl } from '../../redis/connection-options.js';

/** A body per source that the example handlers accept as is. */
export const EXAMPLE_BODIES: Record<SourceType, string> = {
  sqs: 'hello from sqs',
  kinesis: '{"order":1}',
  dynamodb: '{"pk":{"S":"order-1"},"total":{"N":"42"}}',
};

/** Single-quoted for a POSIX shell. */
const shellQuote = (text: string): string => `'${text.replaceAll("'", `'\\''`)}'`;

export function sendCommandLines(command: string, sources: readonly SourceType[]): string[] {
  return [
    'Send test records (from this folder; `--help` for other targets):',
    ...sources.map((source) => `  ${command} send ${source} ${shellQuote(EXAMPLE_BODIES[source])}`),
    'A record containing "fail" is reported failed by the example handlers (examples/handlers).',
  ];
}

export interface HeaderInput {
  state: SandboxState;
  redisUrl: string;
  logFile: string;
  startedInMs: number;
  notes: readonly string[];
}

export function headerLines({ state, redisUrl, logFile, startedInMs, notes }: HeaderInput): string[] {
  const emulated = (source: SourceType) => (state.emulated.includes(source) ? ' (emulator)' : '');
  return [
    `Sluice sandbox ready in ${(startedInMs / 1000).toFixed(1)} s. Ctrl-C stops everything.`,
    `  API       ${state.apiUrl}  (Lambda API; GET /metrics)`,
    `  Redis     ${redactRedisUrl(redisUrl)}`,
    ...(['sqs', 'kinesis', 'dynamodb'] as const).flatMap((source) =>
      state.endpoints[source] ? [`  ${source.padEnd(9)} ${state.endpoints[source]}${emulated(source)}`] : [],
    ),
    `  Logs      ${logFile}`,
    ...notes.map((note) => `  ${note}`),
  ];
}
