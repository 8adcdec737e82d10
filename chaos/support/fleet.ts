/**
 * Sluice processes as a user deploys them (`bin/sluice.js start --config <file>`, through
 * test/support/sluice-child.ts), each with its log lines kept and timestamped (the outage
 * scenario counts them per second), killable with SIGKILL and restartable on its port.
 */
import { spawnSluice, type ChildEndpoints, type SluiceProcess } from '../../test/support/sluice-child.js';
import { pollUntil } from '../../test/support/poll.js';

export interface LogLine {
  at: number;
  /** pino's numeric level (30 info, 40 warn, 50 error); 0 when the line is not JSON. */
  level: number;
  msg: string;
  raw: string;
}

export class ChaosSluice {
  readonly logs: LogLine[] = [];
  private running: SluiceProcess | undefined;
  private port: number | undefined;

  constructor(
    readonly name: string,
    private readonly endpoints: ChildEndpoints,
    private readonly config: Record<string, unknown>,
  ) {}

  get url(): string {
    if (!this.running) throw new Error(`${this.name} is not running`);
    return this.running.url;
  }

  get pid(): number {
    if (!this.running) throw new Error(`${this.name} is not running`);
    return this.running.process.pid;
  }

  /** Starts the process (on the same port as before, after a kill) and waits for /healthz. */
  async start(): Promise<void> {
    this.running = await spawnSluice({ endpoints: this.endpoints, config: this.config, port: this.port, name: this.name });
    this.port = Number(new URL(this.running.url).port);
    let carry = '';
    this.running.process.child.stdout?.on('data', (chunk: Buffer) => {
      const at = Date.now();
      const parts = (carry + chunk.toString('utf8')).split('\n');
      carry = parts.pop() ?? '';
      for (const raw of parts) if (raw.trim() !== '') this.logs.push(parseLine(raw, at));
    });
  }

  /** Resolves once /readyz answers 200 (everything started); rejects after `timeoutMs`. */
  async waitReady(timeoutMs = 30_000): Promise<void> {
    await pollUntil(async () => (await fetch(`${this.url}/readyz`)).status === 200, { timeoutMs, intervalMs: 50, description: `${this.name} ready` });
  }

  async readyz(): Promise<{ status: number; body: string }> {
    const response = await fetch(`${this.url}/readyz`);
    return { status: response.status, body: await response.text() };
  }

  /** kill -9 of the whole process group: no shutdown, no goodbye to Redis. */
  async kill9(): Promise<void> {
    const running = this.running;
    if (!running) return;
    process.kill(-running.process.pid, 'SIGKILL');
    await running.process.exited;
    this.running = undefined;
  }

  get alive(): boolean {
    return this.running !== undefined && this.running.process.exitInfo === undefined;
  }

  async stop(): Promise<void> {
    await this.running?.process.stop(5_000);
    this.running = undefined;
  }

  /** Lines logged between `from` and `to` (epoch ms). */
  linesBetween(from: number, to: number): LogLine[] {
    return this.logs.filter((line) => line.at >= from && line.at < to);
  }
}

function parseLine(raw: string, at: number): LogLine {
  try {
    const parsed = JSON.parse(raw) as { level?: number; msg?: string };
    return { at, level: parsed.level ?? 0, msg: parsed.msg ?? '', raw };
  } catch {
    return { at, level: 0, msg: raw, raw };
  }
}

/** Starts `count` processes on one config and waits until all are ready. */
export async function startFleet(count: number, endpoints: ChildEndpoints, config: Record<string, unknown>): Promise<ChaosSluice[]> {
  const fleet = Array.from({ length: count }, (_, i) => new ChaosSluice(`sluice-${String.fromCharCode(97 + i)}`, endpoints, config));
  await Promise.all(fleet.map((sluice) => sluice.start()));
  await Promise.all(fleet.map((sluice) => sluice.waitReady()));
  return fleet;
}
