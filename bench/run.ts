/**
 * `npm run bench`: every contender in its own Node process, as a user would deploy it
 * (Sluice started from its built tree with a config file; each raw loop a script under
 * bench/contenders/), the emulators and the HTTP sink in processes of their own. Prints one
 * markdown table and writes it as JSON (bench/results/latest.json, or BENCH_OUT).
 *
 * Environment:
 *   BENCH_SCALE=0.05       scale record counts, mapping counts and windows (a smoke run)
 *   BENCH_ONLY=sqs,latency run only these groups of rows:
 *                          sqs, kinesis, dynamodb, latency, idle-sqs, idle-kinesis,
 *                          two-processes, redis-rtt
 *   BENCH_TREE=<dir>       the built Sluice tree to measure (default this repository)
 *   BENCH_OUT=<file>       where the JSON goes
 *
 * CPU is read from /proc/<pid>/stat of the contender's process; RSS from /proc/<pid>/status.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, resolve } from 'node:path';
import { SCALE, startBed, type Bed, type ServiceName } from './support/bed.js';
import { markdownTable, type Row } from './support/table.js';
import { sqsRows } from './rows/sqs.js';
import { kinesisRows, dynamodbRows } from './rows/streams.js';
import { latencyRows } from './rows/latency.js';
import { idleKinesisRows, idleSqsRows } from './rows/idle.js';
import { twoProcessRows } from './rows/two-processes.js';
import { redisRttRows } from './rows/redis-rtt.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const groups: { name: string; services: ServiceName[]; run: (bed: Bed) => Promise<Row[]> }[] = [
  { name: 'sqs', services: ['sqs'], run: sqsRows },
  { name: 'kinesis', services: ['kinesis'], run: kinesisRows },
  { name: 'dynamodb', services: ['dynamodb'], run: dynamodbRows },
  { name: 'latency', services: ['kinesis'], run: latencyRows },
  { name: 'idle-sqs', services: ['sqs'], run: idleSqsRows },
  { name: 'idle-kinesis', services: ['kinesis'], run: idleKinesisRows },
  { name: 'two-processes', services: ['sqs', 'kinesis'], run: twoProcessRows },
  { name: 'redis-rtt', services: ['sqs'], run: redisRttRows },
];
const only = process.env.BENCH_ONLY?.split(',').map((s) => s.trim()).filter(Boolean);
const selected = groups.filter((g) => !only || only.includes(g.name));
if (selected.length === 0) throw new Error(`BENCH_ONLY=${process.env.BENCH_ONLY} matches none of ${groups.map((g) => g.name).join(', ')}`);

const started = Date.now();
const bed = await startBed(new Set(selected.flatMap((g) => g.services)));
const rows: Row[] = [];
const failures: string[] = [];
try {
  for (const group of selected) {
    const t0 = Date.now();
    process.stderr.write(`bench: ${group.name}...\n`);
    try {
      rows.push(...(await group.run(bed)));
    } catch (error) {
      // One broken case does not lose the others' figures; the run still exits 1.
      failures.push(`${group.name}: ${(error as Error).stack ?? String(error)}`);
      rows.push({ case: group.name, contender: '—', result: `failed: ${(error as Error).message.split('\n')[0]}`, data: {} });
    }
    process.stderr.write(`bench: ${group.name} took ${Math.round((Date.now() - t0) / 1000)} s\n`);
  }
} finally {
  await bed.stop();
}

const cpuModel = /^model name\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpus()[0]?.model ?? 'unknown';
const machine = { cpus: cpus().length, cpuModel, node: process.version, scale: SCALE, tree: bed.tree, minutes: Number(((Date.now() - started) / 60_000).toFixed(1)) };
const table = markdownTable(rows);
console.log(`\n${machine.cpus} CPUs (${machine.cpuModel}), Node ${machine.node}, BENCH_SCALE ${SCALE}, ${machine.minutes} min\n`);
console.log(table);
const out = resolve(process.env.BENCH_OUT ?? resolve(import.meta.dirname, 'results/latest.json'));
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify({ date: new Date().toISOString(), machine, rows, table }, null, 2)}\n`);
console.log(`\n(written to ${out})`);
if (failures.length > 0) {
  console.error(`\n${failures.join('\n\n')}`);
  process.exitCode = 1;
}
