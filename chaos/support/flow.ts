/**
 * A record flow both ways Sluice reads: an SQS queue and a Kinesis stream, each with a
 * mapping declared in the config (as a user deploys it) to an http function on one
 * recording target, and a steady producer for each. The kill, Redis and outage scenarios
 * all run on it and differ only in the fault.
 */
import { deliveredRecords, judge, ranksFromSequenceNumbers, waitForAll, type DeliveredRecord, type Verdict } from './ledger.js';
import { KinesisProducer, SqsProducer } from './producers.js';
import type { ChaosBed } from './bed.js';
import { startRecordingTarget, type RecordingTarget } from '../../test/support/recording-target.js';

export interface FlowOptions {
  /** Kinesis shards (default 4). */
  shards?: number;
  /** Partition keys, each with its own sequence (default 32). */
  keys?: number;
  /** How long the function takes per invocation: long enough for a kill to catch some in flight. */
  invokeMs?: number;
  /** The queue's visibility timeout (s): how soon a message a dead process held comes back. */
  visibilityTimeoutSeconds?: number;
}

export interface Flow {
  target: RecordingTarget;
  sqsProducer: SqsProducer;
  kinesisProducer: KinesisProducer;
  /** A config for `sluice start`: the functions and the two declared mappings, `extra` on top. */
  config(extra?: Record<string, unknown>): Record<string, unknown>;
  /** Writes `perSource` more records to each source, spread over `durationMs`. */
  produce(perSource: number, durationMs: number): Promise<void>;
  sqsRecords(): DeliveredRecord[];
  kinesisRecords(): DeliveredRecord[];
  /** Resolves when every produced record was delivered, or after `timeoutMs`. */
  drain(timeoutMs: number): Promise<void>;
  verdicts(): { sqs: Verdict; kinesis: Verdict };
  close(): Promise<void>;
}

export const SQS_PATH = '/sqs';
export const KINESIS_PATH = '/kinesis';
/** Seconds an invocation may run (the queue's visibility timeout stays above it). */
const FUNCTION_TIMEOUT_SECONDS = 2;

export async function startFlow(bed: ChaosBed, options: FlowOptions = {}): Promise<Flow> {
  const { shards = 4, keys = 32, invokeMs = 50, visibilityTimeoutSeconds = 5 } = options;
  const target = await startRecordingTarget({ delayMs: invokeMs });
  const [queue, stream] = await Promise.all([
    bed.createQueue('flow', { VisibilityTimeout: String(visibilityTimeoutSeconds) }),
    bed.createStream(shards),
  ]);
  const sqsProducer = new SqsProducer(bed.sqs, queue.url);
  const kinesisProducer = new KinesisProducer(bed.kinesis, stream.name, keys);
  const sqsRecords = () => deliveredRecords(target.requests, SQS_PATH);
  const kinesisRecords = () => deliveredRecords(target.requests, KINESIS_PATH);
  return {
    target,
    sqsProducer,
    kinesisProducer,
    config: (extra = {}) => ({
      functions: {
        'sqs-sink': { http: `${target.url}${SQS_PATH}`, timeout: FUNCTION_TIMEOUT_SECONDS },
        'kinesis-sink': { http: `${target.url}${KINESIS_PATH}`, timeout: FUNCTION_TIMEOUT_SECONDS },
      },
      mappings: [
        { FunctionName: 'sqs-sink', EventSourceArn: queue.arn, BatchSize: 10 },
        { FunctionName: 'kinesis-sink', EventSourceArn: stream.arn, StartingPosition: 'TRIM_HORIZON', BatchSize: 100 },
      ],
      ...extra,
    }),
    async produce(perSource, durationMs) {
      const perSecond = (perSource * 1000) / durationMs;
      await Promise.all([sqsProducer.produce(perSource, perSecond), kinesisProducer.produce(perSource, perSecond)]);
    },
    sqsRecords,
    kinesisRecords,
    async drain(timeoutMs) {
      const started = Date.now();
      await waitForAll(() => sqsProducer.produced, sqsRecords, timeoutMs);
      await waitForAll(() => kinesisProducer.produced, kinesisRecords, Math.max(0, timeoutMs - (Date.now() - started)));
    },
    verdicts: () => ({
      sqs: judge(sqsProducer.produced, sqsRecords()),
      kinesis: judge(kinesisProducer.produced, kinesisRecords(), ranksFromSequenceNumbers(kinesisProducer.sequenceNumbers)),
    }),
    close: () => target.close(),
  };
}

/** Table columns and rows for the two verdicts. */
export const VERDICT_COLUMNS = ['source', 'produced', 'delivered', 'lost', 'duplicates', 'order violations'];
export function verdictRows(verdicts: { sqs: Verdict; kinesis: Verdict }): (string | number)[][] {
  return [
    ['SQS', verdicts.sqs.produced, verdicts.sqs.delivered, verdicts.sqs.lost, verdicts.sqs.duplicates, 'n/a (standard queue)'],
    ['Kinesis', verdicts.kinesis.produced, verdicts.kinesis.delivered, verdicts.kinesis.lost, verdicts.kinesis.duplicates, verdicts.kinesis.orderViolations],
  ];
}

/** A problem line for each lost record or order violation. */
export function verdictProblems(verdicts: { sqs: Verdict; kinesis: Verdict }): string[] {
  const problems: string[] = [];
  for (const [source, verdict] of Object.entries(verdicts)) {
    if (verdict.lost > 0) problems.push(`${source}: ${verdict.lost} of ${verdict.produced} records lost (e.g. ${verdict.lostSample.join(', ')})`);
    if (verdict.orderViolations > 0) problems.push(`${source}: ${verdict.orderViolations} records reached the function before an earlier record of their key`);
  }
  return problems;
}

