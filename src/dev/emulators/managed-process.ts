/**
 * Child processes owned by the sandbox or the test bed (emulators), each in its own
 * process group so that everything it forks (JVMs, helper processes) dies with it, and so
 * that a Ctrl-C in the terminal (sent to the foreground group) reaches only the owner,
 * which then stops its children in order.
 *
 * Kept hand-written rather than built on execa (issue #12 asked to weigh it): execa signals
 * only the child's pid, never its process group (its issue #96, "kill all descendants", is
 * open), and its `cleanup` option kills only that pid when the owner exits. The emulators
 * fork (DynamoDB Local's JVM under a shell, kinesis-local's helpers), so what this module
 * needs is exactly the part execa lacks: signal `-pgid`, wait until the whole group is gone
 * (a group outlives its leader), SIGKILL it after a grace period, and SIGKILL every live
 * group synchronously on 'exit'. tree-kill and similar walk `ps` output, which races with
 * forks and misses orphans re-parented to init; a process group catches both. What is left
 * here that execa would do (spawn, drain pipes, tail the output) is a dozen lines.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

const TAIL_BYTES = 16 * 1024;

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly child: ChildProcess;
  /** The last few KB of combined stdout + stderr, for error messages. */
  tail(): string;
  /** Set once the group leader has exited. */
  readonly exitInfo: ExitInfo | undefined;
  /** Resolves when the group leader exits. */
  readonly exited: Promise<ExitInfo>;
  /** SIGTERM the whole process group, SIGKILL it after graceMs, wait until it is gone. */
  stop(graceMs?: number): Promise<void>;
}

/** Every group we started and did not reap yet; killed synchronously if the owner exits early. */
const liveGroups = new Set<number>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const pgid of liveGroups) killGroup(pgid, 'SIGKILL');
  });
}

/** Signal a process group; false when it no longer exists. */
function killGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

function groupAlive(pgid: number): boolean {
  return killGroup(pgid, 0);
}

export interface SpawnManagedOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Said after "cannot start" when the executable does not exist. */
  notFoundHint?: string;
  /** Told of the child as soon as it runs, before it is ready (`sluice dev` records it for a later clean-up). */
  onSpawn?: SpawnListener;
}

/** A started child: its pid (also its process group) and the command line it was started with. */
export interface SpawnedChild {
  name: string;
  pid: number;
  command: string[];
}
export type SpawnListener = (child: SpawnedChild) => void;

/**
 * Spawn `command` detached (own process group). Rejects if the executable cannot be
 * started at all (ENOENT etc).
 */
export async function spawnManaged(
  name: string,
  command: string,
  args: readonly string[],
  options: SpawnManagedOptions = {},
): Promise<ManagedProcess> {
  installExitHook();
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });

  let output = '';
  const append = (chunk: Buffer): void => {
    output += chunk.toString('utf8');
    if (output.length > TAIL_BYTES * 2) output = output.slice(-TAIL_BYTES);
  };
  // Always drain the pipes, otherwise a chatty emulator blocks once the pipe buffer fills.
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);

  let exitInfo: ExitInfo | undefined;
  const exited = new Promise<ExitInfo>((resolve) => {
    child.once('exit', (code, signal) => {
      exitInfo = { code, signal };
      resolve(exitInfo);
    });
  });

  // Either 'spawn' (started) or 'error' (ENOENT, EACCES, ...) fires first.
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', () => resolve());
    child.once('error', (error: NodeJS.ErrnoException) => {
      const hint = error.code === 'ENOENT' ? ` (is "${command}" installed and on PATH?${options.notFoundHint ? ` ${options.notFoundHint}` : ''})` : '';
      reject(new Error(`${name}: cannot start "${command}": ${error.message}${hint}`));
    });
  });

  const pid = child.pid;
  if (pid === undefined) throw new Error(`${name}: spawned without a pid`);
  liveGroups.add(pid);
  options.onSpawn?.({ name, pid, command: [command, ...args] });
  // Errors after spawn (e.g. kill on a dead process) must not crash the owner.
  child.on('error', () => undefined);

  const stop = async (graceMs = 3000): Promise<void> => {
    if (!groupAlive(pid)) {
      liveGroups.delete(pid);
      return;
    }
    killGroup(pid, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    // The group may outlive its leader (forked helpers), so poll the group, not the child.
    while (Date.now() < deadline) {
      if (exitInfo !== undefined && !groupAlive(pid)) break;
      await sleep(25);
    }
    if (groupAlive(pid)) {
      killGroup(pid, 'SIGKILL');
      const killDeadline = Date.now() + 2000;
      while (groupAlive(pid) && Date.now() < killDeadline) await sleep(25);
    }
    await Promise.race([exited, sleep(1000)]);
    child.stdout?.destroy();
    child.stderr?.destroy();
    liveGroups.delete(pid);
  };

  return {
    name,
    pid,
    child,
    tail: () => output.slice(-TAIL_BYTES),
    get exitInfo() {
      return exitInfo;
    },
    exited,
    stop,
  };
}
