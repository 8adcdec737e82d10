/**
 * An HTTP function target for stream tests with many records: it keeps no bodies, only the
 * count of records received, the batch sizes, and whether each shard's records came in
 * sequence order (strictly increasing sequence numbers per shard, redeliveries aside), so a
 * test can push hundreds of thousands of records through it.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

interface SinkEvent {
  Records: Array<{ eventID: string; kinesis: { sequenceNumber: string } }>;
}

export interface StreamSink {
  url: string;
  /** Records received, redeliveries included. */
  records(): number;
  /** Distinct sequence numbers received. */
  distinct(): number;
  /** Records that came after a higher sequence number of their shard and were not seen before (a reordering). */
  outOfOrder(): number;
  /** Resolves once `n` distinct records were received; rejects after `timeoutMs`. */
  waitForDistinct(n: number, timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

export async function startStreamSink(): Promise<StreamSink> {
  let received = 0;
  let outOfOrder = 0;
  const seen = new Set<string>();
  const highest = new Map<string, bigint>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const event = JSON.parse(Buffer.concat(chunks).toString('utf8')) as SinkEvent;
      for (const record of event.Records) {
        received++;
        const shard = record.eventID.split(':')[0]!;
        const sequence = BigInt(record.kinesis.sequenceNumber);
        const key = `${shard}:${record.kinesis.sequenceNumber}`;
        if (!seen.has(key) && sequence < (highest.get(shard) ?? -1n)) outOfOrder++;
        seen.add(key);
        if (sequence > (highest.get(shard) ?? -1n)) highest.set(shard, sequence);
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    records: () => received,
    distinct: () => seen.size,
    outOfOrder: () => outOfOrder,
    async waitForDistinct(n, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (seen.size < n) {
        if (Date.now() > deadline) throw new Error(`stream sink: ${seen.size} of ${n} records after ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
