/**
 * A built Sluice tree started as a user would (`node <tree>/bin/sluice.js start --config`),
 * in its own process, and the CPU and memory that process spent: for comparing builds
 * (bench/sqs-builds.ts) and for `npm run bench` (bench/run.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuMs, rssBytes } from './proc.js';

const configDir = mkdtempSync(join(tmpdir(), 'sluice-bench-'));
// Each process reads its config file once at start, so the folder can go when the bench ends.
process.once('exit', () => rmSync(configDir, { recursive: true, force: true }));

export interface SluiceBuild {
  url: string;
  pid: number;
  /** CPU time (user + system) the process has spent so far, ms. */
  cpuMs: () => number;
  /** Resident set size now, bytes. */
  rssBytes: () => number;
  /** Prometheus text of its /metrics. */
  metrics: () => Promise<string>;
  stop: () => void;
}

/** Starts `tree`'s Sluice with `config` on `port`; resolves once /healthz answers. */
export async function startSluiceBuild(tree: string, port: number, config: Record<string, unknown>): Promise<SluiceBuild> {
  const file = join(configDir, `sluice-${port}.json`);
  writeFileSync(file, JSON.stringify({ log: { level: 'warn' }, ...config, api: { port } }));
  // BENCH_SLUICE_NODE_ARGS: Node flags for the Sluice process only, e.g. `--cpu-prof
  // --cpu-prof-dir=/tmp/prof` to see where a row's CPU goes (NODE_OPTIONS refuses --cpu-prof).
  const nodeArgs = process.env.BENCH_SLUICE_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, join(tree, 'bin/sluice.js'), 'start', '--config', file], {
    cwd: tree,
    env: { ...process.env, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_REGION: 'us-east-1' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${tree}: sluice exited with ${child.exitCode}`);
    try {
      await fetch(`${url}/healthz`);
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const pid = child.pid!;
  return {
    url,
    pid,
    cpuMs: () => cpuMs(pid),
    rssBytes: () => rssBytes(pid),
    metrics: async () => (await fetch(`${url}/metrics`)).text(),
    // With Node flags given (a profile to write at exit), a clean SIGTERM shutdown first.
    stop: () => {
      if (nodeArgs.length === 0) return void child.kill('SIGKILL');
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 60_000).unref();
    },
  };
}
