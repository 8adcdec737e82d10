/**
 * `sluice invoke` (issue #15) as users run it: the built CLI, a config file with a module
 * handler, an unreachable http function and the builtins; no queue, stream or Redis needed.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SLUICE_BIN } from '../support/sluice-child.js';

const run = promisify(execFile);
const fixture = path.resolve(import.meta.dirname, '../fixtures/handlers/partial-failures.mjs');
let dir: string;
let config: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'sluice-invoke-'));
  config = path.join(dir, 'sluice.config.yaml');
  await writeFile(config, `functions:\n  orders: { module: '${fixture}#handler' }\n  gone: { http: 'http://127.0.0.1:1/' }\n`);
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function invoke(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [SLUICE_BIN, 'invoke', ...args, '--config', config], { cwd: dir });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('sluice invoke (e2e)', () => {
  it("a module handler succeeds on an SQS event: the response, 'success', exit 0", async () => {
    const result = await invoke('orders', '--source', 'sqs', '--body', 'fine');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^function {2}orders \(module target .*partial-failures\.mjs#handler\)\nevent {5}sqs, 1 record/);
    expect(result.stdout).toMatch(/\noutcome {3}success · \d+ ms\nresponse {2}\{"batchItemFailures":\[\]\}\n$/);
  });

  it('the handler names the Kinesis record in batchItemFailures: a partial failure, exit 1', async () => {
    const result = await invoke('orders', '--source', 'kinesis', '--body', 'bad record');
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/\noutcome {3}partial failure: 1 of 1 record\(s\) failed \(with ReportBatchItemFailures\)/);
  });

  it('a builtin by its spec: echo answers with the DynamoDB event it got', async () => {
    const result = await invoke('echo', '--source', 'dynamodb', '--body', '{"id":{"S":"o-1"},"total":{"N":"42"}}');
    expect(result.code).toBe(0);
    const response = JSON.parse(/\nresponse {2}(.*)\n$/.exec(result.stdout)![1]!) as { Records: Array<{ eventName: string; dynamodb: { Keys: unknown; NewImage: unknown } }> };
    expect(response.Records[0]).toMatchObject({ eventName: 'INSERT', dynamodb: { Keys: { id: { S: 'o-1' } }, NewImage: { total: { N: '42' } } } });
  });

  it('an event from a file is sent as it is; a function error exits 1 with its message', async () => {
    const file = path.join(dir, 'event.json');
    await writeFile(file, JSON.stringify({ Records: [{ messageId: 'm-1', body: 'x' }] }));
    const echoed = await invoke('echo', '--file', file);
    expect(echoed.stdout).toContain('response  {"Records":[{"messageId":"m-1","body":"x"}]}');
    const failed = await invoke('fail:1', '--file', file);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/\noutcome {3}function error \(Unhandled, Error\)/);
  });

  it('an unreachable target is an invocation error (exit 2); an unknown function is one line (exit 2)', async () => {
    const unreachable = await invoke('gone', '--source', 'sqs');
    expect(unreachable.code).toBe(2);
    expect(unreachable.stdout).toMatch(/\noutcome {3}invocation error \(unreachable, ECONNREFUSED\)/);
    const unknown = await invoke('nope', '--source', 'sqs');
    expect(unknown).toMatchObject({ code: 2, stdout: '' });
    expect(unknown.stderr).toBe('sluice invoke: function nope is not configured (functions: orders, gone; or a builtin: noop, echo, sleep:<ms>, fail:<ratio>)\n');
  });
});
