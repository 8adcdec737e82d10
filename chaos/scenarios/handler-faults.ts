/**
 * Handler faults: `module` functions that throw, hang past their timeout, call
 * process.exit, or loop forever on poison records (chaos/handlers/faults.mjs), each fed by
 * an SQS queue (RedrivePolicy maxReceiveCount 2 to a DLQ) and a Kinesis stream
 * (MaximumRetryAttempts 1, on-failure destination an SQS queue), all in one Sluice process.
 *
 * Lambda semantics, checked per fault and source: every healthy record is delivered; a
 * poison record is tried exactly twice (SQS: maxReceiveCount; Kinesis: 1 + retries), never
 * completes, and then lands in the DLQ (SQS) or is named by an on-failure record
 * (Kinesis); nothing is lost; the process keeps answering /healthz throughout.
 *
 * OOM: a handler allocating past its function's `memorySize` (128 MB, Lambda's default,
 * the worker's heap cap) must be a function error that ends only that worker.
 */
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DeleteMessageBatchCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { ChaosBed } from '../support/bed.js';
import { startFleet, type ChaosSluice } from '../support/fleet.js';
import { KinesisProducer, SqsProducer } from '../support/producers.js';
import type { Cell, ScenarioOptions, ScenarioResult } from '../support/report.js';
import { startRecordingTarget } from '../../test/support/recording-target.js';

const FAULTS = ['throws', 'hangs', 'exits', 'loops', 'oom'] as const;
type Fault = (typeof FAULTS)[number];

const FULL = { records: 100, poisonEvery: 10 };
const SHORT = { records: 20, poisonEvery: 7 };
const HANDLERS = resolve(import.meta.dirname, '../handlers/faults.mjs');
const ATTEMPTS = 2;
const WAIT_MS = 120_000;
const SINK_PATH = '/faults';

interface Ledger {
  done: Set<string>;
  attempts: Map<string, number>;
}

interface Outcome {
  fault: Fault;
  source: 'SQS' | 'Kinesis';
  produced: number;
  poison: number;
  healthyDone: number;
  poisonCompleted: number;
  /** Min and max attempts over the poison records. */
  attempts: [number, number];
  /** Poison records in the DLQ (SQS) or named by an on-failure record (Kinesis). */
  parked: number;
  lost: number;
}

/** Every message of a queue, each read once (deleted after reading). */
async function drainQueue(bed: ChaosBed, url: string, into: string[]): Promise<void> {
  const { Messages = [] } = await bed.sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
  if (Messages.length === 0) return;
  into.push(...Messages.map((m) => m.Body ?? ''));
  await bed.sqs.send(new DeleteMessageBatchCommand({ QueueUrl: url, Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }));
}

