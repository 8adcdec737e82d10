/** Free ports for the sandbox's emulators and the test bed: distinct, and really free. */
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { getFreePort, getFreePorts, isPortFree } from '../../../src/dev/emulators/ports.js';

async function listenOn(port: number): Promise<net.Server> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port }, () => resolve());
  });
  return server;
}

describe('free ports', () => {
  it('never hands out the same port twice, within one call or across calls', async () => {
    const first = await getFreePorts(5);
    const second = await getFreePorts(5);
    const single = await getFreePort();
    const all = [...first, ...second, single];
    expect(new Set(all).size).toBe(all.length);
  });

  it('hands out ports that can be listened on', async () => {
    const [port] = (await getFreePorts(1)) as [number];
    const server = await listenOn(port);
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('tells a port something listens on from a free one', async () => {
    const server = await listenOn(0);
    const busy = (server.address() as net.AddressInfo).port;
    try {
      expect(await isPortFree(busy)).toBe(false);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    // Closed now, and nothing else in this process was handed that port.
    expect(await isPortFree(busy)).toBe(true);
  });
});
