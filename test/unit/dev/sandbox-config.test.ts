/**
 * The `sandbox:` section (src/config/sandbox-schema.ts) as a config file says it, with the
 * errors a user meets, and how its mappings become CreateEventSourceMapping requests on
 * the resources created (and Update requests on mappings that exist).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config/index.js';
import { mappingRequests, updateFor } from '../../../src/dev/sandbox-resources.js';
import { planSandbox } from '../../../src/dev/sandbox-plan.js';
import type { SandboxResources } from '../../../src/dev/state-file.js';

function configFrom(yaml: string) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-sandbox-config-'));
  onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'sluice.yaml');
  fs.writeFileSync(file, yaml);
  return () => loadConfig({ file, env: {} });
}

const FULL = `
functions:
  orders: { module: ./orders.mjs#handler }
sandbox:
  queues:
    - name: orders
      visibilityTimeout: 10
      dlq: { name: orders-dlq }
    - name: events.fifo
    - name: failures
  streams: [{ name: clicks, shards: 2 }]
  tables: [{ name: carts, key: { cartId: S, at: N } }]
  mappings:
    - { function: orders, queue: orders, BatchSize: 5 }
    - { function: orders, stream: clicks, onFailure: failures, StartingPosition: TRIM_HORIZON, BisectBatchOnFunctionError: true }
    - { function: orders, table: carts }
`;

const RESOURCES: SandboxResources = {
  queues: [
    { name: 'orders', url: 'http://q/orders', arn: 'arn:aws:sqs:us-east-1:000000000000:orders', deadLetterQueue: 'orders-dlq' },
    { name: 'orders-dlq', url: 'http://q/orders-dlq', arn: 'arn:aws:sqs:us-east-1:000000000000:orders-dlq', deadLetterOf: 'orders' },
    { name: 'events.fifo', url: 'http://q/events.fifo', arn: 'arn:aws:sqs:us-east-1:000000000000:events.fifo' },
    { name: 'failures', url: 'http://q/failures', arn: 'arn:aws:sqs:us-east-1:000000000000:failures' },
  ],
  streams: [{ name: 'clicks', arn: 'arn:aws:kinesis:us-east-1:000000000000:stream/clicks' }],
  tables: [{ name: 'carts', streamArn: 'arn:aws:dynamodb:us-east-1:000000000000:table/carts/stream/2026-12-07T00:00:00.000', key: { cartId: 'S', at: 'N' } }],
};

describe('the sandbox: section', () => {
  it('reads queues (with DLQs, FIFO by name), streams, tables and mappings, with their defaults', () => {
    const { sandbox } = configFrom(FULL)();
    expect(sandbox?.queues[0]).toEqual({ name: 'orders', visibilityTimeout: 10, dlq: { name: 'orders-dlq', maxReceiveCount: 3 } });
    expect(sandbox?.streams).toEqual([{ name: 'clicks', shards: 2 }]);
    expect(sandbox?.tables).toEqual([{ name: 'carts', key: { cartId: 'S', at: 'N' }, streamViewType: 'NEW_AND_OLD_IMAGES' }]);
    expect(sandbox?.mappings[1]).toEqual({ function: 'orders', stream: 'clicks', onFailure: 'failures', StartingPosition: 'TRIM_HORIZON', BisectBatchOnFunctionError: true });
  });

  it.each([
    ['a mapping naming a queue not declared', 'queues: [{name: a}]\n  mappings: [{function: f, queue: b}]', /sandbox\.mappings\.0\.queue: no queue named b in sandbox\.queues/],
    ['a mapping naming two sources', 'queues: [{name: a}]\n  streams: [{name: s}]\n  mappings: [{function: f, queue: a, stream: s}]', /sandbox\.mappings\.0: name exactly one source/],
    ['a mapping with FunctionName', 'queues: [{name: a}]\n  mappings: [{function: f, queue: a, FunctionName: f}]', /sandbox\.mappings\.0\.FunctionName: name the function with `function:`/],
    ['an on-failure queue not declared', 'streams: [{name: s}]\n  mappings: [{function: f, stream: s, onFailure: nope}]', /sandbox\.mappings\.0\.onFailure: no queue named nope/],
    ['a FIFO queue without .fifo', 'queues: [{name: a, fifo: true}]', /sandbox\.queues\.0: a FIFO queue's name ends in \.fifo/],
    ["a FIFO queue's standard DLQ", "queues: [{name: a.fifo, dlq: {name: d}}]", /sandbox\.queues\.0\.dlq\.name: a FIFO queue's dead-letter queue is a FIFO queue/],
    ['a table key of three attributes', 'tables: [{name: tab, key: {a: S, b: S, c: S}}]', /sandbox\.tables\.0\.key: a key is one attribute/],
    ['a misspelt key', 'queus: []', /sandbox\.queus: is not a known setting \(did you mean `sandbox\.queues`\?\)/],
  ])('refuses %s, naming the key', (_, section, message) => {
    const load = configFrom(`functions: { f: { builtin: noop } }\nsandbox:\n  ${section}\n`);
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(message);
  });

  it('decides which emulators to start from what it declares; --no-dynamodb leaves tables out with a note', () => {
    const config = configFrom('sandbox:\n  queues: [{name: a}]\n  tables: [{name: tab}]\n')();
    expect(planSandbox(config, { hasRedisServer: true, hasJava: true })).toMatchObject({ sources: ['sqs', 'dynamodb'], emulate: ['sqs', 'dynamodb'] });
    expect(planSandbox(config, { hasRedisServer: true, hasJava: true, noDynamodb: true })).toMatchObject({
      sources: ['sqs'],
      emulate: ['sqs'],
      notes: ['DynamoDB skipped (--no-dynamodb)'],
    });
  });
});

describe('mappingRequests', () => {
  it('fills in the ARNs of the named resources, LATEST for streams unless said, the on-failure queue as DestinationConfig', () => {
    const spec = configFrom(FULL)().sandbox!;
    const requests = mappingRequests(spec, RESOURCES);
    expect(requests.map((entry) => ('request' in entry ? entry.request : entry))).toEqual([
      { FunctionName: 'orders', EventSourceArn: RESOURCES.queues![0]!.arn, BatchSize: 5 },
      {
        FunctionName: 'orders',
        EventSourceArn: RESOURCES.streams![0]!.arn,
        StartingPosition: 'TRIM_HORIZON',
        BisectBatchOnFunctionError: true,
        DestinationConfig: { OnFailure: { Destination: RESOURCES.queues![3]!.arn } },
      },
      { FunctionName: 'orders', EventSourceArn: RESOURCES.tables![0]!.streamArn, StartingPosition: 'LATEST' },
    ]);
  });

  it('leaves out, with one line, the mappings of a service that is not running', () => {
    const spec = configFrom(FULL)().sandbox!;
    const [, , table] = mappingRequests(spec, { ...RESOURCES, tables: [] });
    expect(table).toEqual({ index: 2, label: 'sandbox.mappings[2] (carts -> orders)', skipped: 'sandbox.mappings[2] (carts -> orders) skipped: dynamodb is not running (see the notes above)' });
  });
});

describe('updateFor', () => {
  const request = { FunctionName: 'orders', EventSourceArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/clicks', StartingPosition: 'LATEST' as const, BatchSize: 5, FunctionResponseTypes: ['ReportBatchItemFailures' as const] };

  it('nothing when the existing mapping has the declared settings (its other fields do not count)', () => {
    expect(updateFor('u', request, { ...request, StartingPosition: 'TRIM_HORIZON', MaximumRetryAttempts: -1, State: 'Enabled' })).toBeUndefined();
  });

  it('the declared settings that differ, never the ones Update cannot change', () => {
    expect(updateFor('u', request, { ...request, BatchSize: 100, FunctionResponseTypes: [] })).toEqual({ UUID: 'u', BatchSize: 5, FunctionResponseTypes: ['ReportBatchItemFailures'] });
  });
});
