/**
 * Phase D checks (api.md §9, V17–V37): each rule's exact message, its boundary (± 1) and
 * the order in which the first failure wins.
 */
import { describe, expect, it } from 'vitest';
import { checkLambdaRules, type RuleContext } from '../../../src/mappings/lambda-rules.js';
import type { MappingSettings } from '../../../src/mappings/model.js';

const SQS = 'arn:aws:sqs:us-east-1:123456789012:orders';
const FIFO = 'arn:aws:sqs:us-east-1:123456789012:orders.fifo';
const KINESIS = 'arn:aws:kinesis:us-east-1:123456789012:stream/clicks';
const DYNAMODB = 'arn:aws:dynamodb:us-east-1:123456789012:table/users/stream/2024-01-01T00:00:00.000';
const NOW = 1_700_000_000;
const create: RuleContext = { operation: 'create', maxFilters: 5, nowSeconds: NOW };

/** The message of the InvalidParameterValueException the rules throw, or undefined when they pass. */
function failure(settings: MappingSettings, context: RuleContext = create): string | undefined {
  try {
    checkLambdaRules(settings, context);
    return undefined;
  } catch (error) {
    expect(error).toMatchObject({ type: 'InvalidParameterValueException', status: 400 });
    return (error as Error).message;
  }
}

const sqs = (extra: MappingSettings = {}): MappingSettings => ({ EventSourceArn: SQS, ...extra });
const kinesis = (extra: MappingSettings = {}): MappingSettings => ({ EventSourceArn: KINESIS, StartingPosition: 'LATEST', ...extra });
const dynamodb = (extra: MappingSettings = {}): MappingSettings => ({ EventSourceArn: DYNAMODB, StartingPosition: 'TRIM_HORIZON', ...extra });

const UNSUPPORTED_DESTINATION = 'Unsupported DestinationConfig parameter for given event source mapping type.';

describe('checkLambdaRules: valid settings', () => {
  it('returns the parsed source for each source type', () => {
    expect(checkLambdaRules(sqs(), create)).toMatchObject({ type: 'sqs', name: 'orders', fifo: false });
    expect(checkLambdaRules({ EventSourceArn: FIFO }, create)).toMatchObject({ type: 'sqs', fifo: true });
    expect(checkLambdaRules(kinesis(), create)).toMatchObject({ type: 'kinesis', name: 'clicks' });
    expect(checkLambdaRules(dynamodb(), create)).toMatchObject({ type: 'dynamodb', name: 'users' });
  });
});

describe('V17–V19: destination on success and the source ARN', () => {
  it('V17: OnSuccess is refused on every source, before the ARN is looked at', () => {
    const onSuccess = { DestinationConfig: { OnSuccess: { Destination: 'arn:aws:sqs:us-east-1:123456789012:ok' } } };
    expect(failure(kinesis(onSuccess))).toBe(UNSUPPORTED_DESTINATION);
    expect(failure({ ...onSuccess })).toBe(UNSUPPORTED_DESTINATION);
    // An empty OnSuccess object still counts as present.
    expect(failure(kinesis({ DestinationConfig: { OnSuccess: {} } }))).toBe(UNSUPPORTED_DESTINATION);
  });

  it('V18: no EventSourceArn', () => {
    expect(failure({ FunctionName: 'f' })).toBe('Unrecognized event source.');
  });

  it.each([
    'arn:aws:lambda:us-east-1:123456789012:function:f',
    'arn:aws:kafka:us-east-1:123456789012:cluster/c/1',
    'arn:aws:sqs:us-east-1:123456789012:',
    'not-an-arn',
  ])('V19: %s is not a source', (arn) => {
    expect(failure({ EventSourceArn: arn })).toBe('Unrecognized event source.');
  });
});

