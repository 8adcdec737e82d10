/**
 * The stored form of settings and the configuration every operation answers (api.md §3,
 * §3.1 clearing forms, §6.1, §7): defaults per source, which members each source shows,
 * and what "not set" looks like once stored.
 */
import { describe, expect, it } from 'vitest';
import { normaliseSettings, toConfiguration } from '../../../src/mappings/model.js';
import { storedMapping } from '../stored-mapping.js';

const UUID = '00000000-0000-4000-8000-000000000001';

describe('toConfiguration', () => {
  it('an SQS mapping with no settings: SQS defaults, no stream members, no LastProcessingResult', () => {
    const mapping = storedMapping(UUID, { State: 'Enabled', LastModified: 1700000000.5 });
    expect(toConfiguration(mapping)).toEqual({
      UUID,
      EventSourceMappingArn: mapping.EventSourceMappingArn,
      EventSourceArn: mapping.EventSourceArn,
      FunctionArn: mapping.FunctionArn,
      State: 'Enabled',
      StateTransitionReason: 'USER_INITIATED',
      LastModified: 1700000000.5,
      BatchSize: 10,
      MaximumBatchingWindowInSeconds: 0,
      FunctionResponseTypes: [],
    });
  });

  it('an SQS mapping shows its scaling, pollers, filters, KMS key and metrics when set', () => {
    const settings = {
      BatchSize: 5,
      MaximumBatchingWindowInSeconds: 2,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 5 },
      ProvisionedPollerConfig: { MinimumPollers: 2, MaximumPollers: 20 },
      FilterCriteria: { Filters: [{ Pattern: '{}' }] },
      KMSKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/k',
      MetricsConfig: { Metrics: ['EventCount'] },
    };
    expect(toConfiguration(storedMapping(UUID, { settings, LastProcessingResult: 'OK' }))).toMatchObject({ ...settings, LastProcessingResult: 'OK' });
  });

  it('empty filters and metrics are not shown', () => {
    const out = toConfiguration(storedMapping(UUID, { settings: { FilterCriteria: { Filters: [] }, MetricsConfig: { Metrics: [] }, KMSKeyArn: '' } }));
    expect(out).not.toHaveProperty('FilterCriteria');
    expect(out).not.toHaveProperty('MetricsConfig');
    expect(out).not.toHaveProperty('KMSKeyArn');
  });

  it('a stream mapping: stream defaults, its reason words, an empty OnFailure, no SQS members', () => {
    const out = toConfiguration(
      storedMapping(UUID, {
        sourceType: 'kinesis',
        LastProcessingResult: 'No records processed',
        settings: { StartingPosition: 'LATEST', StartingPositionTimestamp: 5, ScalingConfig: { MaximumConcurrency: 5 } },
      }),
    );
    expect(out).toMatchObject({
      StateTransitionReason: 'User action',
      BatchSize: 100,
      StartingPosition: 'LATEST',
      ParallelizationFactor: 1,
      MaximumRetryAttempts: -1,
      MaximumRecordAgeInSeconds: -1,
      BisectBatchOnFunctionError: false,
      TumblingWindowInSeconds: 0,
      DestinationConfig: { OnFailure: {} },
      LastProcessingResult: 'No records processed',
    });
    expect(out).not.toHaveProperty('StartingPositionTimestamp');
    expect(out).not.toHaveProperty('ScalingConfig');
  });

  it('a stream mapping shows its own values, the timestamp with AT_TIMESTAMP and its destination', () => {
    const settings = {
      StartingPosition: 'AT_TIMESTAMP',
      StartingPositionTimestamp: 1700000000,
      BatchSize: 7,
      ParallelizationFactor: 3,
      MaximumRetryAttempts: 2,
      MaximumRecordAgeInSeconds: 60,
      BisectBatchOnFunctionError: true,
      TumblingWindowInSeconds: 30,
      DestinationConfig: { OnFailure: { Destination: 'arn:aws:sqs:us-east-1:123456789012:dlq' } },
    };
    expect(toConfiguration(storedMapping(UUID, { sourceType: 'dynamodb', settings }))).toMatchObject(settings);
  });
});

describe('normaliseSettings', () => {
  it('drops every clearing form (api.md §3.1), Tags and Enabled', () => {
    expect(
      normaliseSettings({
        BatchSize: 5,
        FilterCriteria: {},
        ScalingConfig: {},
        ProvisionedPollerConfig: {},
        DestinationConfig: { OnFailure: { Destination: '' } },
        KMSKeyArn: '',
        MetricsConfig: { Metrics: [] },
        Tags: { a: 'b' },
        Enabled: false,
      }),
    ).toEqual({ BatchSize: 5 });
    expect(normaliseSettings({ FilterCriteria: { Filters: [] }, DestinationConfig: {}, MetricsConfig: {} })).toEqual({});
  });

  it('keeps what is set; fills a half-set ProvisionedPollerConfig with the defaults (2, 200)', () => {
    expect(
      normaliseSettings({
        FilterCriteria: { Filters: [{ Pattern: '{}' }] },
        ScalingConfig: { MaximumConcurrency: 3 },
        ProvisionedPollerConfig: { MaximumPollers: 50 },
        DestinationConfig: { OnFailure: { Destination: 'arn:aws:sqs:us-east-1:123456789012:dlq' }, OnSuccess: { Destination: 'x' } },
        KMSKeyArn: 'k',
        MetricsConfig: { Metrics: ['EventCount'] },
      }),
    ).toEqual({
      FilterCriteria: { Filters: [{ Pattern: '{}' }] },
      ScalingConfig: { MaximumConcurrency: 3 },
      ProvisionedPollerConfig: { MinimumPollers: 2, MaximumPollers: 50 },
      DestinationConfig: { OnFailure: { Destination: 'arn:aws:sqs:us-east-1:123456789012:dlq' } },
      KMSKeyArn: 'k',
      MetricsConfig: { Metrics: ['EventCount'] },
    });
    expect(normaliseSettings({ ProvisionedPollerConfig: { MinimumPollers: 5 } })).toEqual({ ProvisionedPollerConfig: { MinimumPollers: 5, MaximumPollers: 200 } });
  });

  it('keeps StartingPositionTimestamp only with AT_TIMESTAMP', () => {
    expect(normaliseSettings({ StartingPosition: 'AT_TIMESTAMP', StartingPositionTimestamp: 5 })).toEqual({ StartingPosition: 'AT_TIMESTAMP', StartingPositionTimestamp: 5 });
    expect(normaliseSettings({ StartingPosition: 'LATEST', StartingPositionTimestamp: 5 })).toEqual({ StartingPosition: 'LATEST' });
  });

  it('does not change its argument', () => {
    const settings = { Tags: { a: 'b' }, KMSKeyArn: '' };
    normaliseSettings(settings);
    expect(settings).toEqual({ Tags: { a: 'b' }, KMSKeyArn: '' });
  });
});