export async function handlerFaults(bed: ChaosBed, options: ScenarioOptions): Promise<Omit<ScenarioResult, 'scenario' | 'seconds'>> {
  const plan = options.short ? SHORT : FULL;
  const sink = await startRecordingTarget();
  const sinkUrl = `${sink.url}${SINK_PATH}`;
  const isPoison = (index: number) => index % plan.poisonEvery === plan.poisonEvery - 1;
  const extra = (_id: string, index: number) => ({ poison: isPoison(index), sink: sinkUrl });

  const setups = await Promise.all(
    FAULTS.map(async (fault) => {
      const [dlq, failures, stream] = await Promise.all([bed.createQueue(`dlq-${fault}`), bed.createQueue(`onfailure-${fault}`), bed.createStream(1)]);
      // Visibility 6 s: AWS's advice of at least six times the function's timeout (1 s). At 3 s,
      // a hung or out-of-memory invocation (timeout, worker killed and replaced) on a loaded
      // machine outlasted it: the message was received again meanwhile and reached the DLQ
      // with one attempt where two were due.
      const queue = await bed.createQueue(fault, { VisibilityTimeout: '6', RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: ATTEMPTS }) });
      return {
        fault,
        dlq,
        failures,
        sqsProducer: new SqsProducer(bed.sqs, queue.url, `${fault}-`, extra),
        kinesisProducer: new KinesisProducer(bed.kinesis, stream.name, 1, extra, `${fault}-k`),
        mappings: [
          { FunctionName: `fault-${fault}`, EventSourceArn: queue.arn, BatchSize: 1 },
          {
            FunctionName: `fault-${fault}`,
            EventSourceArn: stream.arn,
            StartingPosition: 'TRIM_HORIZON',
            BatchSize: 1,
            MaximumRetryAttempts: ATTEMPTS - 1,
            DestinationConfig: { OnFailure: { Destination: failures.arn } },
          },
        ],
      };
    }),
  );
  const config = {
    functions: Object.fromEntries(FAULTS.map((fault) => [`fault-${fault}`, { module: `${HANDLERS}#${fault}`, timeout: 1, memorySize: 128 }])),
    mappings: setups.flatMap((s) => s.mappings),
  };
  let fleet: ChaosSluice[] = [];
  const health = { checks: 0, failed: 0, slowestMs: 0 };
  let watching = true;
  try {
    fleet = await startFleet(1, bed.childEndpoints(bed.freshRedisUrl()), config);
    const sluice = fleet[0]!;
    // Sluice keeps serving: /healthz every 500 ms while the handlers misbehave.
    const watch = (async () => {
      while (watching) {
        const t0 = Date.now();
        const ok = await fetch(`${sluice.url}/healthz`, { signal: AbortSignal.timeout(2_000) }).then((r) => r.ok, () => false);
        health.checks++;
        if (!ok) health.failed++;
        health.slowestMs = Math.max(health.slowestMs, Date.now() - t0);
        await sleep(500);
      }
    })();
    await Promise.all(setups.flatMap((s) => [s.sqsProducer.produce(plan.records, plan.records * 10), s.kinesisProducer.produce(plan.records, plan.records * 10)]));

    const ledger = (fault: Fault, source: 'sqs' | 'kinesis'): Ledger => {
      const done = new Set<string>();
      const attempts = new Map<string, number>();
      const setup = setups.find((s) => s.fault === fault)!;
      const ids = source === 'sqs' ? setup.sqsProducer.produced : setup.kinesisProducer.produced;
      for (const request of sink.requests) {
        const { kind, id } = request.body as { kind: string; id: string };
        if (!ids.has(id)) continue;
        if (kind === 'done') done.add(id);
        else attempts.set(id, (attempts.get(id) ?? 0) + 1);
      }
      return { done, attempts };
    };
    const dlqBodies = new Map<Fault, string[]>(FAULTS.map((f) => [f, []]));
    const failureBodies = new Map<Fault, string[]>(FAULTS.map((f) => [f, []]));
    const poisonOf = (produced: ReadonlyMap<string, number>) => [...produced.keys()].filter((_, index) => isPoison(index));
    const settled = () =>
      setups.every((s) => dlqBodies.get(s.fault)!.length >= poisonOf(s.sqsProducer.produced).length && failureBodies.get(s.fault)!.length >= poisonOf(s.kinesisProducer.produced).length);
    const deadline = Date.now() + WAIT_MS;
    while (!settled() && Date.now() < deadline) {
      await Promise.all(setups.flatMap((s) => [drainQueue(bed, s.dlq.url, dlqBodies.get(s.fault)!), drainQueue(bed, s.failures.url, failureBodies.get(s.fault)!)]));
    }
    // Healthy records behind the last poison one may still be on their way.
    await sleep(2_000);
    watching = false;
    await watch;

    const outcomes: Outcome[] = [];
    for (const setup of setups) {
      for (const source of ['sqs', 'kinesis'] as const) {
        const produced = source === 'sqs' ? setup.sqsProducer.produced : setup.kinesisProducer.produced;
        const poison = new Set(poisonOf(produced));
        const { done, attempts } = ledger(setup.fault, source);
        let parked: Set<string>;
        if (source === 'sqs') {
          parked = new Set(dlqBodies.get(setup.fault)!.map((body) => (JSON.parse(body) as { id: string }).id));
        } else {
          // An on-failure record names the batch by sequence numbers (BatchSize 1: one record).
          const bySequence = new Map([...setup.kinesisProducer.sequenceNumbers].map(([id, seq]) => [seq, id]));
          parked = new Set(
            failureBodies.get(setup.fault)!.flatMap((body) => {
              const id = bySequence.get((JSON.parse(body) as { KinesisBatchInfo: { startSequenceNumber: string } }).KinesisBatchInfo.startSequenceNumber);
              return id ? [id] : [];
            }),
          );
        }
        const counts = [...poison].map((id) => attempts.get(id) ?? 0);
        outcomes.push({
          fault: setup.fault,
          source: source === 'sqs' ? 'SQS' : 'Kinesis',
          produced: produced.size,
          poison: poison.size,
          healthyDone: [...produced.keys()].filter((id) => !poison.has(id) && done.has(id)).length,
          poisonCompleted: [...poison].filter((id) => done.has(id)).length,
          attempts: [Math.min(...counts), Math.max(...counts)],
          parked: [...poison].filter((id) => parked.has(id)).length,
          lost: [...produced.keys()].filter((id) => !done.has(id) && !parked.has(id)).length,
        });
      }
    }

    const problems: string[] = [];
    for (const o of outcomes) {
      const what = `${o.fault} / ${o.source}`;
      if (o.lost > 0) problems.push(`${what}: ${o.lost} records neither delivered nor parked`);
      if (o.healthyDone !== o.produced - o.poison) problems.push(`${what}: ${o.produced - o.poison - o.healthyDone} healthy records not delivered`);
      if (o.parked !== o.poison) problems.push(`${what}: ${o.poison - o.parked} poison records not in the ${o.source === 'SQS' ? 'DLQ' : 'on-failure destination'}`);
      if (o.attempts[0] !== ATTEMPTS || o.attempts[1] !== ATTEMPTS) problems.push(`${what}: poison records tried ${o.attempts[0]}-${o.attempts[1]} times, expected ${ATTEMPTS}`);
    }
    if (!sluice.alive) problems.push('the Sluice process died');
    if (health.failed > 0) problems.push(`/healthz failed ${health.failed} of ${health.checks} times`);

    const rows: Cell[][] = outcomes.map((o) => [
      o.fault,
      o.source,
      `${o.healthyDone} / ${o.produced - o.poison}`,
      o.attempts[0] === o.attempts[1] ? o.attempts[0] : `${o.attempts[0]}-${o.attempts[1]}`,
      `${o.parked} / ${o.poison}`,
      o.lost,
    ]);
    return {
      ok: problems.length === 0,
      problems,
      tables: [
        {
          title: `handler faults: ${plan.records} records per fault and source, every ${plan.poisonEvery}th poison; module functions, timeout 1 s`,
          columns: ['fault', 'source', 'healthy delivered', 'tries per poison record', 'poison in DLQ / on-failure', 'lost'],
          rows,
        },
      ],
      figures: { plan, outcomes, health },
      notes: [
        `/healthz answered ${health.checks - health.failed} of ${health.checks} checks during the faults (slowest ${health.slowestMs} ms).`,
      ],
    };
  } finally {
    watching = false;
    await Promise.all(fleet.map((sluice) => sluice.stop()));
    await sink.close();
  }
}