describe('V20–V22: members the source does not accept', () => {
  it('V20: SQS with StartingPosition', () => {
    expect(failure(sqs({ StartingPosition: 'LATEST' }))).toBe('StartingPosition is not valid for SQS event sources.');
  });

  it('V21: SQS with any DestinationConfig, even an empty one', () => {
    expect(failure(sqs({ DestinationConfig: {} }))).toBe(UNSUPPORTED_DESTINATION);
    expect(failure(sqs({ DestinationConfig: { OnFailure: { Destination: 'arn:aws:sqs:us-east-1:123456789012:dlq' } } }))).toBe(
      UNSUPPORTED_DESTINATION,
    );
  });

  it.each([
    ['StartingPositionTimestamp', 'startingPositionTimestamp', 1],
    ['ParallelizationFactor', 'parallelizationFactor', 2],
    ['MaximumRetryAttempts', 'maximumRetryAttempts', 3],
    ['MaximumRecordAgeInSeconds', 'maximumRecordAgeInSeconds', 60],
    ['BisectBatchOnFunctionError', 'bisectBatchOnFunctionError', false],
    ['TumblingWindowInSeconds', 'tumblingWindowInSeconds', 0],
  ] as const)('V22: SQS refuses %s', (member, camel, value) => {
    expect(failure(sqs({ [member]: value }))).toBe(`Unsupported '${camel}' parameter for given event source mapping type.`);
  });

  it.each([
    ['ScalingConfig', 'scalingConfig'],
    ['ProvisionedPollerConfig', 'provisionedPollerConfig'],
  ] as const)('V22: streams refuse %s', (member, camel) => {
    const message = `Unsupported '${camel}' parameter for given event source mapping type.`;
    expect(failure(kinesis({ [member]: {} }))).toBe(message);
    expect(failure(dynamodb({ [member]: {} }))).toBe(message);
  });

  it.each([
    ['Topics', 'topics'],
    ['Queues', 'queues'],
    ['SourceAccessConfigurations', 'sourceAccessConfigurations'],
    ['SelfManagedEventSource', 'selfManagedEventSource'],
    ['SelfManagedKafkaEventSourceConfig', 'selfManagedKafkaEventSourceConfig'],
    ['AmazonManagedKafkaEventSourceConfig', 'amazonManagedKafkaEventSourceConfig'],
    ['DocumentDBEventSourceConfig', 'documentDBEventSourceConfig'],
    ['LoggingConfig', 'loggingConfig'],
  ] as const)('V22: every source refuses %s', (member, camel) => {
    const message = `Unsupported '${camel}' parameter for given event source mapping type.`;
    expect(failure(sqs({ [member]: [] }))).toBe(message);
    expect(failure(kinesis({ [member]: [] }))).toBe(message);
  });

  it('V22: the first offending member in §3 order is named', () => {
    expect(failure(sqs({ TumblingWindowInSeconds: 1, ParallelizationFactor: 2, Topics: [] }))).toBe(
      "Unsupported 'parallelizationFactor' parameter for given event source mapping type.",
    );
    expect(failure(kinesis({ ProvisionedPollerConfig: {}, ScalingConfig: {} }))).toBe(
      "Unsupported 'scalingConfig' parameter for given event source mapping type.",
    );
  });
});

describe('V23–V26: starting position of streams', () => {
  it('V23: a stream without StartingPosition', () => {
    const message = "1 validation error detected: Value null at 'startingPosition' failed to satisfy constraint: Member must not be null.";
    expect(failure({ EventSourceArn: KINESIS })).toBe(message);
    expect(failure({ EventSourceArn: DYNAMODB })).toBe(message);
  });

  it('V24: DynamoDB refuses AT_TIMESTAMP and names the ARN', () => {
    expect(failure(dynamodb({ StartingPosition: 'AT_TIMESTAMP', StartingPositionTimestamp: NOW }))).toBe(
      `Unsupported starting position for arn type: ${DYNAMODB}`,
    );
  });

  it('V25: Kinesis AT_TIMESTAMP needs a timestamp', () => {
    expect(failure(kinesis({ StartingPosition: 'AT_TIMESTAMP' }))).toBe('Need to specify a timestamp');
  });

  it('V26: the timestamp may be now but not one second later', () => {
    expect(failure(kinesis({ StartingPosition: 'AT_TIMESTAMP', StartingPositionTimestamp: NOW }))).toBeUndefined();
    expect(failure(kinesis({ StartingPosition: 'AT_TIMESTAMP', StartingPositionTimestamp: NOW + 1 }))).toBe(
      'StartingPositionTimestamp cannot be in the future.',
    );
  });

  it('a timestamp with another starting position is not checked', () => {
    expect(failure(kinesis({ StartingPosition: 'LATEST', StartingPositionTimestamp: NOW + 1000 }))).toBeUndefined();
  });
});

