import net from 'node:net';

/**
 * Reserve `count` distinct free TCP ports. The listeners are held open until all ports
 * are known (so the same port is never handed out twice) and then released.
 *
 * Ports are probed on the unspecified address (dual stack), because some emulators
 * (kinesis-local, DynamoDB Local) bind every interface and cannot be told otherwise; a port
 * free there is free on 127.0.0.1 too. Clients always talk to 127.0.0.1.
 */
export async function getFreePorts(count: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = net.createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ port: 0, exclusive: true }, () => resolve());
      });
    }
    return servers.map((server) => (server.address() as net.AddressInfo).port);
  } finally {
    await Promise.all(
      servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))),
    );
  }
}

export async function getFreePort(): Promise<number> {
  const [port] = await getFreePorts(1);
  return port!;
}

/** True when nothing listens on `port` (probed like getFreePorts: every interface). */
export async function isPortFree(port: number): Promise<boolean> {
  const server = net.createServer();
  return new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen({ port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}
