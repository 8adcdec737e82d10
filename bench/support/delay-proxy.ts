/**
 * A TCP proxy that delays every chunk by `delayMs` in each direction, as a network between
 * Sluice and Redis would (issue #13: +1 ms each way = a 2 ms round trip). Order is kept:
 * a chunk is written no sooner than `delayMs` after it arrived and never before the chunk
 * ahead of it. Bandwidth is not limited; only latency is added.
 *
 *   const proxy = await startDelayProxy(redisPort, 1);
 *   // point Sluice at redis://127.0.0.1:${proxy.port}
 *   await proxy.close();
 */
import net from 'node:net';

export interface DelayProxy {
  port: number;
  close: () => Promise<void>;
}

/** Forwards `from` to `to`, each chunk `delayMs` later than it arrived. */
function forwardDelayed(from: net.Socket, to: net.Socket, delayMs: number): void {
  const queue: Array<{ at: number; chunk: Buffer }> = [];
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    timer = undefined;
    const now = performance.now();
    while (queue.length > 0 && queue[0]!.at <= now) to.write(queue.shift()!.chunk);
    if (queue.length > 0) timer = setTimeout(flush, queue[0]!.at - now);
  };
  from.on('data', (chunk: Buffer) => {
    queue.push({ at: performance.now() + delayMs, chunk });
    timer ??= setTimeout(flush, delayMs);
  });
  from.on('end', () => {
    // Half-close after what is still queued has gone out.
    const end = () => (queue.length === 0 ? to.end() : setTimeout(end, delayMs));
    end();
  });
}

export async function startDelayProxy(targetPort: number, delayMs: number, targetHost = '127.0.0.1'): Promise<DelayProxy> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, targetHost);
    for (const socket of [client, upstream]) {
      socket.setNoDelay(true);
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    forwardDelayed(client, upstream, delayMs);
    forwardDelayed(upstream, client, delayMs);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
