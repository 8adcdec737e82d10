/**
 * A TCP proxy that holds every chunk DELAY_MS before passing it on, each way, in its own
 * process (so the bench's own event loop does not add to the delay): Redis "across a
 * network" for the round-trip row of `npm run bench`. Order is kept: chunks of one
 * direction leave in the order they came, each no sooner than DELAY_MS after it arrived.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface DelayProxy {
  port: number;
  stop(): void;
}

const script = `
import net from 'node:net';
const delayMs = Number(process.env.DELAY_MS);
const [targetHost, targetPort] = [process.env.TARGET_HOST, Number(process.env.TARGET_PORT)];
/** Forwards from -> to, each chunk delayMs after it arrived, in order. */
function delayed(from, to) {
  const queue = [];
  let timer;
  const flush = () => {
    timer = undefined;
    const now = performance.now();
    while (queue.length > 0 && queue[0].due <= now) to.write(queue.shift().chunk);
    if (queue.length > 0) timer = setTimeout(flush, Math.max(0, queue[0].due - now));
  };
  from.on('data', (chunk) => {
    queue.push({ chunk, due: performance.now() + delayMs });
    timer ??= setTimeout(flush, delayMs);
  });
}
const server = net.createServer((client) => {
  client.setNoDelay(true);
  const upstream = net.connect(targetPort, targetHost);
  upstream.setNoDelay(true);
  delayed(client, upstream);
  delayed(upstream, client);
  for (const s of [client, upstream]) s.on('error', () => { client.destroy(); upstream.destroy(); });
  client.on('close', () => upstream.destroy());
  upstream.on('close', () => client.destroy());
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;

export async function startDelayProxy(targetPort: number, delayMs: number, targetHost = '127.0.0.1'): Promise<DelayProxy> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, DELAY_MS: String(delayMs), TARGET_HOST: targetHost, TARGET_PORT: String(targetPort) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', (line) => resolve(Number(line)));
    child.once('exit', (code) => reject(new Error(`delay proxy exited with ${code}`)));
  });
  return { port, stop: () => child.kill('SIGKILL') };
}
