/**
 * The dashboard screenshot of the README (docs/dashboard.png), from a real run a human can
 * repeat: `sluice dev` (this checkout's build) in a scratch folder, a second Kinesis mapping
 * onto the example stream with a filter and the builtin `fail-10` (one invocation in ten
 * fails), SQS messages and Kinesis records sent in waves for SCREENSHOT_SECONDS (default
 * 120), a few of them failing; then headless Chromium (Debian's `chromium`, as the tests)
 * opens `GET /` and writes a full-page PNG. The sandbox is stopped with SIGINT at the end.
 * The tests never write this file.
 *
 *   npm run build && npx tsx bench/dashboard-screenshot.ts [out.png]   (default docs/dashboard.png)
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CreateEventSourceMappingCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { chromium } from 'playwright-core';
import type { SandboxState } from '../src/dev/state-file.js';

const root = resolve(import.meta.dirname, '..');
const out = resolve(process.argv[2] ?? join(root, 'docs/dashboard.png'));
const seconds = Number(process.env.SCREENSHOT_SECONDS ?? 120);
const credentials = { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' };

const cwd = mkdtempSync(join(tmpdir(), 'sluice-screenshot-'));
const dev = spawn(process.execPath, [join(root, 'bin/sluice.js'), 'dev'], { cwd, stdio: 'ignore', detached: true });
const stopDev = async () => {
  if (dev.exitCode !== null) return;
  process.kill(-dev.pid!, 'SIGINT');
  await new Promise((done) => dev.once('exit', done));
};

try {
  const stateFile = join(cwd, '.sluice/dev.json');
  for (let waited = 0; !existsSync(stateFile); waited += 200) {
    if (dev.exitCode !== null || waited > 90_000) throw new Error(`sluice dev did not start (see ${join(cwd, '.sluice/dev.log')})`);
    await sleep(200);
  }
  const state = JSON.parse(readFileSync(stateFile, 'utf8')) as SandboxState;
  // The example config's queue (the first; its DLQ follows it) and stream.
  const queue = state.resources.queues?.find((q) => q.deadLetterOf === undefined);
  const stream = state.resources.streams?.[0];
  if (!queue || !stream) throw new Error('the sandbox has no example queue or stream');
  const lambda = new LambdaClient({ endpoint: state.apiUrl, region: state.region, credentials });
  const sqs = new SQSClient({ endpoint: state.endpoints.sqs, region: state.region, credentials });
  // HTTP/1.1: kinesis-local does not speak the HTTP/2 the Kinesis client would use.
  const kinesis = new KinesisClient({ endpoint: state.endpoints.kinesis, region: state.region, credentials, requestHandler: new NodeHttpHandler() });

  // A second consumer of the stream: only orders pass its filter, one invocation in ten fails.
  await lambda.send(
    new CreateEventSourceMappingCommand({
      FunctionName: 'fail-10',
      EventSourceArn: stream.arn,
      StartingPosition: 'LATEST',
      BatchSize: 20,
      MaximumRetryAttempts: 1,
      FilterCriteria: { Filters: [{ Pattern: JSON.stringify({ data: { kind: ['order'] } }) }] },
    }),
  );

  const started = Date.now();
  for (let wave = 0; Date.now() - started < seconds * 1000; wave++) {
    // A load that rises and falls, so the charts have a shape.
    const size = Math.round(6 + 5 * Math.sin(wave / 6));
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queue.url,
        Entries: Array.from({ length: Math.min(10, size) }, (_, i) => ({ Id: String(i), MessageBody: wave % 15 === 7 && i === 0 ? `order ${wave}: fail` : `order ${wave}-${i}` })),
      }),
    );
    await kinesis.send(
      new PutRecordsCommand({
        StreamName: stream.name,
        Records: Array.from({ length: size * 2 }, (_, i) => ({
          PartitionKey: `customer-${i % 7}`,
          Data: Buffer.from(JSON.stringify({ kind: i % 3 === 0 ? 'ping' : 'order', order: `${wave}-${i}` })),
        })),
      }),
    );
    await sleep(1000);
  }
  // The last counts reach Redis within 10 s, the page within 3 s more.
  await sleep(14_000);

  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-background-networking'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1 });
    await page.goto(`${state.apiUrl}/`);
    await page.locator('#mappings tr[data-mapping]').first().waitFor();
    await page.screenshot({ path: out, fullPage: true });
  } finally {
    await browser.close();
  }
  lambda.destroy();
  sqs.destroy();
  kinesis.destroy();
  process.stdout.write(`wrote ${out}\n`);
} finally {
  await stopDev();
  rmSync(cwd, { recursive: true, force: true });
}
