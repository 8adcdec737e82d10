/**
 * A redis-server the Redis scenario owns: append-only file on (`appendfsync everysec`, as
 * the README's Operating notes advise), a data dir of its own, and restarts on the same
 * port and dir after a SHUTDOWN or a kill -9, or with the dir wiped (Redis back empty).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { getFreePort, redisServerCommand, spawnManaged, type ManagedProcess } from '../../src/dev/emulators/index.js';
import { pollUntil } from '../../test/support/poll.js';
import { redisAnswersPing } from '../../test/support/redis-server.js';

export class PersistentRedis {
  private process: ManagedProcess | undefined;

  private constructor(
    readonly port: number,
    readonly dir: string,
  ) {}

  static async start(): Promise<PersistentRedis> {
    const redis = new PersistentRedis(await getFreePort(), fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-chaos-redis-')));
    await redis.launch();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts redis-server on the port and dir (loading the AOF there) and waits for PONG. */
  async launch(): Promise<void> {
    // prettier-ignore
    this.process = await spawnManaged('redis-server', redisServerCommand(), [
      '--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir,
      '--appendonly', 'yes', '--appendfsync', 'everysec', '--save', '',
      '--maxmemory-policy', 'noeviction', '--daemonize', 'no', '--logfile', '', '--loglevel', 'warning',
    ]);
    await pollUntil(() => this.ping(), { timeoutMs: 20_000, intervalMs: 25, description: `redis-server on ${this.port}: ${this.process?.tail() ?? ''}` });
  }

  private ping(): Promise<boolean> {
    return redisAnswersPing(new Redis(this.port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null }));
  }

  /** SHUTDOWN: the AOF is flushed to disk before Redis exits (a clean restart). */
  async shutdown(): Promise<void> {
    const client = new Redis(this.port, '127.0.0.1', { maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => undefined);
    await client.call('SHUTDOWN').catch(() => undefined);
    client.disconnect();
    await this.process?.exited;
  }

  /** kill -9: whatever the AOF has not written yet (at most about a second) is gone. */
  async kill9(): Promise<void> {
    if (!this.process) return;
    process.kill(-this.process.pid, 'SIGKILL');
    await this.process.exited;
  }

  /** Deletes the data dir's contents: the next launch starts empty. */
  wipe(): void {
    for (const entry of fs.readdirSync(this.dir)) fs.rmSync(path.join(this.dir, entry), { recursive: true, force: true });
  }

  async stop(): Promise<void> {
    await this.process?.stop();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
