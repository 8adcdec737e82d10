/**
 * A real Redis Cluster for a test: three masters (`cluster-enabled yes`, no replicas) on
 * free loopback ports, joined by `redis-cli --cluster create`, ready once every node
 * reports `cluster_state:ok`. Started by the test that needs it, stopped by it.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { getFreePorts } from './ports.js';
import { pollUntil } from './poll.js';
import { startTestRedisServer, type TestRedisServer } from './redis-server.js';

const run = promisify(execFile);

export interface TestRedisCluster {
  nodes: TestRedisServer[];
  /** Seed nodes, as `redis.cluster` takes them. */
  seeds: { host: string; port: number }[];
  stop(): Promise<void>;
}

export async function startTestRedisCluster(masters = 3): Promise<TestRedisCluster> {
  // Node ports and cluster-bus ports (set explicitly: port + 10000 may be taken or past 65535).
  const ports = await getFreePorts(masters * 2);
  const nodes = await Promise.all(
    Array.from({ length: masters }, (_, i) =>
      startTestRedisServer({
        port: ports[i]!,
        config: ['cluster-enabled yes', 'cluster-config-file nodes.conf', 'cluster-node-timeout 2000', `cluster-port ${ports[masters + i]!}`, 'maxmemory-policy noeviction'],
      }),
    ),
  );
  const stop = async () => {
    await Promise.all(nodes.map((node) => node.stop()));
  };
  try {
    await run('redis-cli', ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', '0', '--cluster-yes'], { timeout: 20_000 });
    await pollUntil(
      async () => {
        const states = await Promise.all(
          nodes.map(async (node) => {
            const client = node.client();
            try {
              await client.connect();
              return /cluster_state:ok/.test((await client.call('CLUSTER', 'INFO')) as string);
            } finally {
              client.disconnect();
            }
          }),
        );
        return states.every(Boolean);
      },
      { timeoutMs: 15_000, intervalMs: 100, description: 'cluster_state:ok on every node' },
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { nodes, seeds: nodes.map((n) => ({ host: '127.0.0.1', port: n.port })), stop };
}
