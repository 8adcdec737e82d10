/**
 * A TCP proxy on a free loopback port, to cut a process off from a server (e.g. Redis)
 * and let it back, without touching the server other tests share.
 *
 *   const proxy = await startTcpProxy(6379);
 *   proxy.cut();          // open connections reset, new ones refused
 *   await proxy.restore();
 *   proxy.stall();        // a frozen server: connections stay open (new ones accepted), nothing answers
 *   proxy.unstall();
 */
import net from 'node:net';

export interface TcpProxy {
  readonly port: number;
  /** Whether it accepts connections (not cut, not closed). */
  readonly isOpen: boolean;
  /** Resets every open connection and refuses new ones. */
  cut(): Promise<void>;
  /** Accepts connections again on the same port. */
  restore(): Promise<void>;
  /** Stops forwarding either way, keeping connections open: like a paused (SIGSTOP) server. */
  stall(): void;
  /** Forwards again what was held back while stalled, and what comes next. */
  unstall(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  let stalled = false;
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, targetHost);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
      // A paused socket is not read: what it receives waits in the kernel until unstall.
      if (stalled) socket.pause();
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  const stop = async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of sockets) socket.resetAndDestroy();
    await closed;
  };
  await listen(0);
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    get isOpen() {
      return server.listening;
    },
    cut: stop,
    restore: () => listen(port),
    stall() {
      stalled = true;
      for (const socket of sockets) socket.pause();
    },
    unstall() {
      stalled = false;
      for (const socket of sockets) socket.resume();
    },
    close: () => (server.listening ? stop() : Promise.resolve()),
  };
}
