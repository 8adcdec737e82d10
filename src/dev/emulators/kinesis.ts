/** kinesis-local (npm; a Scala.js bundle run by node) as a child process. */
import fs from 'node:fs';
import path from 'node:path';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { spawnManaged } from './managed-process.js';
import { getFreePorts } from './ports.js';
import { devPackageDir } from './dev-packages.js';
import { LOOPBACK, probeClientConfig, spawnAndWait, withRetries, type EmulatorOptions, type RunningEmulator } from './readiness.js';

/** kinesis-local state-transition delays (CREATING -> ACTIVE etc.); its default is 500ms each. */
const KINESIS_DURATION = '10ms';
const KINESIS_DURATION_VARS = [
  'CREATE_STREAM_DURATION',
  'DELETE_STREAM_DURATION',
  'REGISTER_STREAM_CONSUMER_DURATION',
  'DEREGISTER_STREAM_CONSUMER_DURATION',
  'START_STREAM_ENCRYPTION_DURATION',
  'STOP_STREAM_ENCRYPTION_DURATION',
  'MERGE_SHARDS_DURATION',
  'SPLIT_SHARD_DURATION',
  'UPDATE_SHARD_COUNT_DURATION',
  'UPDATE_STREAM_MODE_DURATION',
];

export interface KinesisOptions {
  /**
   * Keep the streams here across restarts; default in memory. kinesis-local writes its whole
   * state to one JSON file every second (chosen: its default of 5 s loses more to a kill -9).
   */
  dataDir?: string;
}

/** Resolves with the plain-HTTP endpoint (clients must use an HTTP/1.1 handler). */
export async function startKinesis(options: EmulatorOptions & KinesisOptions): Promise<RunningEmulator<string>> {
  const dir = devPackageDir('kinesis-local');
  if (options.dataDir !== undefined) fs.mkdirSync(options.dataDir, { recursive: true });
  const persist =
    options.dataDir !== undefined
      ? { SHOULD_PERSIST_DATA: 'true', LOAD_DATA_IF_EXISTS: 'true', PERSIST_PATH: options.dataDir, PERSIST_INTERVAL: '1s' }
      : { SHOULD_PERSIST_DATA: 'false', LOAD_DATA_IF_EXISTS: 'false' };
  return withRetries('kinesis-local', async () => {
    const [plainPort, tlsPort] = (await getFreePorts(2)) as [number, number];
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      KINESIS_MOCK_PLAIN_PORT: String(plainPort),
      // The TLS listener cannot be disabled, so it gets a free port of its own.
      KINESIS_MOCK_TLS_PORT: String(tlsPort),
      // Relative to cwd by default; absolute so cwd does not matter.
      KINESIS_MOCK_CERT_PATH: path.join(dir, 'server.json'),
      AWS_REGION: options.region,
      AWS_ACCOUNT_ID: options.accountId,
      ...persist,
      LOG_LEVEL: 'WARN',
      ROOT_LOG_LEVEL: 'ERROR',
      ...Object.fromEntries(KINESIS_DURATION_VARS.map((name) => [name, KINESIS_DURATION])),
    };
    const endpoint = `http://${LOOPBACK}:${plainPort}`;
    let client: KinesisClient | undefined;
    try {
      const proc = await spawnAndWait(
        'kinesis-local',
        () => spawnManaged('kinesis-local', process.execPath, [path.join(dir, 'main.js')], { cwd: dir, env, ...(options.onSpawn ? { onSpawn: options.onSpawn } : {}) }),
        async () => {
          const { KinesisClient, ListStreamsCommand } = await import('@aws-sdk/client-kinesis');
          client ??= new KinesisClient(probeClientConfig(endpoint, options.region));
          await client.send(new ListStreamsCommand({}));
        },
        options.readyTimeoutMs,
      );
      return { value: endpoint, stop: () => proc.stop() };
    } finally {
      client?.destroy();
    }
  });
}
