/**
 * A raw-loop contender of `npm run bench` in its own Node process (a script under
 * bench/contenders/, run with tsx's loader in that one process so /proc/<pid> is the loop
 * itself). The script loads its modules and sets up, prints `ready`, and starts its loop
 * when `go` arrives on stdin: start-up is not timed, for it as for Sluice.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { resolve } from 'node:path';
import { cpuMs, rssBytes } from './proc.js';

export interface Contender {
  pid: number;
  /** Starts the loop. */
  go: () => void;
  cpuMs: () => number;
  rssBytes: () => number;
  stop: () => Promise<void>;
}

const contendersDir = resolve(import.meta.dirname, '../contenders');

/** Starts bench/contenders/<script> with `env`; resolves when it printed `ready`. */
export async function startContender(script: string, env: Record<string, string | number>): Promise<Contender> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', resolve(contendersDir, script)], {
    env: {
      ...process.env,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_REGION: 'us-east-1',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)])),
    },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  await new Promise<void>((resolveReady, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      if (line === 'ready') resolveReady();
    });
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code} before it was ready`)));
  });
  const pid = child.pid!;
  return {
    pid,
    go: () => child.stdin!.write('go\n'),
    cpuMs: () => cpuMs(pid),
    rssBytes: () => rssBytes(pid),
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
