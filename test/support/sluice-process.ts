/**
 * Runs `sluice start` as a real child process (the built CLI, as users run it), configured
 * through a YAML file and the environment, against the test bed.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { getEndpoints } from './clients.js';
import { TEST_CREDENTIALS } from './endpoints.js';
import { pollUntil } from './poll.js';
import { getFreePort } from './ports.js';
import { spawnManaged, type ManagedProcess } from './processes.js';
import { SLUICE_ACCOUNT_ID, TEST_FUNCTIONS } from './sluice.js';

export const SLUICE_BIN = resolve(import.meta.dirname, '../../bin/sluice.js');

/** Writes a config file into a fresh temp dir and returns its path. */
export function writeConfigFile(config: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-config-'));
  const file = join(dir, 'sluice.config.yaml');
  writeFileSync(file, stringify(config));
  return file;
}

/** The environment a child Sluice gets: endpoints, credentials, Redis db, API port. */
export function sluiceEnvironment(redisDb: number, port: number, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const endpoints = getEndpoints();
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
    AWS_REGION: 'us-east-1',
    SLUICE_ACCOUNT_ID: SLUICE_ACCOUNT_ID,
    SLUICE_REDIS_URL: `${endpoints.redis.url}/${redisDb}`,
    SLUICE_API_HOST: '127.0.0.1',
    SLUICE_API_PORT: String(port),
    AWS_ENDPOINT_URL_SQS: endpoints.sqs,
    AWS_ENDPOINT_URL_SNS: endpoints.sns,
    AWS_ENDPOINT_URL_S3: endpoints.sqs,
    AWS_ENDPOINT_URL_KINESIS: endpoints.kinesis,
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
    AWS_ENDPOINT_URL_DYNAMODB_STREAMS: endpoints.dynamodbStreams,
    ...extra,
  };
}

export interface SluiceProcess {
  url: string;
  process: ManagedProcess;
}

/** Starts `sluice start --config <file>` and waits until /healthz answers. */
export async function startSluiceProcess(
  redisDb: number,
  config: Record<string, unknown> = { functions: TEST_FUNCTIONS },
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<SluiceProcess> {
  const port = await getFreePort();
  const file = writeConfigFile(config);
  const child = await spawnManaged('sluice', process.execPath, [SLUICE_BIN, 'start', '--config', file], {
    env: sluiceEnvironment(redisDb, port, extraEnv),
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await pollUntil(
      async () => {
        if (child.exitInfo) throw new Error(`sluice exited early (${JSON.stringify(child.exitInfo)}):\n${child.tail()}`);
        return fetch(`${url}/healthz`).then((r) => r.ok, () => false);
      },
      { timeoutMs: 15_000, intervalMs: 50, description: `sluice on port ${port}` },
    );
  } catch (error) {
    await child.stop();
    throw error;
  }
  return { url, process: child };
}
