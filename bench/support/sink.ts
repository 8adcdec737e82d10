/**
 * The HTTP sink every contender of `npm run bench` posts its batches to (Sluice's http
 * target and the raw loops alike), in its own process: it answers 200 with an empty body
 * at once and counts batches (requests) and records. Each record may carry its put time
 * (`{"t": <epoch ms>}` as an SQS body, as Kinesis data, or as a DynamoDB attribute `t`);
 * the sink then records put-to-invoke latency.
 *
 *   GET  /stats  -> {batches, records, latencies}
 *   POST /reset  -> clears the counts
 *   POST /       -> a batch: {"Records": [...]}
 */
import { startNodeService, type BenchService } from './services.js';

export interface SinkStats {
  batches: number;
  records: number;
  latencies: number[];
}

export interface Sink extends BenchService {
  stats(): Promise<SinkStats>;
  reset(): Promise<void>;
  /** Resolves once the sink has counted `records` records since the last reset; rejects after `timeoutMs`. */
  untilRecords(records: number, timeoutMs: number): Promise<void>;
}

const script = `
import http from 'node:http';
let batches = 0, records = 0, latencies = [];
const putTime = (r) => {
  try {
    if (r.kinesis) { const data = Buffer.from(r.kinesis.data, 'base64').toString(); return data.startsWith('{"t"') ? JSON.parse(data).t : undefined; }
    if (r.dynamodb) return Number(r.dynamodb.NewImage?.t?.N);
    if (typeof r.body === 'string' && r.body.startsWith('{"t"')) return JSON.parse(r.body).t;
  } catch {}
  return undefined;
};
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    if (req.method === 'GET') { res.setHeader('content-type', 'application/json'); return res.end(JSON.stringify({ batches, records, latencies })); }
    if (req.url === '/reset') { batches = 0; records = 0; latencies = []; return res.end(); }
    const now = Date.now();
    const event = JSON.parse(Buffer.concat(chunks).toString());
    batches++;
    for (const r of event.Records ?? []) {
      records++;
      const t = putTime(r);
      if (typeof t === 'number' && Number.isFinite(t)) latencies.push(now - t);
    }
    res.end();
  });
});
server.keepAliveTimeout = 60000;
server.listen(Number(process.env.PORT), '127.0.0.1');
`;

export async function startSink(): Promise<Sink> {
  const service = await startNodeService('sink', script, '/stats');
  const stats = async () => (await fetch(`${service.url}/stats`)).json() as Promise<SinkStats>;
  return {
    ...service,
    stats,
    reset: async () => {
      await fetch(`${service.url}/reset`, { method: 'POST' });
    },
    untilRecords: async (records, timeoutMs) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const seen = (await stats()).records;
        if (seen >= records) return;
        if (Date.now() > deadline) throw new Error(`sink saw ${seen} of ${records} records in ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
  };
}
