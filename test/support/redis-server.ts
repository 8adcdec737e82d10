/**
 * Extra redis-server processes a test starts for itself (TLS, ACL users, Sentinel,
 * Cluster), beside the test bed's shared Redis: config lines written to a temp dir, a free
 * loopback port, ready once a client with the given options gets a PONG. Each runs in its
 * own process group (the product's spawnManaged) and is killed at stop.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis, type RedisOptions } from 'ioredis';
import { redisServerCommand, spawnManaged, type ManagedProcess } from '../../src/dev/emulators/index.js';
import { getFreePort } from './ports.js';
import { pollUntil } from './poll.js';

export interface TestRedisServer {
  port: number;
  /** Its working directory (config, cluster state), removed at stop. */
  dir: string;
  process: ManagedProcess;
  /** A new client with `options` (the caller quits it). */
  client(options?: RedisOptions): Redis;
  stop(): Promise<void>;
}

export interface TestRedisServerOptions {
  /**
   * redis.conf lines on top of the defaults (loopback, `port <port>`, no persistence); later
   * lines win, so a TLS-only server gives `port 0` and `tls-port <port>`.
   */
  config?: string[] | ((port: number) => string[]);
  /** Default: a free one. */
  port?: number;
  /** How the readiness PING connects (TLS, credentials); host/port are filled in. */
  ready?: RedisOptions;
  /** Start in sentinel mode (`redis-server <conf> --sentinel`). */
  sentinel?: boolean;
}

/** One PING through a fresh lazy client (disconnected after); false while nothing listens yet. */
export async function redisAnswersPing(probe: Redis): Promise<boolean> {
  probe.on('error', () => undefined); // not listening yet: the next poll tries again
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

export async function startTestRedisServer(options: TestRedisServerOptions = {}): Promise<TestRedisServer> {
  const port = options.port ?? (await getFreePort());
  const dir = mkdtempSync(path.join(tmpdir(), 'sluice-test-redis-'));
  const lines = ['bind 127.0.0.1', `port ${port}`, `dir ${dir}`, 'save ""', 'appendonly no', 'loglevel warning', ...(typeof options.config === 'function' ? options.config(port) : (options.config ?? []))];
  const conf = path.join(dir, 'redis.conf');
  writeFileSync(conf, `${lines.join('\n')}\n`);
  const proc = await spawnManaged('redis-server', redisServerCommand(), [conf, ...(options.sentinel ? ['--sentinel'] : [])]);
  const client = (extra: RedisOptions = {}) => new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, ...options.ready, ...extra });
  const stop = async () => {
    await proc.stop(2000);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await pollUntil(
      async () => {
        if (proc.exitInfo) throw new Error(`redis-server exited: ${proc.tail()}`);
        return redisAnswersPing(client());
      },
      { timeoutMs: 10_000, intervalMs: 50, description: `redis-server on port ${port} ready` },
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { port, dir, process: proc, client, stop };
}
