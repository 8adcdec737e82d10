/**
 * Runs `sluice start` as a real child process (the built CLI, as users run it), configured
 * through a YAML file and the environment, against the test bed. The spawning itself is
 * sluice-child.ts (vitest-free, shared with the chaos suite).
 */
import type { Redis } from 'ioredis';
import { onTestFinished } from 'vitest';
import { workersKey } from '../../src/redis/keyspace.js';
import { getEndpoints } from './clients.js';
import { pollUntil } from './poll.js';
import { childEnvironment, spawnSluice, type ChildEndpoints, type SluiceProcess } from './sluice-child.js';
import { TEST_FUNCTIONS } from './sluice.js';

export { SLUICE_BIN, writeConfigFile, type SluiceProcess } from './sluice-child.js';

/** The test bed's endpoints, Redis on database `redisDb`. */
function testBedEndpoints(redisDb: number): ChildEndpoints {
  const endpoints = getEndpoints();
  return { ...endpoints, redisUrl: `${endpoints.redis.url}/${redisDb}` };
}

/** The environment a child Sluice gets: endpoints, credentials, Redis db, API port. */
export function sluiceEnvironment(redisDb: number, port: number, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return childEnvironment(testBedEndpoints(redisDb), port, extra);
}

/** Starts `sluice start --config <file>` and waits until /healthz answers. */
export function startSluiceProcess(
  redisDb: number,
  config: Record<string, unknown> = { functions: TEST_FUNCTIONS },
  extraEnv: NodeJS.ProcessEnv = {},
  bin?: string,
): Promise<SluiceProcess> {
  return spawnSluice({ endpoints: testBedEndpoints(redisDb), config, extraEnv, ...(bin ? { bin } : {}) });
}

/**
 * Two `sluice start` processes on database `redisDb` (one config for both, or one each),
 * resolved once both count as live workers (registered before a mapping exists, so the
 * first lease round spreads the shards); stopped when the test ends, a process a test
 * stopped with SIGSTOP resumed first.
 */
export async function startTwoSluiceProcesses(
  redisDb: number,
  config: Record<string, unknown> | [Record<string, unknown>, Record<string, unknown>],
  redis: Redis,
): Promise<[SluiceProcess, SluiceProcess]> {
  const [configA, configB] = Array.isArray(config) ? config : [config, config];
  const [a, b] = await Promise.all([startSluiceProcess(redisDb, configA), startSluiceProcess(redisDb, configB)]);
  onTestFinished(async () => {
    for (const p of [a, b]) p.process.child.kill('SIGCONT');
    await Promise.all([a.process.stop(), b.process.stop()]);
  });
  // The test processes use the default key prefix.
  await pollUntil(async () => (await redis.zcard(workersKey('sluice'))) === 2, { description: 'two live workers' });
  return [a, b];
}
