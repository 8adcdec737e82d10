/**
 * kill -9 loop: two Sluice processes share one Redis and run an SQS and a Kinesis mapping
 * (4 shards, per-key sequences) while records flow in; every few seconds one of them is
 * killed with SIGKILL and started again at once (as systemd or Kubernetes would).
 *
 * Figures: lost, duplicates, order violations per key; per kill, how long the victim took
 * to be ready again and how long until everything written before the kill was delivered
 * (its SQS messages come back after the visibility timeout, its shards move after
 * `streams.leaseMs`).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ChaosBed } from '../support/bed.js';
import { startFleet } from '../support/fleet.js';
import { KINESIS_PATH, SQS_PATH, startFlow, VERDICT_COLUMNS, verdictProblems, verdictRows } from '../support/flow.js';
import { catchUpMs, firstDeliveries } from '../support/ledger.js';
import { median, seconds, type ScenarioOptions, type ScenarioResult } from '../support/report.js';

const FULL = { kills: 20, records: 20_000, killEveryMs: 6_000 };
const SHORT = { kills: 3, records: 2_000, killEveryMs: 5_000 };
/**
 * Shorter than the 10 s default so a dead holder's shards move within one kill interval;
 * a setting users have too (README: Operating notes).
 */
const LEASE_MS = 3_000;
/** After the last record is written, how long delivery may take before the rest counts as lost. */
const DRAIN_MS = 60_000;

interface Kill {
  kill: number;
  victim: string;
  at: number;
  readyMs: number;
}

export async function killLoop(bed: ChaosBed, options: ScenarioOptions): Promise<Omit<ScenarioResult, 'scenario' | 'seconds'>> {
  const plan = options.short ? SHORT : FULL;
  // 100 ms per invocation: long enough that most kills catch invocations in flight.
  const flow = await startFlow(bed, { visibilityTimeoutSeconds: 5, invokeMs: 100 });
  const fleet = await startFleet(2, bed.childEndpoints(bed.freshRedisUrl()), flow.config({ streams: { leaseMs: LEASE_MS }, supervisor: { shutdownTimeoutMs: 3_000 } }));
  const kills: Kill[] = [];
  try {
    // Records flow for the whole loop and one interval after the last kill.
    const producing = flow.produce(plan.records, (plan.kills + 1) * plan.killEveryMs);
    for (let k = 0; k < plan.kills; k++) {
      // ±30 % jitter, so the kills do not fall into step with polls, leases or heartbeats.
      await sleep(plan.killEveryMs * (0.7 + 0.6 * Math.random()));
      const victim = fleet[k % fleet.length]!;
      const at = Date.now();
      await victim.kill9();
      await victim.start();
      await victim.waitReady();
      kills.push({ kill: k + 1, victim: victim.name, at, readyMs: Date.now() - at });
      console.log(`  kill ${k + 1}/${plan.kills}: ${victim.name} ready again after ${Date.now() - at} ms`);
    }
    await producing;
    await flow.drain(DRAIN_MS);

    const verdicts = flow.verdicts();
    const sqsFirst = firstDeliveries(flow.sqsRecords());
    const kinesisFirst = firstDeliveries(flow.kinesisRecords());
    const perKill = kills.map((kill) => ({
      ...kill,
      sqsCatchUpMs: catchUpMs(kill.at, flow.sqsProducer.produced, sqsFirst),
      kinesisCatchUpMs: catchUpMs(kill.at, flow.kinesisProducer.produced, kinesisFirst),
    }));
    const defined = (values: (number | undefined)[]) => values.filter((v): v is number => v !== undefined);
    const sqsCatchUps = defined(perKill.map((k) => k.sqsCatchUpMs));
    const kinesisCatchUps = defined(perKill.map((k) => k.kinesisCatchUpMs));
    const ready = perKill.map((k) => k.readyMs);
    // Invocations a kill cut off (the target saw the request, the caller was gone before the answer).
    const cutOff = (path: string) => flow.target.requests.filter((request) => request.path === path && request.clientAborted).length;
    const cutOffs = { sqs: cutOff(SQS_PATH), kinesis: cutOff(KINESIS_PATH) };
    return {
      ok: verdictProblems(verdicts).length === 0,
      problems: verdictProblems(verdicts),
      tables: [
        { title: `kill -9 loop: ${plan.kills} kills of 2 processes, ${plan.records.toLocaleString('en-US')} records per source`, columns: VERDICT_COLUMNS, rows: verdictRows(verdicts) },
        {
          title: 'after each kill (median / max)',
          columns: ['figure', 'median', 'max'],
          rows: [
            ['victim ready again (restart to /readyz 200)', seconds(median(ready)), seconds(Math.max(...ready))],
            ['SQS: everything written before the kill delivered', seconds(median(sqsCatchUps)), seconds(Math.max(...sqsCatchUps))],
            ['Kinesis: everything written before the kill delivered', seconds(median(kinesisCatchUps)), seconds(Math.max(...kinesisCatchUps))],
          ],
        },
      ],
      figures: { plan, leaseMs: LEASE_MS, visibilityTimeoutSeconds: 5, verdicts, cutOffInvocations: cutOffs, kills: perKill },
      notes: [
        `Invocations cut off in flight by the kills: SQS ${cutOffs.sqs}, Kinesis ${cutOffs.kinesis} (their records had to come again).`,
        `SQS catch-up is bounded by the queue's visibility timeout (5 s): messages a dead process held come back after it.`,
        `Kinesis catch-up is bounded by streams.leaseMs (${LEASE_MS} ms here): a dead holder's shards move once its leases expire.`,
        'Duplicates are the batches in flight at a kill (at-least-once); an order violation would be a record reaching the function before an earlier one of its key.',
      ],
    };
  } finally {
    await Promise.all(fleet.map((sluice) => sluice.stop()));
    await flow.close();
  }
}
