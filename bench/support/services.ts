/**
 * Emulators for benchmarks, each in its own process so they do not share the measured
 * process's event loop: Debian's redis-server, fauxqs, and a no-op HTTP target.
 */
import { spawnManaged, type ManagedProcess } from '../../test/support/processes.js';
import { getFreePort } from '../../test/support/ports.js';

export interface BenchService {
  url: string;
  stop(): Promise<void>;
}

async function waitFor(url: string, probe: () => Promise<boolean>, child: ManagedProcess): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitInfo) throw new Error(`${child.name} exited: ${child.tail()}`);
    if (await probe().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${child.name} did not answer at ${url}: ${child.tail()}`);
}

export async function startRedis(): Promise<BenchService> {
  const port = await getFreePort();
  const child = await spawnManaged('redis-server', process.env.REDIS_SERVER ?? 'redis-server', [
    '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction',
  ]);
  const url = `redis://127.0.0.1:${port}`;
  const { Redis } = await import('ioredis');
  await waitFor(url, async () => {
    const redis = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0 });
    try {
      await redis.connect();
      return (await redis.ping()) === 'PONG';
    } finally {
      redis.disconnect();
    }
  }, child);
  return { url, stop: () => child.stop() };
}

/** A node child process serving `script` (ESM source) on a free port given as PORT. */
async function startNodeService(name: string, script: string, probePath: string): Promise<BenchService> {
  const port = await getFreePort();
  const child = await spawnManaged(name, process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, PORT: String(port) },
    cwd: process.cwd(),
  });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(url, async () => (await fetch(`${url}${probePath}`)).status < 500, child);
  return { url, stop: () => child.stop() };
}

export function startFauxqs(): Promise<BenchService> {
  return startNodeService(
    'fauxqs',
    `import { buildApp } from 'fauxqs';
     const app = buildApp({ logger: false, defaultRegion: 'us-east-1' });
     await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });`,
    '/',
  );
}

/** Answers every request with 200 and an empty body at once. */
export function startNoopHttpTarget(): Promise<BenchService> {
  return startNodeService(
    'noop-target',
    `import http from 'node:http';
     const server = http.createServer((req, res) => { req.resume(); req.on('end', () => res.end()); });
     server.keepAliveTimeout = 60000;
     server.listen(Number(process.env.PORT), '127.0.0.1');`,
    '/',
  );
}
