/**
 * Idle cost: many enabled mappings with nothing to read, in one Sluice process. CPU % of a
 * core and RSS of that process, and Redis commands per second, over a window after start-up
 * settled; beside a Sluice with no mapping (the baseline the per-mapping cost is taken from).
 * Mappings are declared in the config file (`mappings:`), as a fleet's would be.
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateQueueCommand } from '@aws-sdk/client-sqs';
import { startContender } from '../support/contender.js';
import { scaled, SCALE, type Bed, type RunningSluice } from '../support/bed.js';
import { sampleRss } from '../support/proc.js';
import { metricSum } from '../support/redis-stats.js';
import { formatNumber, REDIS_COMMANDS_PER_SECOND, type Row } from '../support/table.js';
import { createQueue } from './sqs.js';
import { createStream } from './streams.js';

const SQS_MAPPINGS = scaled(1000, 10);
const KINESIS_MAPPINGS = scaled(200, 5);
const WINDOW_S = Math.max(3, 60 * SCALE);
// Not scaled: an idle SQS mapping settles when its first long polls (20 s) come back empty
// and the receive loops beyond one leave; measured earlier, the window sees that shrinking.
const SETTLE_S = 25;
const MB = 1024 * 1024;

interface Idle {
  cpuPercent: number;
  rssPeakMb: number;
  rssLastMb: number;
  redisPerSecond: number;
  /** Calls to the source service per second (sluice_source_requests_total; NaN when the tree has no such metric). */
  sourceRequestsPerSecond: number;
}

/** Waits SETTLE_S, then measures `sluice` for `windowS`. */
async function idleWindow(bed: Bed, sluice: RunningSluice, windowS = WINDOW_S): Promise<Idle> {
  await new Promise((r) => setTimeout(r, SETTLE_S * 1000));
  const rss = sampleRss(sluice.pid);
  const requests0 = metricSum(await sluice.metrics(), 'sluice_source_requests_total');
  const calls0 = await bed.counter.calls();
  const cpu0 = sluice.cpuMs();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, windowS * 1000));
  const seconds = (performance.now() - t0) / 1000;
  const cpu = sluice.cpuMs() - cpu0;
  const calls = (await bed.counter.calls()) - calls0;
  const requests = metricSum(await sluice.metrics(), 'sluice_source_requests_total') - requests0;
  const { peak, last } = rss.stop();
  return { cpuPercent: cpu / 10 / seconds, rssPeakMb: peak / MB, rssLastMb: last / MB, redisPerSecond: calls / seconds, sourceRequestsPerSecond: requests / seconds };
}

let baseline: Idle | undefined;
/** A Sluice with no mapping, measured once per run. */
async function baselineIdle(bed: Bed): Promise<Idle> {
  if (baseline) return baseline;
  const sluice = await bed.sluice();
  try {
    baseline = await idleWindow(bed, sluice, Math.max(3, 15 * SCALE));
    return baseline;
  } finally {
    sluice.close();
  }
}

const idleText = (i: Idle) =>
  `CPU ${formatNumber(i.cpuPercent, 1)} % of a core, RSS ${formatNumber(i.rssPeakMb)} MB peak, Redis ${formatNumber(i.redisPerSecond, 1)} cmds/s`;

function baselineRow(caseName: string, base: Idle): Row {
  return { case: caseName, contender: 'Sluice, no mapping (baseline)', result: idleText(base), data: { ...base } };
}

/**
 * The raw floor beside Sluice: the same queues watched by bench/contenders/sqs-idle-raw.ts,
 * one SDK long-poll loop per queue in one process. Issue #13's goal (< 5 % of a core for
 * 1,000 idle mappings) is set against it: empty 20 s long polls are 50 SDK calls/s for
 * 1,000 queues, and their CPU is the SDK's, whoever makes them.
 */
async function rawIdleSqs(bed: Bed, queueUrls: string[]): Promise<Idle> {
  const file = join(tmpdir(), `bench-idle-queues-${process.pid}.txt`);
  writeFileSync(file, queueUrls.join('\n'));
  const raw = await startContender('sqs-idle-raw.ts', { SQS_ENDPOINT: bed.sqsEndpoint, QUEUE_URLS_FILE: file });
  try {
    raw.go();
    // The same settling as Sluice's window (idleWindow), then the same measurement.
    await new Promise((r) => setTimeout(r, SETTLE_S * 1000));
    const rss = sampleRss(raw.pid);
    const cpu0 = raw.cpuMs();
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, WINDOW_S * 1000));
    const seconds = (performance.now() - t0) / 1000;
    const cpu = raw.cpuMs() - cpu0;
    const { peak, last } = rss.stop();
    return { cpuPercent: cpu / 10 / seconds, rssPeakMb: peak / MB, rssLastMb: last / MB, redisPerSecond: 0, sourceRequestsPerSecond: queueUrls.length / 20 };
  } finally {
    await raw.stop();
  }
}

