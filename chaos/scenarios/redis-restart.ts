/**
 * Redis restarts mid-flow, under two Sluice processes running an SQS and a Kinesis mapping
 * (declared in the config, as a user deploys them), on a redis-server with the
 * append-only file on:
 *   1. SHUTDOWN and restart on the same port and dir: nothing lost, the store intact;
 *   2. kill -9 and restart from the AOF (up to ~1 s of writes gone): nothing lost;
 *   3. kill -9 and restart with the data dir wiped (Redis back empty): every process
 *      notices (an `error` log line, /readyz 503 with the reason, `sluice store status`),
 *      re-applies its declared mappings, and records still arrive: SQS messages in flight
 *      come back after their visibility timeout, the stream starts again at TRIM_HORIZON
 *      (duplicates, no loss). Then `sluice store ack` makes /readyz ready again.
 */
import { spawnSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ChaosBed } from '../support/bed.js';
import { startFleet, type ChaosSluice } from '../support/fleet.js';
import { startFlow, VERDICT_COLUMNS, verdictProblems, verdictRows, type Flow } from '../support/flow.js';
import { firstDeliveryAfter } from '../support/ledger.js';
import { PersistentRedis } from '../support/persistent-redis.js';
import { seconds, type ScenarioOptions, type ScenarioResult } from '../support/report.js';
import { childEnvironment, SLUICE_BIN, writeConfigFile, type ChildEndpoints } from '../../test/support/sluice-child.js';
import { pollUntil } from '../../test/support/poll.js';

const FULL = { recordsPerPhase: 3_000, phaseMs: 15_000 };
const SHORT = { recordsPerPhase: 500, phaseMs: 6_000 };
const DRAIN_MS = 60_000;
/** How long Redis stays down before it is started again (a restart loading its AOF is not instant either). */
const DOWN_MS = 2_000;
const LOSS_LOG = "Redis lost Sluice's store";

interface Phase {
  phase: string;
  redisDownMs: number;
  sqsResumedMs: number | undefined;
  kinesisResumedMs: number | undefined;
}

/** Runs `fault` (which stops and starts Redis) half-way through a phase of steady writes. */
async function phaseWithFault(flow: Flow, plan: typeof FULL, name: string, fault: () => Promise<void>): Promise<Phase & { down: number; back: number }> {
  const producing = flow.produce(plan.recordsPerPhase, plan.phaseMs);
  await sleep(plan.phaseMs / 2);
  const down = Date.now();
  await fault();
  const back = Date.now();
  console.log(`  ${name}: Redis back after ${back - down} ms`);
  await producing;
  await pollUntil(() => firstDeliveryAfter(back, flow.sqsRecords()) !== undefined && firstDeliveryAfter(back, flow.kinesisRecords()) !== undefined, {
    timeoutMs: DRAIN_MS,
    description: `deliveries after ${name}`,
  }).catch(() => undefined);
  return {
    phase: name,
    down,
    back,
    redisDownMs: back - down,
    sqsResumedMs: firstDeliveryAfter(back, flow.sqsRecords()),
    kinesisResumedMs: firstDeliveryAfter(back, flow.kinesisRecords()),
  };
}

/** `sluice store <action>` as an operator runs it; its stdout. */
function storeCommand(endpoints: ChildEndpoints, action: 'status' | 'ack'): string {
  const result = spawnSync(process.execPath, [SLUICE_BIN, 'store', action, '--config', writeConfigFile({})], {
    env: childEnvironment(endpoints, 0),
    encoding: 'utf8',
    timeout: 20_000,
  });
  if (result.status !== 0) throw new Error(`sluice store ${action} exited ${result.status}: ${result.stderr}`);
  return result.stdout.trim();
}

const lossLogged = (sluice: ChaosSluice, since: number) => sluice.logs.find((line) => line.at >= since && line.level >= 50 && line.msg.includes(LOSS_LOG));

