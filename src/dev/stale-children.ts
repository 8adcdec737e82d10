/**
 * `.sluice/children.json`: the child processes of a running `sluice dev` (redis-server,
 * java, kinesis-local, ...), each with the command line it was started with, written the
 * moment each one starts. A sandbox killed with kill -9 cannot stop its children; the next
 * `sluice dev` in the same folder (and the orphan guard, orphan-guard.ts) finds the file of
 * a dead owner and stops the children still alive AND still the same process: the same
 * start time (/proc/<pid>/stat, or `ps -o lstart=` on macOS) and its program in its command
 * line (/proc/<pid>/cmdline or `ps -o command=`), so a pid reused by another program is
 * never signalled. The start time and not the whole command line (chosen): redis-server
 * rewrites its command line to "redis-server 127.0.0.1:<port>" once it runs.
 *
 * A file of its own rather than fields of dev.json (chosen): dev.json is written once the
 * sandbox is ready, and a kill -9 while DynamoDB Local boots must leave nothing behind
 * either.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isProcessAlive, removeStateFile, SANDBOX_DIR, writeJsonFile } from './state-file.js';
import type { SpawnedChild } from './emulators/index.js';

export const CHILDREN_FILE_NAME = 'children.json';

export interface ChildrenRecord {
  /** Process id of the `sluice dev` that started them. */
  ownerPid: number;
  /** The orphan guard watching the owner, if one runs. */
  guardPid?: number;
  children: RecordedChild[];
}

/** A child as recorded: `startedAt` identifies the process (see processStartTime). */
export interface RecordedChild extends SpawnedChild {
  startedAt?: string;
}

export function childrenFilePath(dir: string): string {
  return path.join(dir, SANDBOX_DIR, CHILDREN_FILE_NAME);
}

