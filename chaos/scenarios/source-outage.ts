/**
 * Source outage: a Sluice process reads an SQS queue and a Kinesis stream through TCP
 * proxies (test/support/tcp-proxy.ts) while records keep arriving; both proxies are cut
 * (open connections reset, new ones refused: the emulators are unreachable, as a network
 * or endpoint outage looks to Sluice) for 30 s (short: 5 s), then restored.
 *
 * A proxy rather than stopping the emulators: the records already written stay in the
 * source, so "nothing lost" is judged on the same data, and the producer keeps writing.
 *
 * Figures: time from the restore to the first delivery, log lines per second during the
 * outage (source errors are warnings, rate-limited per mapping), lost / duplicates / order.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ChaosBed } from '../support/bed.js';
import { startFleet, type ChaosSluice } from '../support/fleet.js';
import { startFlow, VERDICT_COLUMNS, verdictProblems, verdictRows } from '../support/flow.js';
import { firstDeliveryAfter } from '../support/ledger.js';
import { seconds, type ScenarioOptions, type ScenarioResult } from '../support/report.js';
import { startTcpProxy } from '../../test/support/tcp-proxy.js';

const FULL = { outageMs: 30_000, records: 4_000 };
const SHORT = { outageMs: 5_000, records: 600 };
/** Records flow this long before the cut and after the restore. */
const BEFORE_MS = 3_000;
const AFTER_MS = 5_000;
const DRAIN_MS = 60_000;

const portOf = (url: string) => Number(new URL(url).port);

export async function sourceOutage(bed: ChaosBed, options: ScenarioOptions): Promise<Omit<ScenarioResult, 'scenario' | 'seconds'>> {
  const plan = options.short ? SHORT : FULL;
  const flow = await startFlow(bed, { visibilityTimeoutSeconds: 5 });
  const [sqsProxy, kinesisProxy] = await Promise.all([startTcpProxy(portOf(bed.sqsEndpoint)), startTcpProxy(portOf(bed.kinesisEndpoint))]);
  const endpoints = bed.childEndpoints(bed.freshRedisUrl(), {
    sqs: `http://127.0.0.1:${sqsProxy.port}`,
    sns: `http://127.0.0.1:${sqsProxy.port}`,
    kinesis: `http://127.0.0.1:${kinesisProxy.port}`,
  });
  let fleet: ChaosSluice[] = [];
  try {
    fleet = await startFleet(1, endpoints, flow.config());
    const sluice = fleet[0]!;
    const producing = flow.produce(plan.records, BEFORE_MS + plan.outageMs + AFTER_MS);
    await sleep(BEFORE_MS);
    const cutAt = Date.now();
    await Promise.all([sqsProxy.cut(), kinesisProxy.cut()]);
    console.log(`  sources cut for ${plan.outageMs / 1000} s`);
    await sleep(plan.outageMs);
    await Promise.all([sqsProxy.restore(), kinesisProxy.restore()]);
    const restoredAt = Date.now();
    await producing;
    await flow.drain(DRAIN_MS);

    const verdicts = flow.verdicts();
    const problems = verdictProblems(verdicts);
    const outageSeconds = (restoredAt - cutAt) / 1000;
    const lines = sluice.linesBetween(cutAt, restoredAt);
    const warnings = lines.filter((line) => line.level >= 40);
    // What was said, by message: UUIDs vary per mapping, the first 80 characters tell the kind.
    const said = new Map<string, number>();
    for (const line of warnings) {
      const kind = line.msg.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<uuid>').slice(0, 80);
      said.set(kind, (said.get(kind) ?? 0) + 1);
    }
    const sqsRecoveryMs = firstDeliveryAfter(restoredAt, flow.sqsRecords());
    const kinesisRecoveryMs = firstDeliveryAfter(restoredAt, flow.kinesisRecords());
    if (sqsRecoveryMs === undefined || kinesisRecoveryMs === undefined) problems.push('a source delivered nothing after the restore');
    if (!sluice.alive) problems.push('the Sluice process died during the outage');
    return {
      ok: problems.length === 0,
      problems,
      tables: [
        {
          title: `source outage of ${outageSeconds.toFixed(0)} s (SQS and Kinesis cut together), 1 process`,
          columns: ['figure', 'value'],
          rows: [
            ['SQS: first delivery after the restore', seconds(sqsRecoveryMs)],
            ['Kinesis: first delivery after the restore', seconds(kinesisRecoveryMs)],
            ['log lines per second during the outage (all levels)', (lines.length / outageSeconds).toFixed(2)],
            ['warn / error lines per second during the outage', (warnings.length / outageSeconds).toFixed(2)],
          ],
        },
        { title: 'records', columns: VERDICT_COLUMNS, rows: verdictRows(verdicts) },
      ],
      figures: { plan, outageMs: restoredAt - cutAt, sqsRecoveryMs, kinesisRecoveryMs, logLines: lines.length, warnLines: warnings.length, said: Object.fromEntries(said), verdicts },
      notes: [...said].map(([msg, count]) => `said ${count}x during the outage: ${msg}...`),
    };
  } finally {
    await Promise.all(fleet.map((sluice) => sluice.stop()));
    await Promise.all([sqsProxy.close(), kinesisProxy.close()]);
    await flow.close();
  }
}