export async function idleSqsRows(bed: Bed): Promise<Row[]> {
  const base = await baselineIdle(bed);
  const first = await createQueue(bed);
  const arnPrefix = first.arn.slice(0, first.arn.lastIndexOf(':') + 1);
  const urlPrefix = first.url.slice(0, first.url.lastIndexOf('/') + 1);
  const names = Array.from({ length: SQS_MAPPINGS - 1 }, (_, i) => `idle-${process.pid}-${i}`);
  for (let i = 0; i < names.length; i += 50) {
    await Promise.all(names.slice(i, i + 50).map((QueueName) => bed.sqs.send(new CreateQueueCommand({ QueueName }))));
  }
  const arns = [first.arn, ...names.map((name) => `${arnPrefix}${name}`)];
  const caseName = `${SQS_MAPPINGS.toLocaleString('en-US')} idle SQS mappings (long polling), ${formatNumber(WINDOW_S)} s`;
  const raw = await rawIdleSqs(bed, [first.url, ...names.map((name) => `${urlPrefix}${name}`)]);
  const sluice = await bed.sluice({ extra: { mappings: arns.map((arn) => ({ FunctionName: 'fn', EventSourceArn: arn, BatchSize: 10 })) } });
  try {
    const idle = await idleWindow(bed, sluice);
    const perMapping = (idle.redisPerSecond - base.redisPerSecond) / SQS_MAPPINGS;
    return [
      baselineRow(caseName, base),
      {
        case: caseName,
        contender: 'raw SDK long-poll loop per queue, one process',
        result: `CPU ${formatNumber(raw.cpuPercent, 1)} % of a core, RSS ${formatNumber(raw.rssPeakMb)} MB peak, ${formatNumber(raw.sourceRequestsPerSecond / SQS_MAPPINGS, 2)} SQS calls/s per queue`,
        vsRaw: '1.00 (baseline)',
        data: { ...raw, queues: SQS_MAPPINGS },
      },
      {
        case: caseName,
        contender: 'Sluice',
        result: `${idleText(idle)}: ${formatNumber(perMapping, 2)} Redis cmds/s per mapping, ${formatNumber(idle.sourceRequestsPerSecond / SQS_MAPPINGS, 2)} SQS calls/s per mapping (goals < 5 %, < 300 MB, < 2 cmds/s); one Redis holds ${formatNumber(REDIS_COMMANDS_PER_SECOND / perMapping)} such mappings`,
        vsRaw: `${formatNumber(idle.cpuPercent / raw.cpuPercent, 2)} × CPU, ${formatNumber(idle.rssPeakMb / raw.rssPeakMb, 2)} × RSS`,
        data: { ...idle, mappings: SQS_MAPPINGS, redisPerSecondPerMapping: perMapping },
      },
    ];
  } finally {
    sluice.close();
  }
}

export async function idleKinesisRows(bed: Bed): Promise<Row[]> {
  const base = await baselineIdle(bed);
  const arns: string[] = [];
  // kinesis-local, like AWS, refuses many streams CREATING at once: 10 at a time.
  for (let i = 0; i < KINESIS_MAPPINGS; i += 10) {
    arns.push(...(await Promise.all(Array.from({ length: Math.min(10, KINESIS_MAPPINGS - i) }, () => createStream(bed, 1)))).map((s) => s.arn));
  }
  const sluice = await bed.sluice({
    extra: { mappings: arns.map((arn) => ({ FunctionName: 'fn', EventSourceArn: arn, StartingPosition: 'LATEST', BatchSize: 100 })) },
  });
  try {
    const idle = await idleWindow(bed, sluice);
    const n = KINESIS_MAPPINGS;
    const perShard = {
      cpuPercent: (idle.cpuPercent - base.cpuPercent) / n,
      rssMb: (idle.rssPeakMb - base.rssPeakMb) / n,
      redisPerSecond: (idle.redisPerSecond - base.redisPerSecond) / n,
      getRecordsPerSecond: idle.sourceRequestsPerSecond / n,
    };
    const caseName = `${n.toLocaleString('en-US')} idle single-shard Kinesis mappings, default pacing, ${formatNumber(WINDOW_S)} s`;
    return [
      baselineRow(caseName, base),
      {
        case: caseName,
        contender: 'Sluice',
        result:
          `${idleText(idle)}; per idle shard: ${formatNumber(perShard.cpuPercent, 3)} % CPU, ${formatNumber(perShard.rssMb, 2)} MB, ` +
          `${formatNumber(perShard.redisPerSecond, 2)} Redis cmds/s, ${formatNumber(perShard.getRecordsPerSecond, 2)} Kinesis calls/s`,
        data: { ...idle, mappings: n, ...Object.fromEntries(Object.entries(perShard).map(([k, v]) => [`perShard_${k}`, v])) },
      },
    ];
  } finally {
    sluice.close();
  }
}
