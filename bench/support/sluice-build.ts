/**
 * A built Sluice tree started as a user would (`node <tree>/bin/sluice.js start --config`),
 * in its own process, and the CPU that process spent: for comparing builds (bench/*-builds.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const configDir = mkdtempSync(join(tmpdir(), 'sluice-bench-'));

export interface SluiceBuild {
  url: string;
  /** The process id (its /proc/<pid>/status gives the RSS). */
  pid: number;
  /** CPU time (user + system) the process has spent so far, ms. */
  cpuMs: () => number;
  stop: () => void;
}

/** Starts `tree`'s Sluice with `config` on `port`; resolves once /healthz answers. */
export async function startSluiceBuild(tree: string, port: number, config: Record<string, unknown>): Promise<SluiceBuild> {
  const file = join(configDir, `sluice-${port}.json`);
  writeFileSync(file, JSON.stringify({ ...config, api: { port }, log: { level: 'warn' } }));
  const child: ChildProcess = spawn(process.execPath, [join(tree, 'bin/sluice.js'), 'start', '--config', file], {
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
  return {
    url,
    pid: child.pid!,
    // Fields 14 and 15 of /proc/<pid>/stat (utime, stime) are in clock ticks of 10 ms.
    cpuMs: () => {
      const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return (Number(fields[11]) + Number(fields[12])) * 10;
    },
    stop: () => child.kill('SIGKILL'),
  };
}
