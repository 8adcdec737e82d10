/**
 * SQS BatchSize 10 with Redis across a (simulated) network: the same drain with Sluice's
 * Redis reached directly and through a proxy delaying every chunk 1 ms each way (issue #13
 * part 4: goal ≥ 0.8 × the direct throughput). The proxy's real added round trip is
 * measured (PING) and printed, since timers add their own slack to the 1 ms.
 */
import { Redis } from 'ioredis';
import type { Bed } from '../support/bed.js';
import { startDelayProxy } from '../support/delay-proxy.js';
import { formatNumber, type Row } from '../support/table.js';
import { rateText, sluiceSqsDrain, SQS_MESSAGES } from './sqs.js';

const DELAY_MS = 1;

/** Median PING round trip to 127.0.0.1:`port`, ms. */
async function pingMs(port: number): Promise<number> {
  const redis = new Redis(port, '127.0.0.1');
  try {
    const times: number[] = [];
    for (let i = 0; i < 100; i++) {
      const t0 = performance.now();
      await redis.ping();
      times.push(performance.now() - t0);
    }
    return times.sort((a, b) => a - b)[50]!;
  } finally {
    redis.disconnect();
  }
}

export async function redisRttRows(bed: Bed): Promise<Row[]> {
  const proxy = await startDelayProxy(bed.redis.port, DELAY_MS);
  try {
    const [directPing, proxiedPing] = [await pingMs(bed.redis.port), await pingMs(proxy.port)];
    const settings = { BatchSize: 10 };
    const direct = await sluiceSqsDrain(bed, settings);
    const proxied = await sluiceSqsDrain(bed, settings, { redisUrl: `redis://127.0.0.1:${proxy.port}` });
    const caseName = `SQS BatchSize 10, Redis direct vs +${DELAY_MS} ms each way, ${SQS_MESSAGES.toLocaleString('en-US')} messages`;
    return [
      { case: caseName, contender: `Sluice, Redis direct (PING ${formatNumber(directPing, 2)} ms)`, result: rateText(direct), cpuMsPer1k: direct.cpuPer1k, redisPerBatch: direct.redisPerBatch, data: { ...direct, pingMs: directPing } },
      {
        case: caseName,
        contender: `Sluice, Redis through the delaying proxy (PING ${formatNumber(proxiedPing, 2)} ms)`,
        result: rateText(proxied),
        cpuMsPer1k: proxied.cpuPer1k,
        vsRaw: `${formatNumber(proxied.rate / direct.rate, 2)} × direct (goal ≥ 0.8)`,
        redisPerBatch: proxied.redisPerBatch,
        data: { ...proxied, pingMs: proxiedPing },
      },
    ];
  } finally {
    proxy.stop();
  }
}
