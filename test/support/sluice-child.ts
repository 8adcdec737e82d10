/**
 * `sluice start` as a real child process (the built CLI, as users run it), configured
 * through a YAML file and the environment, against endpoints given explicitly.
 *
 * Vitest-free on purpose: the chaos suite (`npm run chaos`, chaos/) runs outside vitest
 * and starts its Sluice processes with this, exactly as the tests do through
 * sluice-process.ts (which fills in the test bed's endpoints).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { TEST_CREDENTIALS, SLUICE_ACCOUNT_ID } from './endpoints.js';
import { pollUntil } from './poll.js';
import { getFreePort } from './ports.js';
import { spawnManaged, type ManagedProcess } from './processes.js';

export const SLUICE_BIN = resolve(import.meta.dirname, '../../bin/sluice.js');

/** Where a child Sluice finds Redis and each AWS service. */
export interface ChildEndpoints {
  /** Including the database, e.g. redis://127.0.0.1:6379/3. */
  redisUrl: string;
  sqs: string;
  sns: string;
  kinesis: string;
  dynamodb: string;
  dynamodbStreams: string;
}

/** Writes a config file into a fresh temp dir and returns its path. */
export function writeConfigFile(config: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-config-'));
  const file = join(dir, 'sluice.config.yaml');
  writeFileSync(file, stringify(config));
  return file;
}

/** The environment a child Sluice gets: endpoints, credentials, Redis, API port. */
export function childEnvironment(endpoints: ChildEndpoints, port: number, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
    AWS_REGION: 'us-east-1',
    SLUICE_ACCOUNT_ID: SLUICE_ACCOUNT_ID,
    SLUICE_REDIS_URL: endpoints.redisUrl,
    SLUICE_API_HOST: '127.0.0.1',
    SLUICE_API_PORT: String(port),
    AWS_ENDPOINT_URL_SQS: endpoints.sqs,
    AWS_ENDPOINT_URL_SNS: endpoints.sns,
    // fauxqs serves S3 on its one port too.
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

export interface SpawnSluiceOptions {
  endpoints: ChildEndpoints;
  config: Record<string, unknown>;
  extraEnv?: NodeJS.ProcessEnv;
  /** API port; default a free one. */
  port?: number;
  /** Name in error messages. Default `sluice`. */
  name?: string;
  /** The `sluice` to run: default this repository's bin/sluice.js (an installed package's, to test the package). */
  bin?: string;
}

/** Starts `sluice start --config <file>` and waits until /healthz answers. */
export async function spawnSluice(options: SpawnSluiceOptions): Promise<SluiceProcess> {
  const port = options.port ?? (await getFreePort());
  const file = writeConfigFile(options.config);
  const child = await spawnManaged(options.name ?? 'sluice', process.execPath, [options.bin ?? SLUICE_BIN, 'start', '--config', file], {
    env: childEnvironment(options.endpoints, port, options.extraEnv),
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