export function readChildrenRecord(dir: string): ChildrenRecord | undefined {
  let text: string;
  try {
    text = fs.readFileSync(childrenFilePath(dir), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    return JSON.parse(text) as ChildrenRecord;
  } catch {
    // Half a file cannot happen (write then rename); anything else unreadable records nothing.
    return undefined;
  }
}

function writeChildrenRecord(dir: string, record: ChildrenRecord): void {
  writeJsonFile(childrenFilePath(dir), record);
}

/** The record of this process's children, rewritten at each change; `close()` removes it (a clean stop). */
export class ChildrenRecorder {
  private readonly record: ChildrenRecord;

  constructor(
    private readonly dir: string,
    ownerPid = process.pid,
  ) {
    this.record = { ownerPid, children: [] };
    writeChildrenRecord(dir, this.record);
  }

  readonly add = (child: SpawnedChild): void => {
    const startedAt = processStartTime(child.pid);
    this.record.children.push({ ...child, ...(startedAt !== undefined ? { startedAt } : {}) });
    writeChildrenRecord(this.dir, this.record);
  };

  setGuard(pid: number): void {
    this.record.guardPid = pid;
    writeChildrenRecord(this.dir, this.record);
  }

  /** Removes the file if it is still this owner's. */
  close(): void {
    if (readChildrenRecord(this.dir)?.ownerPid !== this.record.ownerPid) return;
    fs.rmSync(childrenFilePath(this.dir), { force: true });
  }
}

/**
 * The command line of a live process, its arguments joined by single spaces; undefined
 * when there is no such process. Linux: /proc/<pid>/cmdline (exact arguments); elsewhere
 * (macOS): `ps -o command=`, which joins them the same way.
 */
export function commandLineOf(pid: number): string | undefined {
  if (process.platform === 'linux') {
    try {
      return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0$/, '').split('\0').join(' ');
    } catch {
      return undefined;
    }
  }
  try {
    return execFileSync('ps', ['-o', 'command=', '-p', String(pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || undefined;
  } catch {
    return undefined; // ps exits 1 when there is no such process
  }
}

/**
 * When the process started, as an opaque token that differs between two processes that had
 * the same pid. Linux: field 22 of /proc/<pid>/stat (clock ticks since boot); elsewhere
 * `ps -o lstart=` (to the second). Undefined when there is no such process.
 */
export function processStartTime(pid: number): string | undefined {
  if (process.platform === 'linux') {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      // "pid (comm) state ppid ...": comm may hold spaces, so count fields after the last ')'.
      return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
    } catch {
      return undefined;
    }
  }
  try {
    return execFileSync('ps', ['-o', 'lstart=', '-p', String(pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || undefined;
  } catch {
    return undefined;
  }
}

export interface ProcessProbe {
  commandLine: (pid: number) => string | undefined;
  startTime: (pid: number) => string | undefined;
}

const SYSTEM_PROBE: ProcessProbe = { commandLine: commandLineOf, startTime: processStartTime };

/** True when `child.pid` is still the process recorded: same start time, its program in its command line. */
export function isSameProgram(child: RecordedChild, probe: ProcessProbe = SYSTEM_PROBE): boolean {
  if (child.startedAt === undefined || probe.startTime(child.pid) !== child.startedAt) return false;
  const program = path.basename(child.command[0] ?? '');
  return program !== '' && (probe.commandLine(child.pid) ?? '').includes(program);
}

/**
 * Alive and not a zombie: a killed child of a dead sandbox stays a zombie until whoever
 * inherited it reaps it (in containers, a PID 1 that reaps late or never), and is gone
 * for every purpose here.
 */
export function isRunning(pid: number): boolean {
  if (!isProcessAlive(pid)) return false;
  if (process.platform !== 'linux') return true;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  // The children were started as process-group leaders (managed-process.ts): the group
  // takes what they forked with them. A child whose group is gone is signalled alone.
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, sig);
      return;
    } catch {
      // next target
    }
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone (or after another 2 s). */
async function stopProcess(pid: number, graceMs: number): Promise<void> {
  signal(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && isRunning(pid)) await sleep(25);
  if (!isRunning(pid)) return;
  signal(pid, 'SIGKILL');
  const killDeadline = Date.now() + 2000;
  while (Date.now() < killDeadline && isRunning(pid)) await sleep(25);
}

export interface StaleCleanup {
  /** The sandbox that died without stopping its children. */
  ownerPid: number;
  /** Children that were still running their recorded program, now stopped. */
  stopped: RecordedChild[];
  /** Recorded pids that were gone, or now run another program: left alone. */
  leftAlone: RecordedChild[];
}

/**
 * When `dir` holds the children record of a sandbox that is no longer alive, stops its
 * children that still run their recorded program and removes the record (and the dead
 * sandbox's dev.json). Undefined when there is no record, or its owner is alive.
 */
export async function stopStaleChildren(
  dir: string,
  options: { graceMs?: number; probe?: ProcessProbe } = {},
): Promise<StaleCleanup | undefined> {
  const record = readChildrenRecord(dir);
  if (!record || isProcessAlive(record.ownerPid)) return undefined;
  const stopped: RecordedChild[] = [];
  const leftAlone: RecordedChild[] = [];
  for (const child of record.children) (isSameProgram(child, options.probe) ? stopped : leftAlone).push(child);
  await Promise.all(stopped.map((child) => stopProcess(child.pid, options.graceMs ?? 3000)));
  // Only the dead owner's files: a new sandbox may have written its own meanwhile.
  if (readChildrenRecord(dir)?.ownerPid === record.ownerPid) fs.rmSync(childrenFilePath(dir), { force: true });
  removeStateFile(dir, record.ownerPid);
  return { ownerPid: record.ownerPid, stopped, leftAlone };
}

/** The one line `sluice dev` says about a clean-up. */
export function describeCleanup(cleanup: StaleCleanup): string {
  if (cleanup.stopped.length === 0) return `A sandbox here (pid ${cleanup.ownerPid}) ended without stopping; none of its processes was left running.`;
  const names = cleanup.stopped.map((child) => `${child.name} (pid ${child.pid})`).join(', ');
  return `Stopped what a sandbox killed earlier here (pid ${cleanup.ownerPid}) left running: ${names}.`;
}
