/**
 * One load test, start to end:
 *
 *   resources (existing, or created) ─► mapping (trace on, Enabled, reading)
 *     ─► producer sends the load shape ─┬─ trace polled every 500 ms
 *                                       ├─ backlog sampled every 1 s
 *                                       └─ progress every 1 s
 *     ─► draining: the grace period ─► last trace read ─► destination count
 *     ─► mapping deleted ─► created resources removed   (finally: also on error or abort)
 *
 * The grace period ends early once every sent record has been processed successfully and
 * no send is in flight (chosen): then nothing the report counts can change any more except
 * a late duplicate, and waiting out the rest would only delay the report; a record still
 * missing or failing keeps the run waiting the whole grace period, as the user asked.
 * (A duplicate arriving after that early end is not seen; the report says what was seen.)
 *
 * Abort (`signal`): while preparing, the run throws once what it created is removed; while
 * sending or draining, it stops sending / stops waiting, removes what it created, and
 * returns the data of what it did (sent records, the invocations traced so far).
 */
import type { LoadtestPlan, ProgressSnapshot, SluiceClient } from './plan.js';
import type { BacklogSample, InvocationTrace, RunData, RunSettings } from './run-data.js';
import { createLoadtestClients, type LoadtestClients } from './clients.js';
import { createPayload } from './payload.js';
import { createSchedule, phasesOf, type Schedule } from './producer/schedule.js';
import { Producer, type ProducerResult } from './producer/producer.js';
import type { BatchPut, OutgoingRecord } from './producer/sender.js';
import { sqsPut } from './producer/sqs-put.js';
import { kinesisPut } from './producer/kinesis-put.js';
import { dynamodbPut } from './producer/dynamodb-put.js';
import { newRunId, prepareResources, type RunResources } from './resources.js';
import { countDestination } from './destination.js';
import { createMapping, deleteMapping, mappingInput } from './mapping.js';
import { sqsBacklog, streamBacklog, type BacklogSampler } from './backlog.js';
import { SlidingRate, Tally } from './tally.js';
import { sleep } from './sleep.js';

export const TRACE_POLL_MS = 500;
export const BACKLOG_POLL_MS = 1_000;
export const PROGRESS_MS = 1_000;
/** (chosen) Rates over the last 5 s: steady enough to read, recent enough to see a ramp. */
export const RATE_WINDOW_MS = 5_000;

export interface RunOptions {
  client: SluiceClient;
  onProgress?: (snapshot: ProgressSnapshot) => void;
  signal?: AbortSignal;
  now?: () => number;
  /** Non-fatal trouble (a trace read or backlog sample that failed, a resource not removed). */
  onWarning?: (message: string) => void;
  /** Tests: the run's id (names of created resources, DynamoDB keys); default random. */
  runId?: string;
}

/** RunData plus what the producer could not send (RunData's `sent` holds only what landed). */
export interface LoadtestResult extends RunData {
  runId: string;
  mappingUuid: string;
  producerStats: { retried: number; failed: number; errors: string[]; aborted: boolean };
  /** Resources the run created (and removed). */
  created: string[];
}

function putFor(resources: RunResources, clients: LoadtestClients, bodyBytes: number): BatchPut {
  const t = resources.target;
  switch (t.kind) {
    case 'sqs':
      return sqsPut(clients.sqs, t.queueUrl, t.fifo, bodyBytes);
    case 'kinesis':
      return kinesisPut(clients.kinesis, t.streamName, bodyBytes);
    case 'dynamodb':
      return dynamodbPut(clients.dynamodb, t.tableName, t.keys, bodyBytes);
  }
}

export function runSettings(plan: LoadtestPlan, resources: Pick<RunResources, 'eventSourceArn'>, mapping: Record<string, unknown>, schedule: Schedule): RunSettings {
  const load = plan.load;
  return {
    source: plan.source,
    resource: resources.eventSourceArn,
    functionName: plan.functionName,
    mapping,
    ...(load.kind === 'count'
      ? { count: load.count, rate: load.rate }
      : // A ramp is reported with the rate it reaches (RunSettings has one rate per phase).
        { phases: phasesOf(load).map((p) => ({ name: p.name, rate: p.toRate, durationMs: p.durationMs })) }),
    durationMs: schedule.durationMs,
    ...(plan.payload.kind === 'size' ? { payloadBytes: plan.payload.bytes } : {}),
    endpoint: plan.endpoints.lambda,
  };
}

/** Reads the trace after `cursor` until a read brings nothing new. */
async function readAll(client: SluiceClient, uuid: string, cursor: string | undefined, sink: (entries: InvocationTrace[]) => void): Promise<string | undefined> {
  for (;;) {
    const page = await client.readTrace(uuid, cursor);
    if (page.entries.length > 0) sink(page.entries);
    const moved = page.cursor !== undefined && page.cursor !== cursor;
    cursor = page.cursor ?? cursor;
    if (page.entries.length === 0 || !moved) return cursor;
  }
}

