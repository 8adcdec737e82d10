/**
 * Create / Get / Update / Delete through @aws-sdk/client-lambda against a running Sluice:
 * response shapes and defaults per source (api.md §7), state transitions (§6).
 */
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import {
  CreateEventSourceMappingCommand,
  DeleteEventSourceMappingCommand,
  GetEventSourceMappingCommand,
  ResourceNotFoundException,
  UpdateEventSourceMappingCommand,
} from '@aws-sdk/client-lambda';
import { createQueue, createStream, createTableWithStream, pollUntil } from '../support/index.js';
import { SLUICE_ACCOUNT_ID, startTestSluice, waitForState, type TestSluice } from '../support/sluice.js';

let sluice: TestSluice;
beforeAll(async () => {
  sluice = await startTestSluice();
});
afterAll(async () => {
  await sluice?.stop();
});

const uuidV4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const functionArn = `arn:aws:lambda:us-east-1:${SLUICE_ACCOUNT_ID}:function:my-function`;

/** The response body as the server sent it, with the SDK's Date turned back into epoch seconds. */
async function rawGet(uuid: string): Promise<Record<string, unknown>> {
  const response = await fetch(`${sluice.url}/2015-03-31/event-source-mappings/${uuid}`);
  expect(response.headers.get('x-amzn-requestid')).toMatch(uuidV4);
  return (await response.json()) as Record<string, unknown>;
}

async function stateOf(uuid: string): Promise<string | undefined> {
  return (await sluice.lambda.send(new GetEventSourceMappingCommand({ UUID: uuid }))).State;
}

describe('SQS mapping lifecycle', () => {
  it('creates with the SQS defaults and settles to Enabled', async () => {
    const queue = await createQueue();
    onTestFinished(queue.cleanup);
    const before = Date.now() / 1000;
    const created = await sluice.lambda.send(
      new CreateEventSourceMappingCommand({ FunctionName: 'my-function', EventSourceArn: queue.queueArn }),
    );
    expect(created.State).toBe('Creating');
    expect(created.UUID).toMatch(uuidV4);
    const raw = await rawGet(created.UUID!);
    expect(Object.keys(raw).sort()).toEqual(
      [
        'BatchSize', 'EventSourceArn', 'EventSourceMappingArn', 'FunctionArn', 'FunctionResponseTypes', 'LastModified',
        'MaximumBatchingWindowInSeconds', 'State', 'StateTransitionReason', 'UUID',
      ].sort(),
    );
    expect(raw).toMatchObject({
      BatchSize: 10,
      EventSourceArn: queue.queueArn,
      EventSourceMappingArn: `arn:aws:lambda:us-east-1:${SLUICE_ACCOUNT_ID}:event-source-mapping:${created.UUID}`,
      FunctionArn: functionArn,
      FunctionResponseTypes: [],
      MaximumBatchingWindowInSeconds: 0,
      StateTransitionReason: 'USER_INITIATED',
    });
    expect(typeof raw.LastModified).toBe('number');
    expect(raw.LastModified as number).toBeGreaterThanOrEqual(before - 1);
    await waitForState(sluice.lambda, created.UUID!, 'Enabled');
  });

  it('creates Disabled with Enabled: false, enables, updates, disables and deletes', async () => {
    const queue = await createQueue();
    onTestFinished(queue.cleanup);
    const created = await sluice.lambda.send(
      new CreateEventSourceMappingCommand({ FunctionName: 'my-function', EventSourceArn: queue.queueArn, Enabled: false }),
    );
    expect(created.State).toBe('Disabled');
    const uuid = created.UUID!;

    const updatedDisabled = await sluice.lambda.send(new UpdateEventSourceMappingCommand({ UUID: uuid, BatchSize: 5 }));
    expect(updatedDisabled.State).toBe('Updating');
    expect(updatedDisabled.BatchSize).toBe(5);
    await waitForState(sluice.lambda, uuid, 'Disabled');

    const enabling = await sluice.lambda.send(new UpdateEventSourceMappingCommand({ UUID: uuid, Enabled: true }));
    expect(enabling.State).toBe('Enabling');
    await waitForState(sluice.lambda, uuid, 'Enabled');

    const updating = await sluice.lambda.send(
      new UpdateEventSourceMappingCommand({ UUID: uuid, Enabled: true, ScalingConfig: { MaximumConcurrency: 3 } }),
    );
    expect(updating.State).toBe('Updating');
    expect(updating.ScalingConfig).toEqual({ MaximumConcurrency: 3 });
    expect(updating.BatchSize).toBe(5);
    await waitForState(sluice.lambda, uuid, 'Enabled');

    const disabling = await sluice.lambda.send(new UpdateEventSourceMappingCommand({ UUID: uuid, Enabled: false }));
    expect(disabling.State).toBe('Disabling');
    await waitForState(sluice.lambda, uuid, 'Disabled');

    const lastModifiedBefore = (await rawGet(uuid)).LastModified as number;
    const deleting = await sluice.lambda.send(new DeleteEventSourceMappingCommand({ UUID: uuid }));
    expect(deleting.State).toBe('Deleting');
    expect(deleting.LastModified!.getTime() / 1000).toBeGreaterThanOrEqual(lastModifiedBefore);
    await pollUntil(
      async () => {
        try {
          await stateOf(uuid);
          return false;
        } catch (error) {
          return error instanceof ResourceNotFoundException;
        }
      },
      { description: 'Deleting -> removed' },
    );
  });
});

