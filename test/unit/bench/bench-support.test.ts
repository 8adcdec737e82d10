/**
 * The pure pieces of `npm run bench` (bench/support/): the Prometheus sum it counts batches
 * with, the percentile, the one-Redis ceiling, the table, and the delaying proxy's byte
 * order. No time is asserted.
 */
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { metricSum } from '../../../bench/support/redis-stats.js';
import { ceilingRow, markdownTable, percentile, ratioText } from '../../../bench/support/table.js';
import { startDelayProxy } from '../../../bench/support/delay-proxy.js';

describe('metricSum', () => {
  const text = [
    '# HELP sluice_invocations_total Invocations',
    '# TYPE sluice_invocations_total counter',
    'sluice_invocations_total{function="fn",mapping="a"} 12',
    'sluice_invocations_total{function="fn",mapping="b"} 30',
    'sluice_invocations_total_other 99',
    'sluice_source_requests_total{operation="GetRecords"} 7',
    'sluice_source_requests_total{operation="GetShardIterator"} 2',
  ].join('\n');

  it('adds every sample of the metric and no other metric sharing its prefix', () => {
    expect(metricSum(text, 'sluice_invocations_total')).toBe(42);
  });

  it('keeps only samples with the label filter', () => {
    expect(metricSum(text, 'sluice_source_requests_total', 'operation="GetRecords"')).toBe(7);
  });

  it('answers NaN for a metric the process does not export', () => {
    expect(metricSum(text, 'sluice_absent_total')).toBeNaN();
  });
});

describe('percentile', () => {
  it('picks the nearest rank of the sorted values', () => {
    const values = [50, 10, 40, 20, 30, 60, 70, 80, 90, 100];
    expect(percentile(values, 50)).toBe(60);
    expect(percentile(values, 99)).toBe(100);
    expect(percentile(values, 0)).toBe(10);
  });

  it('is NaN without values', () => {
    expect(percentile([], 50)).toBeNaN();
  });
});

describe('table', () => {
  it('divides the commands one Redis runs by the commands per batch, times the batch size', () => {
    const row = ceilingRow('SQS', 50, 10);
    expect(row.data.ceilingRecordsPerSecond).toBe(20_000);
    expect(row.result).toContain('20,000 records/s');
  });

  it('states throughput and CPU against the baseline', () => {
    expect(ratioText(150, 80, { rate: 100, cpuPer1k: 100 })).toBe('1.50 × throughput, 0.80 × CPU');
  });

  it('prints one markdown row per row, a dash for what was not measured', () => {
    const table = markdownTable([
      { case: 'c', contender: 'raw', result: '1 records/s', cpuMsPer1k: 12.4, data: {} },
      { case: 'c', contender: 'Sluice', result: 'n/a', data: {} },
    ]).split('\n');
    expect(table).toHaveLength(4);
    expect(table[2]).toBe('| c | raw | 1 records/s | 12 |  | — |');
    expect(table[3]).toBe('| c | Sluice | n/a | — |  | — |');
  });
});

describe('delay proxy', () => {
  it('passes every byte both ways, in order', async () => {
    const echo = net.createServer((socket) => socket.pipe(socket));
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    const proxy = await startDelayProxy((echo.address() as net.AddressInfo).port, 1);
    try {
      const client = net.connect(proxy.port, '127.0.0.1');
      const sent = Array.from({ length: 200 }, (_, i) => `chunk-${i};`);
      const received: Buffer[] = [];
      const expected = Buffer.byteLength(sent.join(''));
      const all = new Promise<string>((resolve) => {
        client.on('data', (chunk) => {
          received.push(chunk);
          const body = Buffer.concat(received);
          if (body.length >= expected) resolve(body.toString());
        });
      });
      // Writes spread over several event-loop turns, so the proxy holds several chunks at once.
      for (const part of sent) {
        client.write(part);
        if (part.endsWith('0;')) await new Promise((r) => setImmediate(r));
      }
      expect(await all).toBe(sent.join(''));
      client.destroy();
    } finally {
      proxy.stop();
      echo.close();
    }
  });
});
