/**
 * One timed drain: CPU of the measured process(es) and Redis commands counted around it,
 * from the moment the contender is told to start until `done` resolves.
 */
import type { Bed } from './bed.js';

export interface Drain {
  records: number;
  seconds: number;
  rate: number;
  cpuMs: number;
  cpuPer1k: number;
  redisCalls: number;
}

export async function timedDrain(
  bed: Bed,
  records: number,
  cpuMs: () => number,
  start: () => Promise<void> | void,
  done: () => Promise<void>,
): Promise<Drain> {
  await bed.sink.reset();
  const calls0 = await bed.counter.calls();
  const cpu0 = cpuMs();
  const t0 = performance.now();
  await start();
  await done();
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuMs() - cpu0;
  const redisCalls = (await bed.counter.calls()) - calls0;
  return { records, seconds, rate: records / seconds, cpuMs: cpu, cpuPer1k: cpu / (records / 1000), redisCalls };
}

/** Resolves when `check` answers true, polling every `everyMs`; rejects after `timeoutMs`. */
export async function until(check: () => Promise<boolean>, timeoutMs: number, what: string, everyMs = 25): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