describe('V27–V29: SQS batch size and window', () => {
  const fifo = (extra: MappingSettings = {}): MappingSettings => ({ EventSourceArn: FIFO, ...extra });

  it('V27: FIFO batch size 10 passes, 11 fails', () => {
    expect(failure(fifo({ BatchSize: 10 }))).toBeUndefined();
    expect(failure(fifo({ BatchSize: 11, MaximumBatchingWindowInSeconds: 1 }))).toBe('Batch size cannot be greater than 10 for an SQS FIFO queue.');
  });

  it('V28: FIFO window 0 passes, 1 fails', () => {
    expect(failure(fifo({ MaximumBatchingWindowInSeconds: 0 }))).toBeUndefined();
    expect(failure(fifo({ MaximumBatchingWindowInSeconds: 1 }))).toBe('Batching window is not supported for FIFO queues');
  });

  it('V29: standard queue, batch size above 10 needs a window', () => {
    const message = 'Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10';
    expect(failure(sqs({ BatchSize: 10 }))).toBeUndefined();
    expect(failure(sqs({ BatchSize: 11 }))).toBe(message);
    expect(failure(sqs({ BatchSize: 11, MaximumBatchingWindowInSeconds: 0 }))).toBe(message);
    expect(failure(sqs({ BatchSize: 11, MaximumBatchingWindowInSeconds: 1 }))).toBeUndefined();
  });

  it('streams may have a batch size above 10 without a window', () => {
    expect(failure(kinesis({ BatchSize: 10000 }))).toBeUndefined();
  });
});

describe('V30: record age of streams', () => {
  const message = 'MaximumRecordAgeInSeconds must be either -1 (forever) or between 60 and 604800 (inclusive)';
  it.each([
    [-1, undefined],
    [0, message],
    [59, message],
    [60, undefined],
  ])('%i', (age, expected) => {
    expect(failure(kinesis({ MaximumRecordAgeInSeconds: age }))).toBe(expected);
    expect(failure(dynamodb({ MaximumRecordAgeInSeconds: age }))).toBe(expected);
  });
});

describe('V31–V32: SQS pollers and scaling', () => {
  const pollers = (MinimumPollers?: number, MaximumPollers?: number): MappingSettings =>
    sqs({ ProvisionedPollerConfig: { MinimumPollers, MaximumPollers } });
  const V32 =
    'MinimumPollers must be between 2 and 200 and MaximumPollers between 2 and 2000, with MinimumPollers not greater than MaximumPollers.';

  it('V31: both set fails; empty objects count as not set', () => {
    expect(failure(sqs({ ScalingConfig: { MaximumConcurrency: 5 }, ProvisionedPollerConfig: { MinimumPollers: 2 } }))).toBe(
      'ScalingConfig and ProvisionedPollerConfig cannot be specified together.',
    );
    expect(failure(sqs({ ScalingConfig: { MaximumConcurrency: 5 }, ProvisionedPollerConfig: { MaximumPollers: 20 } }))).toBe(
      'ScalingConfig and ProvisionedPollerConfig cannot be specified together.',
    );
    expect(failure(sqs({ ScalingConfig: {}, ProvisionedPollerConfig: { MinimumPollers: 2 } }))).toBeUndefined();
    expect(failure(sqs({ ScalingConfig: { MaximumConcurrency: 5 }, ProvisionedPollerConfig: {} }))).toBeUndefined();
  });

  it.each([
    [2, 2, undefined],
    [1, 2, V32],
    [200, 2000, undefined],
    [201, 2000, V32],
    [2, 1, V32],
    [2, 2001, V32],
    [3, 2, V32],
  ])('V32: minimum %i, maximum %i', (min, max, expected) => {
    expect(failure(pollers(min, max))).toBe(expected);
  });

  it('V32: a missing bound takes its default before the range check', () => {
    // The model's defaults are 2 and 200: a lone maximum of 2 meets the default minimum,
    // a lone minimum of 200 meets the default maximum.
    expect(failure(pollers(undefined, 2))).toBeUndefined();
    expect(failure(pollers(undefined, 1))).toBe(V32);
    expect(failure(pollers(200, undefined))).toBeUndefined();
    expect(failure(pollers(1, undefined))).toBe(V32);
  });
});

describe('V33: tumbling window with parallelization', () => {
  const message = 'TumblingWindowInSeconds cannot be used with a ParallelizationFactor greater than 1.';
  it.each([
    [1, 2, message],
    [1, 1, undefined],
    [0, 2, undefined],
    [1, undefined, undefined],
  ])('window %i, factor %s', (window, factor, expected) => {
    expect(failure(kinesis({ TumblingWindowInSeconds: window, ParallelizationFactor: factor }))).toBe(expected);
    expect(failure(dynamodb({ TumblingWindowInSeconds: window, ParallelizationFactor: factor }))).toBe(expected);
  });
});

