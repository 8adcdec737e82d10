/** fauxqs (SQS + SNS), in-process: it is a fastify app, no child needed. */
import type net from 'node:net';
import { importDevPackage } from './dev-packages.js';
import { LOOPBACK, probeClientConfig, waitReady, type EmulatorOptions, type RunningEmulator } from './readiness.js';

/** Resolves with the endpoint serving SQS (AWS JSON 1.0) and SNS (Query). */
export async function startFauxqs(options: EmulatorOptions): Promise<RunningEmulator<string>> {
  const { buildApp } = await importDevPackage('fauxqs', () => import('fauxqs'));
  const { SQSClient, ListQueuesCommand } = await import('@aws-sdk/client-sqs');
  const app = buildApp({ logger: false, defaultRegion: options.region });
  // Bind loopback only (fauxqs' own startFauxqs() binds 0.0.0.0). Without a `host`
  // option fauxqs builds QueueUrls from the request Host header: http://127.0.0.1:PORT/000000000000/NAME
  await app.listen({ port: 0, host: LOOPBACK });
  const stop = async (): Promise<void> => {
    await app.close();
  };
  const address = app.server.address() as net.AddressInfo;
  const endpoint = `http://${LOOPBACK}:${address.port}`;
  const client = new SQSClient(probeClientConfig(endpoint, options.region));
  try {
    await waitReady('fauxqs', undefined, async () => {
      await client.send(new ListQueuesCommand({}));
    }, options.readyTimeoutMs);
  } catch (error) {
    await stop();
    throw error;
  } finally {
    client.destroy();
  }
  return { value: endpoint, stop };
}
