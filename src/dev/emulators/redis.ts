/** A private redis-server on a free loopback port, its data in a temp dir removed at stop. */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { spawnManaged, type ManagedProcess } from './managed-process.js';
import { getFreePorts } from './ports.js';
import { LOOPBACK, spawnAndWait, withRetries, type EmulatorOptions, type RunningEmulator } from './readiness.js';
import { redisServerCommand } from './executables.js';

export interface RedisEndpoint {
  host: string;
  port: number;
  url: string;
}

export interface RedisOptions {
  /** redis-server binary; default $REDIS_SERVER or redis-server from the PATH. */
  command?: string;
  /** Logical databases (the tests give each file one of its own); default 16, Redis' own. */
  databases?: number;
  /** Keep the data here across restarts (append-only file); default: a temp dir removed at stop, nothing kept. */
  dataDir?: string;
}

/** A raw PING, so readiness needs no client library. */
function redisPing(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: LOOPBACK, port });
    let data = '';
    const fail = (error: Error): void => {
      socket.destroy();
      reject(error);
    };
    socket.setTimeout(1000, () => fail(new Error('PING timed out')));
    socket.once('error', fail);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      data += chunk.toString('utf8');
      if (!data.includes('\r\n')) return;
      socket.destroy();
      if (data.startsWith('+PONG')) resolve();
      else reject(new Error(`unexpected PING reply ${JSON.stringify(data)}`));
    });
  });
}

export async function startRedis(options: EmulatorOptions & RedisOptions): Promise<RunningEmulator<RedisEndpoint>> {
  const command = options.command ?? redisServerCommand();
  return withRetries('redis-server', async () => {
    const [port] = (await getFreePorts(1)) as [number];
    const keep = options.dataDir !== undefined;
    const dir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-redis-'));
    if (keep) fs.mkdirSync(dir, { recursive: true });
    const args = [
      '--port', String(port),
      '--bind', LOOPBACK,
      // A test run starts empty; a sandbox keeps its mappings and checkpoints in an
      // append-only file synced every second (Redis' default for AOF).
      '--save', '',
      '--appendonly', keep ? 'yes' : 'no',
      '--maxmemory-policy', 'noeviction',
      '--databases', String(options.databases ?? 16),
      '--dir', dir,
      '--daemonize', 'no',
      '--logfile', '',
      '--loglevel', 'warning',
    ];
    const removeDir = (): void => {
      if (!keep) fs.rmSync(dir, { recursive: true, force: true });
    };
    let proc: ManagedProcess;
    try {
      proc = await spawnAndWait('redis-server', () => spawnManaged('redis-server', command, args, { ...(options.onSpawn ? { onSpawn: options.onSpawn } : {}) }), () => redisPing(port), options.readyTimeoutMs);
    } catch (error) {
      removeDir();
      throw error;
    }
    return {
      value: { host: LOOPBACK, port, url: `redis://${LOOPBACK}:${port}` },
      stop: async () => {
        await proc.stop();
        removeDir();
      },
    };
  });
}
