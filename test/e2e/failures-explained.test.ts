/**
 * A broken target or source is explained, not retried in silence (issue #10): every
 * failed attempt is a `warn` line naming the mapping, the function, the target kind and
 * the cause, written once and then as a count per interval (rate-limited), and counted in
 * `sluice_invocation_errors_total{cause}`. LastProcessingResult keeps the spec's fixed
 * strings (api.md §6.2).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { DeleteQueueCommand } from '@aws-sdk/client-sqs';
import { createQueue, pollUntil, sqsClient } from '../support/index.js';
import { getFreePort } from '../support/ports.js';
import { Scrape } from '../support/prometheus.js';
import { startTestSluice, type TestSluice } from '../support/sluice.js';
import { createMapping, sendInOrder, waitForProcessingResult } from '../support/sqs-e2e.js';

type LogLine = Record<string, unknown> & { level: number; msg: string };

const WARN = 40;

const parsed = (sluice: TestSluice): LogLine[] => sluice.logs.map((line) => JSON.parse(line) as LogLine);

/** Warning lines about `mappingId` with this `cause`. */
const warnings = (sluice: TestSluice, mappingId: string, cause: string): LogLine[] =>
  parsed(sluice).filter((l) => l.level === WARN && l.mappingId === mappingId && l.cause === cause);

async function invocationErrors(sluice: TestSluice, mappingId: string, cause: string): Promise<number> {
  return new Scrape(await sluice.metrics.text()).value('sluice_invocation_errors_total', { mapping: mappingId, cause });
}

describe('a broken target is explained', () => {
  it('an http target refusing connections: one warning with mapping, function, target kind and ECONNREFUSED, then a count; cause connection_refused', async () => {
    const port = await getFreePort(); // nothing listens there: connections are refused
    const url = `http://127.0.0.1:${port}/`;
    const sluice = await startTestSluice({ functions: { refusing: { http: url, timeout: 1 } } });
    let stopped = false;
    onTestFinished(async () => {
      if (!stopped) await sluice.stop();
    });
    const queue = await createQueue({ prefix: 'refused', visibilityTimeoutSeconds: 2 });
    onTestFinished(queue.cleanup);
    const uuid = await createMapping(sluice.lambda, { FunctionName: 'refusing', EventSourceArn: queue.queueArn, BatchSize: 1 });
    await sendInOrder(queue.queueUrl, Array.from({ length: 10 }, (_, i) => `m${i}`));

    const [first] = await pollUntil(() => warnings(sluice, uuid, 'connection_refused').length > 0 && warnings(sluice, uuid, 'connection_refused'), {
      description: 'a warning about the refused connection',
    });
    expect(first).toMatchObject({
      mappingId: uuid,
      function: 'refusing',
      targetKind: 'http',
      target: url,
      errorCode: 'ECONNREFUSED',
    });
    expect(first!.msg).toContain('refusing');
    expect(first!.msg).toContain(uuid);
    expect(first!.msg).toContain('http target');
    expect(first!.msg).toContain('ECONNREFUSED');

    // Many attempts, each counted with its cause; still a single line.
    await pollUntil(async () => (await invocationErrors(sluice, uuid, 'connection_refused')) >= 8, { timeoutMs: 20_000, description: '8 refused attempts' });
    expect(warnings(sluice, uuid, 'connection_refused')).toHaveLength(1);
    // The reason is in the log and the metric; LastProcessingResult keeps the spec's fixed value.
    await waitForProcessingResult(sluice.lambda, uuid, 'PROBLEM: Function call failed');

    // Stopping writes the count of the repeats not yet reported.
    await sluice.stop();
    stopped = true;
    const attempts = await invocationErrors(sluice, uuid, 'connection_refused');
    const lines = warnings(sluice, uuid, 'connection_refused');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatchObject({ repeats: attempts - 1, targetKind: 'http', errorCode: 'ECONNREFUSED' });
    expect(lines[1]!.msg).toMatch(new RegExp(`\\(${attempts - 1} more times in the last \\d+ s\\)$`));
  });

  it('a module target whose file disappears after the start: cause module_not_found', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-vanishing-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'handler.mjs');
    writeFileSync(file, 'export const handler = async () => null;\n');
    // The start-up check loads it: it exists then.
    const sluice = await startTestSluice({ functions: { vanishing: { module: `${file}#handler`, timeout: 1 } } });
    onTestFinished(() => sluice.stop());
    rmSync(file);

    // A short visibility: the pipeline does not retry the attempt, the result is reported at once.
    const queue = await createQueue({ prefix: 'vanishing', visibilityTimeoutSeconds: 2 });
    onTestFinished(queue.cleanup);
    const uuid = await createMapping(sluice.lambda, { FunctionName: 'vanishing', EventSourceArn: queue.queueArn, BatchSize: 1 });
    await sendInOrder(queue.queueUrl, ['hello']);

    await pollUntil(async () => (await invocationErrors(sluice, uuid, 'module_not_found')) >= 1, { description: 'an attempt counted as module_not_found' });
    const [line] = await pollUntil(() => warnings(sluice, uuid, 'module_not_found').length > 0 && warnings(sluice, uuid, 'module_not_found'));
    expect(line).toMatchObject({ function: 'vanishing', targetKind: 'module', target: `${file}#handler`, errorCode: 'Runtime.ImportModuleError' });
    expect(line!.msg).toContain(file);
    await waitForProcessingResult(sluice.lambda, uuid, 'PROBLEM: Function call failed');
  });
});

describe('a broken source is explained', () => {
  it('a queue deleted under its mapping: one warning naming the mapping, the function, the call and the error code', async () => {
    const sluice = await startTestSluice();
    onTestFinished(() => sluice.stop());
    const queue = await createQueue({ prefix: 'deleted' });
    onTestFinished(queue.cleanup);
    const uuid = await createMapping(sluice.lambda, { FunctionName: 'my-function', EventSourceArn: queue.queueArn });
    await sqsClient().send(new DeleteQueueCommand({ QueueUrl: queue.queueUrl }));

    const line = await pollUntil(
      () => parsed(sluice).find((l) => l.level === WARN && l.mappingId === uuid && (l.operation === 'ReceiveMessage' || l.operation === 'GetQueueUrl')),
      { timeoutMs: 30_000, description: 'a warning about the failed receive' },
    );
    expect(line).toMatchObject({ functionArn: expect.stringContaining(':function:my-function'), cause: expect.stringMatching(/QueueDoesNotExist|NonExistentQueue/) });
    expect(line.msg).toContain(uuid);
    await waitForProcessingResult(sluice.lambda, uuid, `PROBLEM: Error reading from event source: ${String(line.cause)}`);
    // The poller backs off and tries again; it says so once, not at every try.
    const sourceErrors = async () => new Scrape(await sluice.metrics.text()).series('sluice_source_errors_total', { mapping: uuid }).reduce((n, s) => n + s.value, 0);
    await pollUntil(async () => (await sourceErrors()) >= 3, {
      timeoutMs: 20_000,
      description: 'failed receives again',
    });
    expect(parsed(sluice).filter((l) => l.level === WARN && l.mappingId === uuid && l.cause === line.cause && l.operation === line.operation)).toHaveLength(1);
  });
});