export async function redisRestart(bed: ChaosBed, options: ScenarioOptions): Promise<Omit<ScenarioResult, 'scenario' | 'seconds'>> {
  const plan = options.short ? SHORT : FULL;
  const redis = await PersistentRedis.start();
  const flow = await startFlow(bed, { visibilityTimeoutSeconds: 5 });
  const endpoints = bed.childEndpoints(`${redis.url}/0`);
  let fleet: ChaosSluice[] = [];
  const problems: string[] = [];
  try {
    fleet = await startFleet(2, endpoints, flow.config({ streams: { leaseMs: 3_000 }, supervisor: { shutdownTimeoutMs: 3_000 } }));
    const phases: Phase[] = [];
    const start = Date.now();
    phases.push(await phaseWithFault(flow, plan, 'SHUTDOWN, restart with the AOF', async () => {
      await redis.shutdown();
      await sleep(DOWN_MS);
      await redis.launch();
    }));
    phases.push(await phaseWithFault(flow, plan, 'kill -9, restart with the AOF', async () => {
      await redis.kill9();
      await sleep(DOWN_MS);
      await redis.launch();
    }));
    await flow.drain(DRAIN_MS);
    const withAof = flow.verdicts();
    problems.push(...verdictProblems(withAof).map((p) => `with the AOF: ${p}`));
    for (const sluice of fleet) {
      if (lossLogged(sluice, start)) problems.push(`${sluice.name} reported a store loss although Redis kept its data`);
      const readyz = await sluice.readyz();
      if (readyz.status !== 200) problems.push(`${sluice.name}: /readyz ${readyz.status} after restarts with the AOF: ${readyz.body}`);
    }

    // 3. Redis back empty.
    const empty = await phaseWithFault(flow, plan, 'kill -9, restart EMPTY (data dir wiped)', async () => {
      await redis.kill9();
      redis.wipe();
      await sleep(DOWN_MS);
      await redis.launch();
    });
    phases.push(empty);
    const detection = await Promise.all(
      fleet.map(async (sluice) => {
        const readyz = await pollUntil(async () => {
          const answer = await sluice.readyz();
          return answer.status === 503 && answer.body.includes(LOSS_LOG) ? answer : undefined;
        }, { timeoutMs: 20_000, description: `${sluice.name} /readyz 503 after the loss` }).catch(() => undefined);
        // From the kill, not from `back`: a process's own reconnect can reach the new Redis
        // before the harness's PING poll (every 25 ms) does, and log the loss before `back`.
        const line = await pollUntil(() => lossLogged(sluice, empty.down), { timeoutMs: 20_000 }).catch(() => undefined);
        const detectedMs = line ? Math.max(0, line.at - empty.back) : undefined;
        return { sluice: sluice.name, readyz503: readyz !== undefined, errorLogged: line !== undefined, detectedMs, logLine: line?.msg };
      }),
    );
    for (const d of detection) {
      if (!d.readyz503) problems.push(`${d.sluice}: /readyz did not answer 503 naming the lost store`);
      if (!d.errorLogged) problems.push(`${d.sluice}: no error log line "${LOSS_LOG} ..."`);
    }
    const status = storeCommand(endpoints, 'status');
    if (!status.includes('NOT ACKNOWLEDGED')) problems.push(`sluice store status does not show the loss: ${status}`);

    await flow.drain(DRAIN_MS);
    const total = flow.verdicts();
    problems.push(...verdictProblems(total).map((p) => `after Redis came back empty: ${p}`));

    const ack = storeCommand(endpoints, 'ack');
    for (const sluice of fleet) {
      const readyz = await sluice.readyz();
      if (readyz.status !== 200) problems.push(`${sluice.name}: /readyz ${readyz.status} after sluice store ack`);
    }
    const emptyDuplicates = {
      sqs: total.sqs.duplicates - withAof.sqs.duplicates,
      kinesis: total.kinesis.duplicates - withAof.kinesis.duplicates,
    };
    return {
      ok: problems.length === 0,
      problems,
      tables: [
        {
          title: `Redis restarts under 2 processes, ${plan.recordsPerPhase.toLocaleString('en-US')} records per source per phase`,
          columns: ['phase', 'Redis down', 'SQS delivering again', 'Kinesis delivering again'],
          rows: phases.map((p) => [p.phase, seconds(p.redisDownMs), seconds(p.sqsResumedMs), seconds(p.kinesisResumedMs)]),
        },
        { title: 'records after the two restarts with the AOF', columns: VERDICT_COLUMNS, rows: verdictRows(withAof) },
        { title: 'records after Redis also came back empty', columns: VERDICT_COLUMNS, rows: verdictRows(total) },
        {
          title: 'Redis back empty: what each process said',
          columns: ['process', '/readyz 503 with the reason', 'error logged', 'logged after Redis was back'],
          rows: detection.map((d) => [d.sluice, d.readyz503 ? 'yes' : 'NO', d.errorLogged ? 'yes' : 'NO', seconds(d.detectedMs)]),
        },
      ],
      figures: { plan, phases, withAof, total, emptyDuplicates, detection, storeStatus: status, storeAck: ack },
      notes: [
        `Redis back empty: records delivered twice because of it: SQS ${emptyDuplicates.sqs} (batch jobs lost with the store; their messages came back after the visibility timeout), Kinesis ${emptyDuplicates.kinesis} (checkpoints lost: the re-applied mapping started again at TRIM_HORIZON).`,
        `The log said: ${detection[0]?.logLine ?? '(nothing)'}`,
        `sluice store status said: ${status.replace(/\n/g, ' / ')}`,
      ],
    };
  } finally {
    await Promise.all(fleet.map((sluice) => sluice.stop()));
    await flow.close();
    await redis.stop();
  }
}
