import { describe, expect, it } from 'vitest';
import type { StoredMapping, MappingSettings } from '../../../src/mappings/model.js';
import { resolveRuntimeSettings, resolveSqsRuntimeSettings, resolveStreamRuntimeSettings } from '../../../src/mappings/runtime-settings.js';

const defaults = { defaultMaximumConcurrency: 7 };

function stored(sourceType: StoredMapping['sourceType'], settings: MappingSettings, fifo = false): StoredMapping {
  const arn =
    sourceType === 'sqs'
      ? 'arn:aws:sqs:us-east-1:000000000000:orders'
      : sourceType === 'kinesis'
        ? 'arn:aws:kinesis:us-east-1:000000000000:stream/clicks'
        : 'arn:aws:dynamodb:us-east-1:000000000000:table/t/stream/2026-01-01T00:00:00.000';
  return {
    UUID: 'a1b2c3d4-0000-4000-8000-000000000000',
    EventSourceMappingArn: 'arn:aws:lambda:us-east-1:000000000000:event-source-mapping:a1b2c3d4-0000-4000-8000-000000000000',
    EventSourceArn: arn,
    FunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:f',
    sourceType,
    fifo,
    State: 'Enabled',
    generation: 1,
    enabled: true,
    LastModified: 1,
    createdAt: 1,
    settings,
  };
}

describe('resolveRuntimeSettings', () => {
  it('defaults an SQS mapping: 10 per batch, no window, no RBIF, no filter, the configured cap', () => {
    expect(resolveRuntimeSettings(stored('sqs', {}), defaults)).toEqual({
      sourceType: 'sqs',
      mappingId: 'a1b2c3d4-0000-4000-8000-000000000000',
      functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:f',
      eventSourceArn: 'arn:aws:sqs:us-east-1:000000000000:orders',
      batchSize: 10,
      windowSeconds: 0,
      reportBatchItemFailures: false,
      filterPatterns: [],
      maximumConcurrency: 7,
    });
  });

  it.each(['kinesis', 'dynamodb'] as const)('defaults a %s mapping: 100 per batch, retries until expiry, one lane', (sourceType) => {
    expect(resolveRuntimeSettings(stored(sourceType, { StartingPosition: 'TRIM_HORIZON' }), defaults)).toMatchObject({
      sourceType,
      batchSize: 100,
      windowSeconds: 0,
      reportBatchItemFailures: false,
      filterPatterns: [],
      startingPosition: 'TRIM_HORIZON',
      maximumRetryAttempts: -1,
      maximumRecordAgeInSeconds: -1,
      bisectBatchOnFunctionError: false,
      parallelizationFactor: 1,
      tumblingWindowSeconds: 0,
    });
    const resolved = resolveRuntimeSettings(stored(sourceType, { StartingPosition: 'TRIM_HORIZON' }), defaults);
    expect(resolved).not.toHaveProperty('onFailureDestination');
    expect(resolved).not.toHaveProperty('startingPositionTimestamp');
    expect(resolved).not.toHaveProperty('maximumConcurrency');
  });

  it('keeps every stream setting the mapping has, zero and false included', () => {
    const settings: MappingSettings = {
      BatchSize: 1,
      MaximumBatchingWindowInSeconds: 0,
      StartingPosition: 'AT_TIMESTAMP',
      StartingPositionTimestamp: 1700000000.5,
      MaximumRetryAttempts: 0,
      MaximumRecordAgeInSeconds: 60,
      BisectBatchOnFunctionError: true,
      ParallelizationFactor: 10,
      TumblingWindowInSeconds: 0,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      FilterCriteria: { Filters: [{ Pattern: '{"data":{"a":[1]}}' }] },
      DestinationConfig: { OnFailure: { Destination: 'arn:aws:sqs:us-east-1:000000000000:dlq' } },
    };
    expect(resolveRuntimeSettings(stored('kinesis', settings), defaults)).toMatchObject({
      batchSize: 1,
      windowSeconds: 0,
      startingPosition: 'AT_TIMESTAMP',
      startingPositionTimestamp: 1700000000.5,
      maximumRetryAttempts: 0,
      maximumRecordAgeInSeconds: 60,
      bisectBatchOnFunctionError: true,
      parallelizationFactor: 10,
      tumblingWindowSeconds: 0,
      reportBatchItemFailures: true,
      filterPatterns: [{ Pattern: '{"data":{"a":[1]}}' }],
      onFailureDestination: 'arn:aws:sqs:us-east-1:000000000000:dlq',
    });
  });

  it('takes the SQS cap from ScalingConfig, else 10 per provisioned poller, else the default', () => {
    expect(resolveRuntimeSettings(stored('sqs', { ScalingConfig: { MaximumConcurrency: 2 }, ProvisionedPollerConfig: { MaximumPollers: 5 } }), defaults)).toMatchObject({ maximumConcurrency: 2 });
    expect(resolveRuntimeSettings(stored('sqs', { ProvisionedPollerConfig: { MaximumPollers: 5 } }), defaults)).toMatchObject({ maximumConcurrency: 50 });
    expect(resolveRuntimeSettings(stored('sqs', { ScalingConfig: {} }), defaults)).toMatchObject({ maximumConcurrency: 7 });
  });

  it('reads RBIF, batch size and window of an SQS mapping', () => {
    const resolved = resolveRuntimeSettings(
      stored('sqs', { BatchSize: 10000, MaximumBatchingWindowInSeconds: 300, FunctionResponseTypes: ['ReportBatchItemFailures'] }, true),
      defaults,
    );
    expect(resolved).toMatchObject({ batchSize: 10000, windowSeconds: 300, reportBatchItemFailures: true });
  });
});

describe('the per-source resolvers the runners call', () => {
  it('resolve like resolveRuntimeSettings', () => {
    const sqs = stored('sqs', { BatchSize: 5, ScalingConfig: { MaximumConcurrency: 3 } });
    expect(resolveSqsRuntimeSettings(sqs, defaults)).toEqual(resolveRuntimeSettings(sqs, defaults));
    const kinesis = stored('kinesis', { StartingPosition: 'TRIM_HORIZON', ParallelizationFactor: 4 });
    expect(resolveStreamRuntimeSettings(kinesis)).toEqual(resolveRuntimeSettings(kinesis, defaults));
  });

  it('refuse a mapping of the other kind of source, naming it', () => {
    expect(() => resolveSqsRuntimeSettings(stored('dynamodb', {}), defaults)).toThrow('mapping a1b2c3d4-0000-4000-8000-000000000000 reads dynamodb, not sqs');
    expect(() => resolveStreamRuntimeSettings(stored('sqs', {}))).toThrow('mapping a1b2c3d4-0000-4000-8000-000000000000 reads sqs, not a stream');
  });
});
