/**
 * Waiting for an emulator to answer a real request, with retries on fresh ports when the
 * process died before answering (e.g. it lost a race for its port).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { backoffDelayMs } from '../../aws/backoff.js';
import type { ManagedProcess, SpawnListener } from './managed-process.js';

/** Default upper bound for one emulator to answer its first real request. */
export const DEFAULT_READY_TIMEOUT_MS = 60_000;
/** Attempts (with fresh ports) when a process dies before answering. */
const START_ATTEMPTS = 2;
/** Probes start 25 ms apart and slow to 250 ms: an emulator usually answers within a second. */
const PROBE_BACKOFF = { firstMs: 25, maxMs: 250 };

export const LOOPBACK = '127.0.0.1';

/** What every emulator starter gets. */
export interface EmulatorOptions {
  /** Region of the ARNs the emulators build and of the probe clients. */
  region: string;
  /** Account id of the ARNs the emulators build (kinesis-local). */
  accountId: string;
  /** How long each emulator may take to answer. */
  readyTimeoutMs?: number;
  /** Told of each child process as soon as it runs. */
  onSpawn?: SpawnListener;
}

/** A started emulator: what clients need to reach it, and how to stop it. */
export interface RunningEmulator<T> {
  value: T;
  stop(): Promise<void>;
}

export class EmulatorStartError extends Error {
  override name = 'EmulatorStartError';
  constructor(
    message: string,
    /** True when the process died before answering (worth a retry on fresh ports). */
    readonly exitedEarly = false,
  ) {
    super(message);
  }
}

export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return `${error.name}${code ? ` (${code})` : ''}: ${error.message}`;
  }
  return String(error);
}

function indent(text: string): string {
  const trimmed = text.trim();
  if (trimmed === '') return '    (no output)';
  return trimmed
    .split('\n')
    .slice(-40)
    .map((line) => `    ${line}`)
    .join('\n');
}

/** Poll `probe` (a real request) until it succeeds, the process dies, or time runs out. */
export async function waitReady(
  name: string,
  proc: ManagedProcess | undefined,
  probe: () => Promise<void>,
  timeoutMs = DEFAULT_READY_TIMEOUT_MS,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  let failedProbes = 0;
  for (;;) {
    if (proc?.exitInfo) {
      const { code, signal } = proc.exitInfo;
      throw new EmulatorStartError(
        `${name} exited before answering (code ${code}, signal ${signal}). Output tail:\n${indent(proc.tail())}`,
        true,
      );
    }
    try {
      await probe();
      return;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      throw new EmulatorStartError(
        `${name} did not answer within ${timeoutMs}ms; last probe error: ${describeError(lastError)}` +
          (proc ? `\n  output tail:\n${indent(proc.tail())}` : ''),
      );
    }
    await sleep(backoffDelayMs(PROBE_BACKOFF, ++failedProbes));
  }
}

/** Start with retries when the process died early (e.g. lost a port race). */
export async function withRetries<T>(name: string, attempt: () => Promise<RunningEmulator<T>>): Promise<RunningEmulator<T>> {
  let last: unknown;
  for (let i = 0; i < START_ATTEMPTS; i++) {
    try {
      return await attempt();
    } catch (error) {
      last = error;
      if (!(error instanceof EmulatorStartError && error.exitedEarly)) break;
    }
  }
  throw last instanceof Error ? last : new Error(`${name}: ${String(last)}`);
}

/** Spawn, then wait; if waiting fails the process is stopped before rethrowing. */
export async function spawnAndWait(
  name: string,
  spawnIt: () => Promise<ManagedProcess>,
  probe: () => Promise<void>,
  timeoutMs?: number,
): Promise<ManagedProcess> {
  const proc = await spawnIt();
  try {
    await waitReady(name, proc, probe, timeoutMs);
  } catch (error) {
    await proc.stop();
    throw error;
  }
  return proc;
}

/** SDK client settings for readiness probes: one attempt, short timeouts, dummy credentials. */
export function probeClientConfig(endpoint: string, region: string) {
  return {
    endpoint,
    region,
    credentials: { accessKeyId: 'probe', secretAccessKey: 'probe' },
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({ connectionTimeout: 1000, requestTimeout: 5000 }),
  };
}
