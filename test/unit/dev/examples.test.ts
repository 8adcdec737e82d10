/**
 * The sandbox's example files: the config loads and names handlers that exist, the
 * handlers report records containing "fail" (as the live view's footer says), and the
 * README's Quick start begins with the sandbox command.
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.js';
import { resolveHandlerRef } from '../../../src/targets/handler-ref.js';
import { PACKAGE_ROOT, SANDBOX_CONFIG_FILE } from '../../../src/dev/run-sandbox.js';

/** The function of each source's example mapping (examples/sandbox.config.yaml's sandbox.mappings). */
const EXAMPLE_FUNCTIONS = { sqs: 'example-sqs', kinesis: 'example-kinesis', dynamodb: 'example-dynamodb' } as const;

type Handler = (event: unknown) => Promise<{ batchItemFailures: Array<{ itemIdentifier: string }> }>;

async function exampleHandler(name: string): Promise<Handler> {
  const config = loadConfig({ file: SANDBOX_CONFIG_FILE, env: {} });
  const ref = resolveHandlerRef(config.functions[name]!.module!, config.baseDir);
  const module = (await import(ref.moduleUrl)) as Record<string, Handler>;
  return module[ref.exportName]!;
}

describe('examples/', () => {
  it('sandbox.config.yaml configures a module function for each example mapping, and the builtin functions', () => {
    const config = loadConfig({ file: SANDBOX_CONFIG_FILE, env: {} });
    const modules = Object.entries(config.functions).filter(([, fn]) => fn.module !== undefined).map(([name]) => name);
    expect(modules.sort()).toEqual(Object.values(EXAMPLE_FUNCTIONS).sort());
    const builtins = Object.fromEntries(Object.entries(config.functions).filter(([, fn]) => fn.builtin !== undefined).map(([name, fn]) => [name, fn.builtin]));
    expect(builtins).toEqual({ noop: 'noop', echo: 'echo', 'sleep-100': 'sleep:100', 'fail-10': 'fail:0.1' });
    expect(config.api.port).toBe(7070);
  });

  it("sandbox.config.yaml declares a queue with a DLQ, a stream and a table, and one mapping per source onto the example handlers", () => {
    const { sandbox } = loadConfig({ file: SANDBOX_CONFIG_FILE, env: {} });
    expect(sandbox?.queues).toEqual([{ name: 'sluice-example-queue', visibilityTimeout: 5, dlq: { name: 'sluice-example-dlq', maxReceiveCount: 2 } }]);
    expect(sandbox?.streams).toEqual([{ name: 'sluice-example-stream', shards: 1 }]);
    expect(sandbox?.tables).toEqual([{ name: 'sluice-example-table', key: { pk: 'S' }, streamViewType: 'NEW_AND_OLD_IMAGES' }]);
    expect(sandbox?.mappings.map((m) => [m.function, m.queue ?? m.stream ?? m.table])).toEqual([
      [EXAMPLE_FUNCTIONS.sqs, 'sluice-example-queue'],
      [EXAMPLE_FUNCTIONS.kinesis, 'sluice-example-stream'],
      [EXAMPLE_FUNCTIONS.dynamodb, 'sluice-example-table'],
    ]);
  });

  it('the handlers report the records containing "fail" and only those', async () => {
    const sqs = await exampleHandler(EXAMPLE_FUNCTIONS.sqs);
    expect(await sqs({ Records: [{ messageId: 'a', body: 'ok' }, { messageId: 'b', body: 'please fail' }] })).toEqual({ batchItemFailures: [{ itemIdentifier: 'b' }] });

    const kinesis = await exampleHandler(EXAMPLE_FUNCTIONS.kinesis);
    const data = (text: string) => Buffer.from(text).toString('base64');
    const records = [
      { kinesis: { data: data('fail here'), partitionKey: 'k', sequenceNumber: '1' } },
      { kinesis: { data: data('{"order":1}'), partitionKey: 'k', sequenceNumber: '2' } },
    ];
    expect(await kinesis({ Records: records })).toEqual({ batchItemFailures: [{ itemIdentifier: '1' }] });

    const dynamodb = await exampleHandler(EXAMPLE_FUNCTIONS.dynamodb);
    const change = (sequence: string, image: object) => ({ eventName: 'INSERT', dynamodb: { Keys: { pk: { S: 'x' } }, NewImage: image, SequenceNumber: sequence } });
    expect(await dynamodb({ Records: [change('7', { pk: { S: 'x' } }), change('8', { pk: { S: 'y' }, note: { S: 'fail' } })] })).toEqual({
      batchItemFailures: [{ itemIdentifier: '8' }],
    });
  });

  it("the README's Quick start starts with the sandbox", () => {
    const readme = readFileSync(new URL('README.md', pathToFileURL(PACKAGE_ROOT)), 'utf8');
    const quickStart = readme.slice(readme.indexOf('## Quick start'));
    expect(/```sh\n([^\n]*)\n/.exec(quickStart)?.[1]).toBe('npm ci && npx sluice dev');
  });
});
