/**
 * UpdateEventSourceMapping validation (api.md §3.1): the rules run again on the merged
 * configuration, the clearing forms, which existence checks run again, the duplicate
 * check, and a FunctionName change moving the mapping.
 */
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { SetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { DescribeStreamSummaryCommand } from '@aws-sdk/client-kinesis';
import {
  CreateEventSourceMappingCommand,
  ListTagsCommand,
  UpdateEventSourceMappingCommand,
  type CreateEventSourceMappingCommandInput,
  type UpdateEventSourceMappingCommandInput,
} from '@aws-sdk/client-lambda';
import {
  createQueue,
  createStream,
  createTableWithStream,
  kinesisClient,
  pollUntil,
  sqsClient,
} from '../support/index.js';
import { SLUICE_ACCOUNT_ID, startTestSluice, type TestSluice } from '../support/sluice.js';
import { expectInvalidParameter, expectLambdaError, expectValidation, item } from '../support/api-errors.js';

let sluice: TestSluice;
beforeAll(async () => {
  sluice = await startTestSluice();
});
afterAll(async () => {
  await sluice?.stop();
});

const functionArn = (name: string) => `arn:aws:lambda:us-east-1:${SLUICE_ACCOUNT_ID}:function:${name}`;

async function create(input: Partial<CreateEventSourceMappingCommandInput>): Promise<string> {
  const created = await sluice.lambda.send(
    new CreateEventSourceMappingCommand({ FunctionName: 'my-function', ...input }),
  );
  return created.UUID!;
}

const update = (uuid: string, input: Omit<UpdateEventSourceMappingCommandInput, 'UUID'>) =>
  sluice.lambda.send(new UpdateEventSourceMappingCommand({ UUID: uuid, ...input }));

/** The mapping as the server sends it (key presence matters here). */
async function rawGet(uuid: string): Promise<Record<string, unknown>> {
  const response = await fetch(`${sluice.url}/2015-03-31/event-source-mappings/${uuid}`);
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, unknown>;
}

/** Waits until the mapping left its transitional state, and returns it. */
/** UpdateEventSourceMapping with a body the SDK would not send (members it does not model, wrong types). */
function rawUpdate(uuid: string, body: Record<string, unknown>): Promise<Response> {
  return fetch(`${sluice.url}/2015-03-31/event-source-mappings/${uuid}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

async function settled(uuid: string): Promise<Record<string, unknown>> {
  return pollUntil(
    async () => {
      const mapping = await rawGet(uuid);
      return mapping.State === 'Enabled' || mapping.State === 'Disabled' ? mapping : undefined;
    },
    { description: `mapping ${uuid} settled` },
  );
}

/** Drops what changes on every call, to compare configurations. */
function configurationOf(mapping: Record<string, unknown>): Record<string, unknown> {
  const { LastModified: _lastModified, State: _state, LastProcessingResult: _result, ...rest } = mapping;
  return rest;
}

async function newQueue(options: Parameters<typeof createQueue>[0] = {}) {
  const queue = await createQueue(options);
  onTestFinished(queue.cleanup);
  return queue;
}

describe('the rules run again on the merged configuration', () => {
  it('SQS standard: raising BatchSize to 11 with the window at 0 fails V29; nothing is applied', async () => {
    const queue = await newQueue();
    const uuid = await create({ EventSourceArn: queue.queueArn });
    const before = configurationOf(await settled(uuid));
    const v29 = 'Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10';
    await expectInvalidParameter(update(uuid, { BatchSize: 11 }), v29);
    expect(configurationOf(await rawGet(uuid))).toEqual(before);

    // With a window it is fine; then dropping the window back to 0 fails against the stored BatchSize.
    const raised = await update(uuid, { BatchSize: 11, MaximumBatchingWindowInSeconds: 1 });
    expect({ BatchSize: raised.BatchSize, MaximumBatchingWindowInSeconds: raised.MaximumBatchingWindowInSeconds }).toEqual({
      BatchSize: 11,
      MaximumBatchingWindowInSeconds: 1,
    });
    await settled(uuid);
    await expectInvalidParameter(update(uuid, { MaximumBatchingWindowInSeconds: 0 }), v29);
  });

  it('SQS FIFO: V27 and V28 against the stored settings', async () => {
    const queue = await newQueue({ fifo: true });
    const uuid = await create({ EventSourceArn: queue.queueArn, BatchSize: 10 });
    await expectInvalidParameter(update(uuid, { BatchSize: 11 }), 'Batch size cannot be greater than 10 for an SQS FIFO queue.');
    await expectInvalidParameter(update(uuid, { MaximumBatchingWindowInSeconds: 1 }), 'Batching window is not supported for FIFO queues');
  });

  it('SQS: V17, V21, V22, V31, V32, V35, V36, V37, V38 on Update', async () => {
    const queue = await newQueue();
    const uuid = await create({ EventSourceArn: queue.queueArn, ScalingConfig: { MaximumConcurrency: 5 } });
    const before = configurationOf(await settled(uuid));
    await expectInvalidParameter(
      update(uuid, { DestinationConfig: { OnSuccess: { Destination: 'arn:aws:sqs:us-east-1:000000000000:ok' } } }),
      'Unsupported DestinationConfig parameter for given event source mapping type.',
    );
    await expectInvalidParameter(update(uuid, { DestinationConfig: { OnFailure: {} } }), 'Unsupported DestinationConfig parameter for given event source mapping type.');
    await expectInvalidParameter(update(uuid, { ParallelizationFactor: 1 }), "Unsupported 'parallelizationFactor' parameter for given event source mapping type.");
    await expectInvalidParameter(
      update(uuid, { SourceAccessConfigurations: [{ Type: 'BASIC_AUTH', URI: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:s' }] }),
      "Unsupported 'sourceAccessConfigurations' parameter for given event source mapping type.",
    );
    // ScalingConfig is stored: adding ProvisionedPollerConfig alone conflicts with it.
    await expectInvalidParameter(
      update(uuid, { ProvisionedPollerConfig: { MinimumPollers: 2, MaximumPollers: 20 } }),
      'ScalingConfig and ProvisionedPollerConfig cannot be specified together.',
    );
    await expectInvalidParameter(
      update(uuid, { ScalingConfig: {}, ProvisionedPollerConfig: { MinimumPollers: 20, MaximumPollers: 10 } }),
      'MinimumPollers must be between 2 and 200 and MaximumPollers between 2 and 2000, with MinimumPollers not greater than MaximumPollers.',
    );
    await expectInvalidParameter(update(uuid, { MetricsConfig: { Metrics: ['ErrorCount'] } }), "Unsupported 'metricsConfig' parameter for given event source mapping type.");
    await expectInvalidParameter(
      update(uuid, { FilterCriteria: { Filters: Array.from({ length: 6 }, (_, i) => ({ Pattern: `{"body": {"n": [${i}]}}` })) } }),
      'The number of filters in FilterCriteria exceeds the limit of 5.',
    );
    await expectInvalidParameter(update(uuid, { FilterCriteria: { Filters: [{ Pattern: '{"body": "x"}' }] } }), 'Invalid filter pattern definition.');
    await expectInvalidParameter(update(uuid, { FunctionName: 'unknown-function' }), 'Function does not exist');
    await expectInvalidParameter(update(uuid, { FunctionName: `arn:aws:lambda:eu-west-1:${SLUICE_ACCOUNT_ID}:function:my-function` }), 'Function does not exist');
    // Order on Update too: V17 before V38.
    await expectInvalidParameter(
      update(uuid, { FunctionName: 'unknown-function', DestinationConfig: { OnSuccess: { Destination: '' } } }),
      'Unsupported DestinationConfig parameter for given event source mapping type.',
    );
    expect(configurationOf(await rawGet(uuid))).toEqual(before);

    // Replacing ScalingConfig by ProvisionedPollerConfig in one body is fine.
    const swapped = await update(uuid, { ScalingConfig: {}, ProvisionedPollerConfig: { MinimumPollers: 3, MaximumPollers: 30 } });
    expect({ ScalingConfig: swapped.ScalingConfig, ProvisionedPollerConfig: swapped.ProvisionedPollerConfig }).toEqual({
      ScalingConfig: undefined,
      ProvisionedPollerConfig: { MinimumPollers: 3, MaximumPollers: 30 },
    });
  });

  it('Kinesis: V22, V30, V33 (against the stored ParallelizationFactor), V34, V37 for the stream source', async () => {
    const stream = await createStream();
    onTestFinished(stream.cleanup);
    const uuid = await create({ EventSourceArn: stream.streamArn, StartingPosition: 'LATEST', ParallelizationFactor: 2 });
    const before = configurationOf(await settled(uuid));
    await expectInvalidParameter(update(uuid, { ScalingConfig: { MaximumConcurrency: 2 } }), "Unsupported 'scalingConfig' parameter for given event source mapping type.");
    await expectInvalidParameter(update(uuid, { ProvisionedPollerConfig: {} }), "Unsupported 'provisionedPollerConfig' parameter for given event source mapping type.");
    await expectInvalidParameter(
      update(uuid, { MaximumRecordAgeInSeconds: 59 }),
      'MaximumRecordAgeInSeconds must be either -1 (forever) or between 60 and 604800 (inclusive)',
    );
    await expectInvalidParameter(update(uuid, { TumblingWindowInSeconds: 60 }), 'TumblingWindowInSeconds cannot be used with a ParallelizationFactor greater than 1.');
    await expectInvalidParameter(
      update(uuid, { DestinationConfig: { OnFailure: { Destination: 'arn:aws:lambda:us-east-1:000000000000:function:f' } } }),
      'Unsupported destination type for OnFailure: arn:aws:lambda:us-east-1:000000000000:function:f',
    );
    await expectInvalidParameter(update(uuid, { FilterCriteria: { Filters: [{ Pattern: '{"data": ["x"]}' }] } }), 'Invalid filter pattern definition.');
    expect(configurationOf(await rawGet(uuid))).toEqual(before);

    // Lowering ParallelizationFactor in the same body makes the window fine.
    const updated = await update(uuid, { TumblingWindowInSeconds: 60, ParallelizationFactor: 1 });
    expect({ TumblingWindowInSeconds: updated.TumblingWindowInSeconds, ParallelizationFactor: updated.ParallelizationFactor }).toEqual({
      TumblingWindowInSeconds: 60,
      ParallelizationFactor: 1,
    });
    // The stored StartingPosition satisfies V23 on every Update.
    expect(updated.StartingPosition).toBe('LATEST');
  });

  it('phase C on Update: model constraints of the body', async () => {
    const queue = await newQueue();
    const uuid = await create({ EventSourceArn: queue.queueArn });
    await expectValidation(update(uuid, { MaximumBatchingWindowInSeconds: 301, KMSKeyArn: 'bad' }), [
      item('301', 'maximumBatchingWindowInSeconds', 'Member must have value less than or equal to 300'),
      item('bad', 'kMSKeyArn', String.raw`Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:[a-z0-9-.]+:.*)|()`),
    ]);
  });

  it('EventSourceArn, StartingPosition, StartingPositionTimestamp and Tags in an Update body are ignored', async () => {
    const queue = await newQueue();
    const uuid = await create({ EventSourceArn: queue.queueArn });
    await settled(uuid);
    const response = await rawUpdate(uuid, {
        EventSourceArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/other',
        StartingPosition: 'TRIM_HORIZON',
        StartingPositionTimestamp: Date.now() / 1000 - 60,
        Tags: { team: 'x' },
        BatchSize: 4,
      });
    expect(response.status).toBe(202);
    const updated = (await response.json()) as Record<string, unknown>;
    expect(updated).toMatchObject({ EventSourceArn: queue.queueArn, BatchSize: 4 });
    expect(updated).not.toHaveProperty('StartingPosition');
    expect(updated).not.toHaveProperty('StartingPositionTimestamp');
    const tags = await sluice.lambda.send(new ListTagsCommand({ Resource: updated.EventSourceMappingArn as string }));
    expect(tags.Tags).toEqual({});
  });
  it('create-only members of an Update body are ignored whatever they hold (no V3, V7, V8, V14)', async () => {
    const queue = await newQueue();
    const uuid = await create({ EventSourceArn: queue.queueArn });
    await settled(uuid);
    const response = await rawUpdate(uuid, {
        EventSourceArn: 'not-an-arn',
        StartingPosition: 'bogus',
        StartingPositionTimestamp: 'yesterday',
        Tags: { 'bad#key': 1 },
        BatchSize: 6,
      });
    expect(response.status).toBe(202);
    expect((await response.json()) as Record<string, unknown>).toMatchObject({ EventSourceArn: queue.queueArn, BatchSize: 6, State: 'Updating' });
  });
});

describe('clearing forms (api.md §3.1)', () => {
  const filter = { Filters: [{ Pattern: '{"body": {"a": ["b"]}}' }] };

  it('SQS: FilterCriteria {}, ScalingConfig {}, KMSKeyArn "", FunctionResponseTypes [], MetricsConfig {}', async () => {
    const queue = await newQueue();
    const uuid = await create({
      EventSourceArn: queue.queueArn,
      FilterCriteria: filter,
      ScalingConfig: { MaximumConcurrency: 4 },
      KMSKeyArn: 'arn:aws:kms:us-east-1:000000000000:key/k',
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      MetricsConfig: { Metrics: ['EventCount'] },
    });
    expect(await settled(uuid)).toMatchObject({
      FilterCriteria: filter,
      ScalingConfig: { MaximumConcurrency: 4 },
      KMSKeyArn: 'arn:aws:kms:us-east-1:000000000000:key/k',
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      MetricsConfig: { Metrics: ['EventCount'] },
    });
    // Absent fields keep their value.
    await update(uuid, { BatchSize: 3 });
    expect(await settled(uuid)).toMatchObject({ BatchSize: 3, FilterCriteria: filter, ScalingConfig: { MaximumConcurrency: 4 } });

    await update(uuid, { FilterCriteria: {}, ScalingConfig: {}, KMSKeyArn: '', FunctionResponseTypes: [], MetricsConfig: {} });
    const cleared = await settled(uuid);
    for (const key of ['FilterCriteria', 'ScalingConfig', 'KMSKeyArn', 'MetricsConfig']) expect(cleared).not.toHaveProperty(key);
    expect(cleared.FunctionResponseTypes).toEqual([]);
    expect(cleared.BatchSize).toBe(3);
  });

  it('SQS: FilterCriteria {"Filters": []}, ProvisionedPollerConfig {}, MetricsConfig {"Metrics": []}; nested objects are replaced whole', async () => {
    const queue = await newQueue();
    const uuid = await create({
      EventSourceArn: queue.queueArn,
      FilterCriteria: { Filters: [{ Pattern: '{"body": {"a": ["1"]}}' }, { Pattern: '{"body": {"b": ["2"]}}' }] },
      ProvisionedPollerConfig: { MinimumPollers: 5, MaximumPollers: 50 },
      MetricsConfig: { Metrics: ['EventCount'] },
    });
    await settled(uuid);
    // A new filter list replaces the old one; a ProvisionedPollerConfig member left out takes its default.
    await update(uuid, { FilterCriteria: { Filters: [{ Pattern: '{"body": {"c": ["3"]}}' }] }, ProvisionedPollerConfig: { MaximumPollers: 40 } });
    expect(await settled(uuid)).toMatchObject({
      FilterCriteria: { Filters: [{ Pattern: '{"body": {"c": ["3"]}}' }] },
      ProvisionedPollerConfig: { MinimumPollers: 2, MaximumPollers: 40 },
    });

    await update(uuid, { FilterCriteria: { Filters: [] }, ProvisionedPollerConfig: {}, MetricsConfig: { Metrics: [] } });
    const cleared = await settled(uuid);
    for (const key of ['FilterCriteria', 'ProvisionedPollerConfig', 'MetricsConfig']) expect(cleared).not.toHaveProperty(key);
  });

  it('streams: the three DestinationConfig forms remove the destination and show {"OnFailure": {}}', async () => {
    const stream = await createStream();
    onTestFinished(stream.cleanup);
    const destination = { OnFailure: { Destination: 'arn:aws:sqs:us-east-1:000000000000:failures' } };
    const forms = [{ OnFailure: { Destination: '' } }, { OnFailure: {} }, {}];
    const uuids = await Promise.all(
      forms.map((_, i) => create({ FunctionName: `my-function:${i + 1}`, EventSourceArn: stream.streamArn, StartingPosition: 'LATEST', DestinationConfig: destination })),
    );
    await Promise.all(
      uuids.map(async (uuid, i) => {
        expect((await settled(uuid)).DestinationConfig).toEqual(destination);
        const updated = await update(uuid, { DestinationConfig: forms[i] });
        expect(updated.DestinationConfig).toEqual({ OnFailure: {} });
        expect((await settled(uuid)).DestinationConfig).toEqual({ OnFailure: {} });
      }),
    );
  });

  it('DynamoDB: KMSKeyArn "", MetricsConfig {}, FilterCriteria {} and FunctionResponseTypes []', async () => {
    const table = await createTableWithStream();
    onTestFinished(table.cleanup);
    const uuid = await create({
      EventSourceArn: table.streamArn,
      StartingPosition: 'TRIM_HORIZON',
      KMSKeyArn: 'arn:aws:kms:us-east-1:000000000000:key/k',
      MetricsConfig: { Metrics: ['EventCount'] },
      FilterCriteria: { Filters: [{ Pattern: '{"eventName": ["INSERT"]}' }] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    await settled(uuid);
    await update(uuid, { KMSKeyArn: '', MetricsConfig: {}, FilterCriteria: {}, FunctionResponseTypes: [] });
    const cleared = await settled(uuid);
    for (const key of ['KMSKeyArn', 'MetricsConfig', 'FilterCriteria']) expect(cleared).not.toHaveProperty(key);
    expect(cleared.FunctionResponseTypes).toEqual([]);
    expect(cleared.DestinationConfig).toEqual({ OnFailure: {} });
  });
});

describe('existence checks on Update', () => {
  it('V41 runs again only when FunctionName is in the body', async () => {
    const queue = await newQueue({ visibilityTimeoutSeconds: 60 });
    const uuid = await create({ FunctionName: 'slow-function', EventSourceArn: queue.queueArn });
    await settled(uuid);
    await sqsClient().send(new SetQueueAttributesCommand({ QueueUrl: queue.queueUrl, Attributes: { VisibilityTimeout: '10' } }));

    await update(uuid, { BatchSize: 5 });
    await settled(uuid);
    const v41 = 'Queue visibility timeout: 10 seconds is less than Function timeout: 60 seconds';
    // Same function, named again: checked again.
    await expectInvalidParameter(update(uuid, { FunctionName: 'slow-function' }), v41);
    await expectInvalidParameter(update(uuid, { FunctionName: 'slow-function:live', BatchSize: 6 }), v41);
    const moved = await update(uuid, { FunctionName: 'my-function' });
    expect(moved.FunctionArn).toBe(functionArn('my-function'));
  });

  it('V39 does not run on Update: the queue may be gone', async () => {
    const queue = await newQueue();
    const uuid = await create({ EventSourceArn: queue.queueArn });
    await settled(uuid);
    await queue.cleanup();
    expect((await update(uuid, { BatchSize: 2 })).BatchSize).toBe(2);
    await settled(uuid);
    // Even with a FunctionName (no visibility timeout to compare without the queue).
    expect((await update(uuid, { FunctionName: 'slow-function' })).FunctionArn).toBe(functionArn('slow-function'));
  });

  it('V40 does not run on Update: the stream may be gone', async () => {
    const stream = await createStream();
    onTestFinished(stream.cleanup);
    const uuid = await create({ EventSourceArn: stream.streamArn, StartingPosition: 'TRIM_HORIZON' });
    await settled(uuid);
    await stream.cleanup();
    await pollUntil(
      () =>
        kinesisClient()
          .send(new DescribeStreamSummaryCommand({ StreamARN: stream.streamArn }))
          .then(
            () => false,
            (error: Error) => error.name === 'ResourceNotFoundException',
          ),
      { description: 'stream deleted' },
    );
    expect((await update(uuid, { BatchSize: 50, FunctionName: 'other-function' })).FunctionArn).toBe(functionArn('other-function'));
  });
});

describe('FunctionName changes (api.md §3.1, §4)', () => {
  it('moves the mapping: the old pair is free, the new one is taken', async () => {
    const queue = await newQueue();
    const uuid = await create({ EventSourceArn: queue.queueArn });
    await settled(uuid);
    const moved = await update(uuid, { FunctionName: 'other-function:live' });
    expect(moved.FunctionArn).toBe(functionArn('other-function:live'));
    expect((await rawGet(uuid)).FunctionArn).toBe(functionArn('other-function:live'));

    const again = await create({ EventSourceArn: queue.queueArn });
    expect(again).not.toBe(uuid);
    await expectLambdaError(
      create({ FunctionName: `${SLUICE_ACCOUNT_ID}:function:other-function:live`, EventSourceArn: queue.queueArn }),
      'ResourceConflictException',
      `An event source mapping with SQS arn (" ${queue.queueArn} ") and function (" ${SLUICE_ACCOUNT_ID}:function:other-function:live ") already exists. Please update or delete the existing mapping with UUID ${uuid}`,
    );
  });

  it('V42 when the new FunctionArn is held by another mapping of the queue', async () => {
    const queue = await newQueue();
    const holder = await create({ EventSourceArn: queue.queueArn });
    const uuid = await create({ FunctionName: 'other-function', EventSourceArn: queue.queueArn });
    await settled(uuid);
    const sent = functionArn('my-function');
    await expectLambdaError(
      update(uuid, { FunctionName: sent }),
      'ResourceConflictException',
      `An event source mapping with SQS arn (" ${queue.queueArn} ") and function (" ${sent} ") already exists. Please update or delete the existing mapping with UUID ${holder}`,
    );
    expect((await rawGet(uuid)).FunctionArn).toBe(functionArn('other-function'));
  });

  it('V43 when the new FunctionArn is held by another mapping of the stream', async () => {
    const table = await createTableWithStream();
    onTestFinished(table.cleanup);
    const holder = await create({ FunctionName: 'my-function:1', EventSourceArn: table.streamArn, StartingPosition: 'LATEST' });
    const uuid = await create({ FunctionName: 'my-function:2', EventSourceArn: table.streamArn, StartingPosition: 'TRIM_HORIZON' });
    await settled(uuid);
    await expectLambdaError(
      update(uuid, { FunctionName: 'function:my-function:1' }),
      'ResourceConflictException',
      `The event source arn (" ${table.streamArn} ") and function (" function:my-function:1 ") provided mapping already exists. Please update or delete the existing mapping with UUID ${holder}`,
    );
  });

  it('another spelling of the same FunctionArn is no conflict with the mapping itself', async () => {
    const queue = await newQueue();
    const uuid = await create({ EventSourceArn: queue.queueArn });
    await settled(uuid);
    const updated = await update(uuid, { FunctionName: `arn:aws:lambda:us-east-1:${SLUICE_ACCOUNT_ID}:function:my-function`, BatchSize: 9 });
    expect({ FunctionArn: updated.FunctionArn, BatchSize: updated.BatchSize, State: updated.State }).toEqual({
      FunctionArn: functionArn('my-function'),
      BatchSize: 9,
      State: 'Updating',
    });
  });

  // The data-plane half of §3.1 (batches read after the change go to the new target): test/e2e/function-change.test.ts.
});