describe('stream mapping defaults', () => {
  it('Kinesis: every stream field with its default, LastProcessingResult, User action', async () => {
    const stream = await createStream();
    onTestFinished(stream.cleanup);
    const created = await sluice.lambda.send(
      new CreateEventSourceMappingCommand({ FunctionName: 'my-function', EventSourceArn: stream.streamArn, StartingPosition: 'LATEST' }),
    );
    const raw = await rawGet(created.UUID!);
    expect(raw).toEqual({
      BatchSize: 100,
      BisectBatchOnFunctionError: false,
      DestinationConfig: { OnFailure: {} },
      EventSourceArn: stream.streamArn,
      EventSourceMappingArn: `arn:aws:lambda:us-east-1:${SLUICE_ACCOUNT_ID}:event-source-mapping:${created.UUID}`,
      FunctionArn: functionArn,
      FunctionResponseTypes: [],
      LastModified: raw.LastModified,
      LastProcessingResult: 'No records processed',
      MaximumBatchingWindowInSeconds: 0,
      MaximumRecordAgeInSeconds: -1,
      MaximumRetryAttempts: -1,
      ParallelizationFactor: 1,
      StartingPosition: 'LATEST',
      State: raw.State,
      StateTransitionReason: 'User action',
      TumblingWindowInSeconds: 0,
      UUID: created.UUID,
    });
    expect(['Creating', 'Enabled']).toContain(raw.State);
  });

  it('Kinesis AT_TIMESTAMP keeps StartingPositionTimestamp as epoch seconds', async () => {
    const stream = await createStream();
    onTestFinished(stream.cleanup);
    const at = new Date(Date.now() - 60_000);
    const created = await sluice.lambda.send(
      new CreateEventSourceMappingCommand({
        FunctionName: 'my-function',
        EventSourceArn: stream.streamArn,
        StartingPosition: 'AT_TIMESTAMP',
        StartingPositionTimestamp: at,
      }),
    );
    expect(created.StartingPositionTimestamp?.getTime()).toBe(at.getTime());
    expect((await rawGet(created.UUID!)).StartingPositionTimestamp).toBe(at.getTime() / 1000);
  });

  it('DynamoDB Streams (DynamoDB Local ARN with region ddblocal), with a destination and settings', async () => {
    const table = await createTableWithStream();
    onTestFinished(table.cleanup);
    const created = await sluice.lambda.send(
      new CreateEventSourceMappingCommand({
        FunctionName: 'my-function',
        EventSourceArn: table.streamArn,
        StartingPosition: 'TRIM_HORIZON',
        BatchSize: 1000,
        MaximumBatchingWindowInSeconds: 5,
        MaximumRetryAttempts: 2,
        MaximumRecordAgeInSeconds: 60,
        BisectBatchOnFunctionError: true,
        ParallelizationFactor: 4,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        DestinationConfig: { OnFailure: { Destination: 'arn:aws:sqs:us-east-1:000000000000:failures' } },
        FilterCriteria: { Filters: [{ Pattern: '{"eventName": ["INSERT"]}' }] },
        MetricsConfig: { Metrics: ['EventCount'] },
        KMSKeyArn: 'arn:aws:kms:us-east-1:000000000000:key/1234',
      }),
    );
    const raw = await rawGet(created.UUID!);
    expect(raw).toMatchObject({
      EventSourceArn: table.streamArn,
      BatchSize: 1000,
      MaximumBatchingWindowInSeconds: 5,
      MaximumRetryAttempts: 2,
      MaximumRecordAgeInSeconds: 60,
      BisectBatchOnFunctionError: true,
      ParallelizationFactor: 4,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      DestinationConfig: { OnFailure: { Destination: 'arn:aws:sqs:us-east-1:000000000000:failures' } },
      FilterCriteria: { Filters: [{ Pattern: '{"eventName": ["INSERT"]}' }] },
      MetricsConfig: { Metrics: ['EventCount'] },
      KMSKeyArn: 'arn:aws:kms:us-east-1:000000000000:key/1234',
      StateTransitionReason: 'User action',
      LastProcessingResult: 'No records processed',
    });
  });
});
