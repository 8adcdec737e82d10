/**
 * The chaos suite: what Sluice promises, shown under faults (issue #11). Each scenario
 * starts its own Sluice processes (`bin/sluice.js start`, as users run it) against
 * emulators and Redis started here, throws one kind of fault at them, prints a table and
 * fails on any lost record (and, for streams, any record out of order per key).
 *
 *   npm run chaos                       # the full run (the README's Reliability figures)
 *   npm run chaos -- --short            # the CI variant (.ci/run), under 4 minutes
 *   npm run chaos -- --only kill-loop,api-fuzz --out /tmp/chaos.json
 *
 * Exits 0 when every scenario held, 1 otherwise; the JSON summary (default
 * chaos-summary.json) holds every figure. Needs `npm run build` first (the processes run
 * dist/) and the test bed's programs (redis-server; kinesis-local and fauxqs from npm).
 *
 * Shared pieces are imported, not copied or moved (decided here): the emulators come from
 * the product's launcher (src/dev/emulators), Sluice processes, the recording target, the
 * TCP proxy and the API fuzz generator and judge from test/support's vitest-free modules,
 * stream helpers from bench/support, as bench/ already does. One copy of each, so the
 * suite drives Sluice exactly as the tests do; chaos/ holds only what is its own (faults,
 * producers, the ledger that judges deliveries, the report).
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startChaosBed, type ChaosBed } from './support/bed.js';
import { formatResult, type ScenarioOptions, type ScenarioResult } from './support/report.js';

type Scenario = (bed: ChaosBed, options: ScenarioOptions) => Promise<Omit<ScenarioResult, 'scenario' | 'seconds'>>;

/** In the order they run; each loaded only when it runs. */
const SCENARIOS: Record<string, () => Promise<Scenario>> = {
  'kill-loop': async () => (await import('./scenarios/kill-loop.js')).killLoop,
  'redis-restart': async () => (await import('./scenarios/redis-restart.js')).redisRestart,
  'source-outage': async () => (await import('./scenarios/source-outage.js')).sourceOutage,
  'api-fuzz': async () => (await import('./scenarios/api-fuzz.js')).apiFuzz,
  'handler-faults': async () => (await import('./scenarios/handler-faults.js')).handlerFaults,
};

const { values } = parseArgs({
  options: {
    short: { type: 'boolean', default: false },
    only: { type: 'string' },
    out: { type: 'string', default: 'chaos-summary.json' },
  },
});
const only = values.only?.split(',').map((name) => name.trim());
const unknown = only?.filter((name) => !(name in SCENARIOS)) ?? [];
if (unknown.length > 0) {
  console.error(`unknown scenario(s): ${unknown.join(', ')}; known: ${Object.keys(SCENARIOS).join(', ')}`);
  process.exit(2);
}
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
// Ctrl-C or a CI timeout: exit through 'exit', where every child process group started
// here (emulators, Sluice processes) is killed, rather than leaving them running.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

const variant = values.short ? 'short' : 'full';
const started = Date.now();
console.log(`chaos (${variant}): starting Redis, fauxqs and kinesis-local`);
const bed = await startChaosBed();
const results: ScenarioResult[] = [];
try {
  for (const [name, load] of Object.entries(SCENARIOS)) {
    if (only && !only.includes(name)) continue;
    console.log(`\n-- ${name} (${variant})`);
    const t0 = Date.now();
    let result: ScenarioResult;
    try {
      const scenario = await load();
      result = { scenario: name, seconds: 0, ...(await scenario(bed, { short: values.short })) };
    } catch (error) {
      // A scenario that could not finish proves nothing: it fails the run.
      result = { scenario: name, seconds: 0, ok: false, problems: [`did not finish: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`], tables: [], figures: {}, notes: [] };
    }
    result.seconds = (Date.now() - t0) / 1000;
    results.push(result);
    console.log(formatResult(result));
  }
} finally {
  await bed.stop().catch((error: unknown) => console.error(`stopping the emulators: ${String(error)}`));
}

const ok = results.every((result) => result.ok);
const summary = { variant, startedAt: new Date(started).toISOString(), seconds: (Date.now() - started) / 1000, ok, node: process.version, results };
writeFileSync(values.out, `${JSON.stringify(summary, null, 2)}\n`);
console.log(`chaos (${variant}): ${ok ? 'every scenario held' : `FAILED: ${results.filter((r) => !r.ok).map((r) => r.scenario).join(', ')}`} in ${summary.seconds.toFixed(0)} s; summary in ${values.out}`);
process.exit(ok ? 0 : 1);
