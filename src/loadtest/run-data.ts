/**
 * What one `sluice loadtest` run observed, as handed from the measuring half (producer,
 * invocation trace, backlog sampler) to the report half (src/loadtest/report/). It is
 * plain data on purpose: the report is a pure function of it, so a run can be saved,
 * re-summarized and unit-tested without AWS, Redis or Sluice.
 */
import type { TraceEntry } from '../mappings/invocation-trace.js';

export interface RunSettings {
  source: 'sqs' | 'sqs-fifo' | 'kinesis' | 'dynamodb';
  resource: string;
  functionName: string;
  mapping: Record<string, unknown>;
  rate?: number;
  durationMs?: number;
  count?: number;
  payloadBytes?: number;
  phases?: Array<{ name: string; rate: number; durationMs: number }>;
  endpoint: string;
}

/** One record the tool put; `id` is the id it wrote into the record (what the trace reports back). */
export interface SentRecord {
  id: string;
  /** Epoch ms. */
  sentAt: number;
}

/** One invocation Sluice made for the mapping under test, as its per-mapping trace recorded it (the route's shape). */
export type InvocationTrace = TraceEntry;

/** Queue depth (SQS) or iterator age (streams) at one moment. */
export interface BacklogSample {
  at: number;
  value: number;
  unit: 'messages' | 'ms';
}

/** The producer's progress: `sent` is cumulative; `behind` = it could not hold the asked rate. */
export interface ProducerSample {
  at: number;
  sent: number;
  behind: boolean;
}

export interface RunData {
  settings: RunSettings;
  /** Epoch ms the producer started. */
  startedAt: number;
  /** Epoch ms the producer stopped sending; the grace period starts here. */
  endedAt: number;
  /** How long after `endedAt` invocations still count; a record not invoked by then is missing. */
  graceMs: number;
  sent: SentRecord[];
  invocations: InvocationTrace[];
  backlog: BacklogSample[];
  producer: ProducerSample[];
  /** Records the mapping's on-failure destination received. */
  destinationCount: number;
  /** Records the producer gave up on after its retries (not in `sent`); absent in runs saved before it was kept. */
  sendFailed?: number;
}