export async function runLoadtest(plan: LoadtestPlan, options: RunOptions): Promise<LoadtestResult> {
  const { client, signal } = options;
  const now = options.now ?? Date.now;
  const warn = options.onWarning ?? (() => undefined);
  const runId = options.runId ?? newRunId();
  const schedule = createSchedule(plan.load);
  const payload = await createPayload(plan.payload, runId, now);
  const clients = createLoadtestClients(plan.endpoints);
  let resources: RunResources | undefined;
  let uuid: string | undefined;
  try {
    resources = await prepareResources(plan, clients, runId, { ...(signal ? { signal } : {}) });
    const mapping = mappingInput(plan, resources, schedule.total) as unknown as Record<string, unknown>;
    uuid = await createMapping(clients.lambda, client, plan, resources, schedule.total, { ...(signal ? { signal } : {}) });
    const mappingUuid = uuid;

    const tally = new Tally();
    const invocations: InvocationTrace[] = [];
    const backlog: BacklogSample[] = [];
    let cursor: string | undefined;
    const onEntries = (entries: InvocationTrace[]): void => {
      invocations.push(...entries);
      tally.addInvocations(entries);
    };

    const record = (seq: number): OutgoingRecord => ({ seq, key: `lt-${runId}-${seq}`, body: payload.body(seq) });
    const producer = new Producer({
      schedule,
      put: putFor(resources, clients, payload.maxBytes),
      record,
      maxInFlight: plan.maxInFlight,
      now,
      ...(signal ? { signal } : {}),
    });

    // Background loops: trace, backlog, progress; they stop when `stopped` aborts.
    const stopped = new AbortController();
    const stopSignal = stopped.signal;
    let stage: ProgressSnapshot['stage'] = 'sending';
    let producerDone: ProducerResult | undefined;
    let sentSeen = 0;
    const syncSent = (): void => {
      const sent = producer.sent;
      if (sent.length > sentSeen) {
        tally.addSent(sent.slice(sentSeen));
        sentSeen = sent.length;
      }
    };

    const traceLoop = async (): Promise<void> => {
      while (!stopSignal.aborted) {
        try {
          cursor = await readAll(client, mappingUuid, cursor, onEntries);
        } catch (error) {
          warn(`reading the trace of ${mappingUuid}: ${(error as Error).message}`);
        }
        await sleep(TRACE_POLL_MS, stopSignal);
      }
    };

    const sampler: BacklogSampler =
      resources.target.kind === 'sqs' ? sqsBacklog(clients.sqs, resources.target.queueUrl, now) : streamBacklog(client, mappingUuid, now);
    const backlogLoop = async (): Promise<void> => {
      while (!stopSignal.aborted) {
        try {
          const sample = await sampler();
          if (sample) backlog.push(sample);
        } catch (error) {
          warn(`sampling the backlog: ${(error as Error).message}`);
        }
        await sleep(BACKLOG_POLL_MS, stopSignal);
      }
    };

    const sendRate = new SlidingRate(RATE_WINDOW_MS);
    const invokeRate = new SlidingRate(RATE_WINDOW_MS);
    const snapshot = (): ProgressSnapshot => {
      syncSent();
      const at = now();
      const startedAt = producer.startedAt ?? at;
      const elapsed = at - startedAt;
      const latency = tally.latency();
      const phase = schedule.phaseAt(elapsed);
      return {
        elapsedMs: elapsed,
        plannedMs: schedule.durationMs,
        stage,
        ...(phase !== undefined && plan.load.kind === 'phases' ? { phase } : {}),
        sent: tally.sent,
        planned: schedule.total,
        invoked: tally.invoked,
        failed: tally.failed,
        sendRate: sendRate.add(at, tally.sent),
        invokeRate: invokeRate.add(at, tally.invoked),
        ...(latency ? { latencyMs: latency } : {}),
        ...(backlog.length > 0 ? { backlog: backlog.at(-1)! } : {}),
        behind: producer.behind,
      };
    };
    const progressLoop = async (): Promise<void> => {
      while (!stopSignal.aborted) {
        await sleep(PROGRESS_MS, stopSignal);
        if (stopSignal.aborted) break;
        try {
          options.onProgress?.(snapshot());
        } catch (error) {
          warn(`progress view: ${(error as Error).message}`);
        }
      }
    };

    const loops = [traceLoop(), backlogLoop(), progressLoop()];
    let result: ProducerResult;
    try {
      result = await producer.run();
      producerDone = result;
      syncSent();
      // Draining: the grace period, ended early once everything sent was processed.
      stage = 'draining';
      const graceEnd = result.endedAt + plan.graceMs;
      while (!signal?.aborted && now() < graceEnd && !(tally.settled && producerDone)) {
        await sleep(Math.min(TRACE_POLL_MS, Math.max(0, graceEnd - now())), signal);
      }
    } finally {
      stopped.abort();
      await Promise.all(loops);
    }
    // The last read: everything traced so far, the early end's entries included.
    cursor = await readAll(client, mappingUuid, cursor, onEntries);
    options.onProgress?.(snapshot());

    let destinationCount = 0;
    if (resources.failureQueue) {
      try {
        destinationCount = await countDestination(clients.sqs, resources.failureQueue, resources.target.kind === 'sqs' ? 'dlq' : 'on-failure');
      } catch (error) {
        warn(`counting the failure destination: ${(error as Error).message}`);
      }
    }

    return {
      settings: runSettings(plan, resources, mapping, schedule),
      startedAt: result.startedAt,
      endedAt: result.endedAt,
      graceMs: plan.graceMs,
      sent: [...result.sent],
      invocations,
      backlog,
      producer: result.samples,
      destinationCount,
      sendFailed: result.failed,
      runId,
      mappingUuid,
      producerStats: { retried: result.retried, failed: result.failed, errors: result.errors, aborted: result.aborted },
      created: resources.createdNames,
    };
  } finally {
    if (uuid) {
      try {
        await deleteMapping(clients.lambda, uuid);
      } catch (error) {
        warn(`deleting mapping ${uuid}: ${(error as Error).message}`);
      }
    }
    if (resources) for (const problem of await resources.release()) warn(`removing ${problem}`);
    clients.destroy();
  }
}
