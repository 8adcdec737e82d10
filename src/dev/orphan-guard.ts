/**
 * The orphan guard: a small detached process started by `sluice dev` that checks twice a
 * second whether the sandbox is still alive and, once it is not (kill -9, a crash, the OOM
 * killer), stops the children it left (stale-children.ts) and exits. It exits as well when
 * the children record is gone (the sandbox stopped cleanly) or belongs to another sandbox.
 *
 * A separate watcher polling the owner's pid (chosen) because it works alike on Linux and
 * macOS: PR_SET_PDEATHSIG is Linux-only and not reachable from Node, and a wrapper around
 * each child would change the pids and command lines the record identifies them by. When
 * the guard is killed as well, the next `sluice dev` in the folder does the same clean-up.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { isProcessAlive } from './state-file.js';
import { readChildrenRecord, stopStaleChildren } from './stale-children.js';

export const GUARD_INTERVAL_MS = 500;

/** Watches `ownerPid` through the children record in `dir`; resolves when there is nothing left to watch. */
export async function runOrphanGuard(dir: string, ownerPid: number, intervalMs = GUARD_INTERVAL_MS): Promise<void> {
  for (;;) {
    const record = readChildrenRecord(dir);
    if (!record || record.ownerPid !== ownerPid) return;
    if (!isProcessAlive(ownerPid)) {
      await stopStaleChildren(dir);
      return;
    }
    await sleep(intervalMs);
  }
}

/**
 * Starts the guard of this process's sandbox in `dir`; its pid, or undefined when it cannot
 * run here (from the TypeScript sources, under the tests: the compiled entry is missing).
 */
export function startOrphanGuard(dir: string): number | undefined {
  const entry = fileURLToPath(new URL('./orphan-guard-main.js', import.meta.url));
  if (!fs.existsSync(entry)) return undefined;
  const guard = spawn(process.execPath, [entry, dir, String(process.pid)], { detached: true, stdio: 'ignore' });
  guard.on('error', () => undefined);
  guard.unref();
  return guard.pid;
}
