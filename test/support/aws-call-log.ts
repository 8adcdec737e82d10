/**
 * An HTTP proxy in front of an AWS JSON endpoint (kinesis-local) that notes when each call
 * arrives and which action it is (`X-Amz-Target: Kinesis_20131202.GetRecords` → GetRecords),
 * so a test can see how Sluice paces its calls from outside the process.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface AwsCall {
  action: string;
  /** performance.now() of the request's arrival. */
  at: number;
}

export interface AwsCallLog {
  url: string;
  calls: AwsCall[];
  close(): Promise<void>;
}

export async function startAwsCallLog(upstream: string): Promise<AwsCallLog> {
  const calls: AwsCall[] = [];
  const target = new URL(upstream);
  const agent = new http.Agent({ keepAlive: true });
  const server = http.createServer((req, res) => {
    const action = String(req.headers['x-amz-target'] ?? '').split('.').pop() ?? '';
    calls.push({ action, at: performance.now() });
    const forward = http.request(
      { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers, agent },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    close: () =>
      new Promise((resolve) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