describe('V34: on-failure destination type', () => {
  it.each([
    'arn:aws:sqs:us-east-1:123456789012:dlq',
    'arn:aws:sns:us-east-1:123456789012:topic',
    'arn:aws:s3:::bucket',
    'arn:aws-cn:sqs:cn-north-1:123456789012:dlq',
    '',
  ])('%j is accepted', (destination) => {
    expect(failure(kinesis({ DestinationConfig: { OnFailure: { Destination: destination } } }))).toBeUndefined();
  });

  it.each([
    'arn:aws:lambda:us-east-1:123456789012:function:f',
    'arn:aws:kinesis:us-east-1:123456789012:stream/s',
    'xarn:aws:sqs:us-east-1:123456789012:dlq',
    'arn:aws:sqsx:us-east-1:123456789012:dlq',
  ])('%s is refused', (destination) => {
    expect(failure(kinesis({ DestinationConfig: { OnFailure: { Destination: destination } } }))).toBe(
      `Unsupported destination type for OnFailure: ${destination}`,
    );
  });
});

describe('V35–V37: metrics and filters', () => {
  it('V35: only EventCount is supported', () => {
    const message = "Unsupported 'metricsConfig' parameter for given event source mapping type.";
    expect(failure(sqs({ MetricsConfig: { Metrics: ['EventCount'] } }))).toBeUndefined();
    expect(failure(sqs({ MetricsConfig: { Metrics: [] } }))).toBeUndefined();
    expect(failure(sqs({ MetricsConfig: {} }))).toBeUndefined();
    expect(failure(sqs({ MetricsConfig: { Metrics: ['EventCount', 'ErrorCount'] } }))).toBe(message);
    expect(failure(kinesis({ MetricsConfig: { Metrics: ['KafkaMetrics'] } }))).toBe(message);
  });

  const filters = (count: number) => ({ FilterCriteria: { Filters: Array.from({ length: count }, () => ({ Pattern: '{"body":{"a":[1]}}' })) } });

  it('V36: as many filters as the quota pass, one more fails with the quota named', () => {
    expect(failure(sqs(filters(5)))).toBeUndefined();
    expect(failure(sqs(filters(6)))).toBe('The number of filters in FilterCriteria exceeds the limit of 5.');
    expect(failure(sqs(filters(7)), { ...create, maxFilters: 6 })).toBe('The number of filters in FilterCriteria exceeds the limit of 6.');
  });

  it.each(['not json', '"simple string"', 'null', '{"eventSource":"aws:sqs"}', '{"eventSource":[]}', '', '{}'])(
    'V37: pattern %j is invalid',
    (pattern) => {
      expect(failure(sqs({ FilterCriteria: { Filters: [{ Pattern: pattern }] } }))).toBe('Invalid filter pattern definition.');
    },
  );

  it('V37: a filter without a Pattern is invalid', () => {
    expect(failure(sqs({ FilterCriteria: { Filters: [{}] } }))).toBe('Invalid filter pattern definition.');
  });

  it('V37: a stream data key must hold an object', () => {
    expect(failure(kinesis({ FilterCriteria: { Filters: [{ Pattern: '{"data":{"a":[1]}}' }] } }))).toBeUndefined();
    expect(failure(kinesis({ FilterCriteria: { Filters: [{ Pattern: '{"data":[1]}' }] } }))).toBe('Invalid filter pattern definition.');
  });
});

describe('order of the checks (api.md §10)', () => {
  it('the earlier rule wins when several fail', () => {
    // V20 before V21 before V22.
    expect(failure(sqs({ StartingPosition: 'LATEST', DestinationConfig: {}, ParallelizationFactor: 2 }))).toBe(
      'StartingPosition is not valid for SQS event sources.',
    );
    expect(failure(sqs({ DestinationConfig: {}, ParallelizationFactor: 2 }))).toBe(UNSUPPORTED_DESTINATION);
    // V22 before V29; V27 before V28.
    expect(failure(sqs({ BatchSize: 11, ParallelizationFactor: 2 }))).toBe(
      "Unsupported 'parallelizationFactor' parameter for given event source mapping type.",
    );
    expect(failure({ EventSourceArn: FIFO, BatchSize: 11, MaximumBatchingWindowInSeconds: 1 })).toBe(
      'Batch size cannot be greater than 10 for an SQS FIFO queue.',
    );
    // V36 before V37.
    expect(failure(sqs({ FilterCriteria: { Filters: Array.from({ length: 6 }, () => ({ Pattern: 'bad' })) } }))).toBe(
      'The number of filters in FilterCriteria exceeds the limit of 5.',
    );
    // V34 before V35.
    expect(
      failure(kinesis({ DestinationConfig: { OnFailure: { Destination: 'arn:aws:lambda:us-east-1:1:function:f' } }, MetricsConfig: { Metrics: ['ErrorCount'] } })),
    ).toBe('Unsupported destination type for OnFailure: arn:aws:lambda:us-east-1:1:function:f');
  });
});
