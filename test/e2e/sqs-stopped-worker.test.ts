/**
 * A stopped process does not keep an SQS mapping's concurrency (sqs.md §3): two `sluice
 * start` processes share a mapping; one is frozen (SIGSTOP) while it has batches in
 * flight, and the other reaches the mapping's full MaximumConcurrency within about the
 * stopped one's leases (its concurrency slots, `supervisor.workerTimeoutMs`; the locks of
 * the batch jobs it was running, `streams.leaseMs`). After SIGCONT every message is
 * delivered and the queue drains.
 */
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { CreateEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import { allocateRedisDb, createQueue, pollUntil, startRecordingTarget, type RecordedRequest } from '../support/index.js';
import { lambdaClientFor } from '../support/sluice.js';
import { startSluiceProcess, type SluiceProcess } from '../support/sluice-process.js';
import { recordsIn } from '../support/sqs-e2e.js';
import { queueIsEmpty, sendMessages } from '../support/sqs-helpers.js';

const CAP = 4;
const MESSAGES = 100;
const INVOCATION_MS = 500;
/** Leases short enough to keep the test short; the default ones scale the same way. */
const WORKER_TIMEOUT_MS = 2000;
const LEASE_MS = 3000;
/**
 * How long after the SIGSTOP the other process may take to reach the full cap: the
 * frozen one's slots expire after WORKER_TIMEOUT_MS, its job locks after LEASE_MS and
 * are found stalled within half of that again; generous on a busy machine. Slots held for
 * a fixed 30 s would take at least 20 s.
 */
const FULL_CAP_WITHIN_MS = 13_000;

const running: SluiceProcess[] = [];
afterEach(async () => {
  for (const p of running) p.process.child.kill('SIGCONT');
  await Promise.all(running.splice(0).map((p) => p.process.stop()));
});

/** Requests open at `at` (arrived, not yet answered). */
const openAt = (requests: readonly RecordedRequest[], at: number) => requests.filter((r) => r.receivedAt <= at && (r.respondedAt ?? Infinity) > at).length;

/** The first moment from `since` on at which `count` requests are open at once, if any. */
function firstMomentWithOpen(requests: readonly RecordedRequest[], count: number, since: number): number | undefined {
  const moments = requests.map((r) => r.receivedAt).filter((at) => at >= since).sort((a, b) => a - b);
  return moments.find((at) => openAt(requests, at) >= count);
}

describe('SQS mapping on two processes, one of them stopped', () => {
  it('the other process reaches the full concurrency within about the stopped one\'s leases; nothing is lost', { timeout: 120_000 }, async () => {
    const target = await startRecordingTarget({ delayMs: INVOCATION_MS });
    onTestFinished(() => target.close());
    const db = await allocateRedisDb();
    // The same function in both processes, at a path saying which process invoked it.
    const config = (name: string) => ({
      functions: { slow: { http: `${target.url}/${name}`, timeout: 5 } },
      supervisor: { workerTimeoutMs: WORKER_TIMEOUT_MS, heartbeatIntervalMs: 250 },
      streams: { leaseMs: LEASE_MS },
    });
    const [a, b] = await Promise.all([startSluiceProcess(db, config('a')), startSluiceProcess(db, config('b'))]);
    running.push(a, b);
    const lambda = lambdaClientFor(b.url);
    onTestFinished(() => lambda.destroy());
    const queue = await createQueue({ visibilityTimeoutSeconds: 10 });
    onTestFinished(queue.cleanup);
    const bodies = Array.from({ length: MESSAGES }, (_, i) => `m${i}`);
    await sendMessages(queue.queueUrl, bodies);
    await lambda.send(
      new CreateEventSourceMappingCommand({ FunctionName: 'slow', EventSourceArn: queue.queueArn, BatchSize: 1, ScalingConfig: { MaximumConcurrency: CAP } }),
    );
    const byA = () => target.requests.filter((r) => r.path === '/a');
    const byB = () => target.requests.filter((r) => r.path === '/b');

    // A is frozen while its worker has invocations open.
    await pollUntil(() => target.requests.length >= 8 && byA().some((r) => r.respondedAt === undefined), { description: 'A invoking', timeoutMs: 20_000, intervalMs: 10 });
    a.process.child.kill('SIGSTOP');
    const stoppedAt = Date.now();

    const fullAt = await pollUntil(() => firstMomentWithOpen(byB(), CAP, stoppedAt), {
      description: `B invoking ${CAP} batches at once`,
      timeoutMs: FULL_CAP_WITHIN_MS + 5000,
      intervalMs: 100,
    }).catch(() => undefined);
    const tookMs = fullAt === undefined ? Infinity : fullAt - stoppedAt;
    console.log(`B reached ${CAP} concurrent invocations ${tookMs} ms after A was stopped`);
    a.process.child.kill('SIGCONT');
    expect(tookMs).toBeLessThanOrEqual(FULL_CAP_WITHIN_MS);

    await pollUntil(() => queueIsEmpty(queue.queueUrl), { description: 'queue drained', timeoutMs: 60_000 });
    expect(new Set(target.requests.flatMap((r) => recordsIn(r).map((rec) => rec.body)))).toEqual(new Set(bodies));
  });
});
