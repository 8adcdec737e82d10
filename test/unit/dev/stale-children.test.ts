/**
 * The clean-up after a sandbox killed with kill -9 (src/dev/stale-children.ts), on real
 * processes: a recorded child of a dead owner that still runs its program is stopped
 * with its process group; a recorded pid that is now another process (another start
 * time) is never signalled; nothing is done while the owner lives.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { ChildrenRecorder, childrenFilePath, describeCleanup, isRunning, isSameProgram, processStartTime, readChildrenRecord, stopStaleChildren } from '../../../src/dev/stale-children.js';
import { writeStateFile, stateFilePath } from '../../../src/dev/state-file.js';

/** pid 2^22 + 1 is above Linux's pid_max: no such process, a dead owner. */
const DEAD_PID = 4_194_305;

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-stale-'));
  onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A long-running node child in a process group of its own, as the sandbox starts its emulators. */
async function startChild(): Promise<{ child: ChildProcess; pid: number; command: string[] }> {
  const command = [process.execPath, '-e', 'setInterval(() => {}, 1000)'];
  const child = spawn(command[0]!, command.slice(1), { detached: true, stdio: 'ignore' });
  await new Promise((resolve) => child.once('spawn', resolve));
  onTestFinished(() => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  });
  return { child, pid: child.pid!, command };
}

function recordOf(dir: string, ownerPid: number, children: Array<{ name: string; pid: number; command: string[] }>): void {
  const recorder = new ChildrenRecorder(dir, ownerPid);
  for (const child of children) recorder.add(child);
}

describe('stale children', () => {
  it("stops a dead sandbox's children that still run their program, and removes its record and dev.json", async () => {
    const dir = tempDir();
    const a = await startChild();
    const b = await startChild();
    recordOf(dir, DEAD_PID, [
      { name: 'redis-server', pid: a.pid, command: a.command },
      { name: 'kinesis-local', pid: b.pid, command: b.command },
    ]);
    writeStateFile(dir, { pid: DEAD_PID, apiUrl: 'http://127.0.0.1:1', region: 'us-east-1', endpoints: {}, emulated: [], resources: {} });
    expect(readChildrenRecord(dir)?.children.map((c) => c.startedAt)).toEqual([processStartTime(a.pid), processStartTime(b.pid)]);

    const cleanup = await stopStaleChildren(dir);
    expect(cleanup?.stopped.map((c) => c.pid)).toEqual([a.pid, b.pid]);
    expect(isRunning(a.pid) || isRunning(b.pid)).toBe(false);
    expect(fs.existsSync(childrenFilePath(dir))).toBe(false);
    expect(fs.existsSync(stateFilePath(dir))).toBe(false);
    expect(describeCleanup(cleanup!)).toBe(`Stopped what a sandbox killed earlier here (pid ${DEAD_PID}) left running: redis-server (pid ${a.pid}), kinesis-local (pid ${b.pid}).`);
  });

  it('never signals a recorded pid that is another process now (another start time) or that runs another program', async () => {
    const dir = tempDir();
    const reused = await startChild();
    const other = await startChild();
    const recorder = new ChildrenRecorder(dir, DEAD_PID);
    recorder.add({ name: 'java', pid: reused.pid, command: reused.command });
    recorder.add({ name: 'redis-server', pid: other.pid, command: ['redis-server', '--port', '1'] });
    // As if the recorded process had died and its pid been given to this one: another start time.
    const record = readChildrenRecord(dir)!;
    record.children[0]!.startedAt = `${Number(record.children[0]!.startedAt) - 1}`;
    fs.writeFileSync(childrenFilePath(dir), JSON.stringify(record));

    const cleanup = await stopStaleChildren(dir, { graceMs: 200 });
    expect(cleanup?.stopped).toEqual([]);
    expect(cleanup?.leftAlone.map((c) => c.pid)).toEqual([reused.pid, other.pid]);
    expect([isRunning(reused.pid), isRunning(other.pid)]).toEqual([true, true]);
    expect(describeCleanup(cleanup!)).toBe(`A sandbox here (pid ${DEAD_PID}) ended without stopping; none of its processes was left running.`);
  });

  it('does nothing while the sandbox that recorded them lives; its clean stop removes the record', async () => {
    const dir = tempDir();
    const child = await startChild();
    const recorder = new ChildrenRecorder(dir);
    recorder.add({ name: 'redis-server', pid: child.pid, command: child.command });
    expect(isSameProgram(readChildrenRecord(dir)!.children[0]!)).toBe(true);
    expect(await stopStaleChildren(dir)).toBeUndefined();
    expect(isRunning(child.pid)).toBe(true);
    recorder.close();
    expect(readChildrenRecord(dir)).toBeUndefined();
  });
});
