/**
 * Validation phase D on Create (api.md §9: V17–V43) and the order of checks (§10), against a
 * running Sluice through @aws-sdk/client-lambda.
 *
 * Most rules run before Sluice looks at the outside world, so they are driven with ARNs
 * of sources that do not exist; a request that passes every rule up to V38 then fails
 * with V39 (queue) or V40 (stream), which is how "accepted" is shown without creating
 * anything.
 */
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { SetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import {
  CreateEventSourceMappingCommand,
  type CreateEventSourceMappingCommandInput,
} from '@aws-sdk/client-lambda';
import { createQueue, createStream, createTableWithStream, sqsClient, uniqueName } from '../support/index.js';
import { SLUICE_ACCOUNT_ID, startTestSluice, type TestSluice } from '../support/sluice.js';
import { errorBody, expectInvalidParameter, expectLambdaError, expectRawError } from '../support/api-errors.js';

let sluice: TestSluice;
beforeAll(async () => {
  sluice = await startTestSluice();
});
afterAll(async () => {
  await sluice?.stop();
});

// Sources that do not exist (emulator account, as real emulator ARNs have).
const SQS = `arn:aws:sqs:us-east-1:000000000000:${uniqueName('missing')}`;
const FIFO = `arn:aws:sqs:us-east-1:000000000000:${uniqueName('missing')}.fifo`;
const KINESIS = `arn:aws:kinesis:us-east-1:000000000000:stream/${uniqueName('missing')}`;
const CONSUMER = `${KINESIS}/consumer/${uniqueName('c')}:1700000000`;
const DYNAMODB = `arn:aws:dynamodb:ddblocal:000000000000:table/${uniqueName('missing')}/stream/2024-01-01T00:00:00.000`;

const QUEUE_MISSING =
  'Error occurred while ReceiveMessage. SQS Error Code: AWS.SimpleQueueService.NonExistentQueue. SQS Error Message: The specified queue does not exist.';
const streamNotFound = (arn: string) => `Stream not found: ${arn}`;
const UNSUPPORTED_DESTINATION = 'Unsupported DestinationConfig parameter for given event source mapping type.';
const UNRECOGNIZED = 'Unrecognized event source.';
const NO_FUNCTION = 'Function does not exist';
const unsupported = (member: string) => `Unsupported '${member}' parameter for given event source mapping type.`;

type Input = Partial<CreateEventSourceMappingCommandInput>;
const create = (input: Input) =>
  sluice.lambda.send(new CreateEventSourceMappingCommand({ FunctionName: 'my-function', ...input }));
const rejects = (input: Input, message: string) => expectInvalidParameter(create(input), message);
/** Passes every rule before the source existence checks: fails with V39 / V40 only. */
const accepted = (input: Input & { EventSourceArn: string }) =>
  rejects(input, input.EventSourceArn.startsWith('arn:aws:sqs:') ? QUEUE_MISSING : streamNotFound(input.EventSourceArn));

const streams: [string, string][] = [
  ['Kinesis', KINESIS],
  ['Kinesis consumer', CONSUMER],
  ['DynamoDB', DYNAMODB],
];
const queues: [string, string][] = [
  ['SQS standard', SQS],
  ['SQS FIFO', FIFO],
];

describe('V17 OnSuccess destination', () => {
  it.each([...queues, ...streams])('%s: OnSuccess is refused', async (_kind, arn) => {
    const StartingPosition = arn === SQS || arn === FIFO ? undefined : 'LATEST';
    await rejects({ EventSourceArn: arn, StartingPosition, DestinationConfig: { OnSuccess: { Destination: 'arn:aws:sqs:us-east-1:000000000000:ok' } } }, UNSUPPORTED_DESTINATION);
    await rejects(
      {
        EventSourceArn: arn,
        StartingPosition,
        DestinationConfig: { OnSuccess: {}, OnFailure: { Destination: 'arn:aws:sqs:us-east-1:000000000000:failures' } },
      },
      UNSUPPORTED_DESTINATION,
    );
  });
});

describe('V18 / V19 event source', () => {
  it('V18: Create without EventSourceArn', async () => {
    await rejects({}, UNRECOGNIZED);
    await rejects({ StartingPosition: 'LATEST', BatchSize: 5 }, UNRECOGNIZED);
  });

  it.each([
    'arn:aws:sns:us-east-1:000000000000:topic',
    'arn:aws:dynamodb:us-east-1:000000000000:table/orders',
    'arn:aws:mq:us-east-1:000000000000:broker:MyBroker:b-0b6b1f2a-1111-2222-3333-444455556666',
    'arn:aws:kafka:us-east-1:000000000000:cluster/demo/abcd1234-ab12-cd34-ef56-abcdef123456-1',
    'arn:aws:rds:us-east-1:000000000000:cluster:docdb-cluster',
    'arn:aws:s3:::bucket',
    'arn:aws:kinesis:us-east-1:000000000000:table/not-a-stream',
    'arn:aws:kinesis:us-east-1:000000000000:stream/s/consumer/c',
    'arn:aws:sqs:us-east-1:000000000000:queue/with/slashes',
    'arn:aws:lambda:us-east-1:000000000000:function:f',
  ])('V19: %s is not a supported event source', async (arn) => {
    await rejects({ EventSourceArn: arn }, UNRECOGNIZED);
  });
});

describe('V20 / V21 SQS-only rules', () => {
  it.each(queues)('V20: %s with StartingPosition', async (_kind, arn) => {
    for (const StartingPosition of ['LATEST', 'TRIM_HORIZON', 'AT_TIMESTAMP'] as const) {
      await rejects({ EventSourceArn: arn, StartingPosition }, 'StartingPosition is not valid for SQS event sources.');
    }
  });

  it.each(queues)('V21: %s with DestinationConfig, whatever it holds', async (_kind, arn) => {
    for (const DestinationConfig of [
      { OnFailure: { Destination: 'arn:aws:sqs:us-east-1:000000000000:failures' } },
      { OnFailure: { Destination: '' } },
      { OnFailure: {} },
      {},
    ]) {
      await rejects({ EventSourceArn: arn, DestinationConfig }, UNSUPPORTED_DESTINATION);
    }
  });
});

describe('V22 fields a source does not accept', () => {
  const sqsOnly: [string, Input][] = [
    ['startingPositionTimestamp', { StartingPositionTimestamp: new Date(Date.now() - 60_000) }],
    ['parallelizationFactor', { ParallelizationFactor: 1 }],
    ['maximumRetryAttempts', { MaximumRetryAttempts: -1 }],
    ['maximumRecordAgeInSeconds', { MaximumRecordAgeInSeconds: -1 }],
    ['bisectBatchOnFunctionError', { BisectBatchOnFunctionError: false }],
    ['tumblingWindowInSeconds', { TumblingWindowInSeconds: 0 }],
  ];
  const streamOnly: [string, Input][] = [
    ['scalingConfig', { ScalingConfig: { MaximumConcurrency: 2 } }],
    ['scalingConfig', { ScalingConfig: {} }],
    ['provisionedPollerConfig', { ProvisionedPollerConfig: { MinimumPollers: 2, MaximumPollers: 10 } }],
    ['provisionedPollerConfig', { ProvisionedPollerConfig: {} }],
  ];
  const foreign: [string, Input][] = [
    ['topics', { Topics: ['orders'] }],
    ['queues', { Queues: ['orders'] }],
    ['sourceAccessConfigurations', { SourceAccessConfigurations: [{ Type: 'BASIC_AUTH', URI: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:s' }] }],
    ['selfManagedEventSource', { SelfManagedEventSource: { Endpoints: { KAFKA_BOOTSTRAP_SERVERS: ['broker:9092'] } } }],
    ['selfManagedKafkaEventSourceConfig', { SelfManagedKafkaEventSourceConfig: { ConsumerGroupId: 'group' } }],
    ['amazonManagedKafkaEventSourceConfig', { AmazonManagedKafkaEventSourceConfig: { ConsumerGroupId: 'group' } }],
    ['documentDBEventSourceConfig', { DocumentDBEventSourceConfig: { DatabaseName: 'db', CollectionName: 'c' } }],
    ['loggingConfig', { LoggingConfig: { SystemLogLevel: 'INFO' } }],
  ];

  describe.each(queues)('%s', (_kind, arn) => {
    it.each(sqsOnly)('refuses %s, even with its default value', async (member, input) => {
      await rejects({ EventSourceArn: arn, ...input }, unsupported(member));
    });
    it.each(foreign)('refuses %s', async (member, input) => {
      await rejects({ EventSourceArn: arn, ...input }, unsupported(member));
    });
  });

  describe.each(streams)('%s', (_kind, arn) => {
    it.each(streamOnly)('refuses %s', async (member, input) => {
      await rejects({ EventSourceArn: arn, StartingPosition: 'LATEST', ...input }, unsupported(member));
    });
    it.each(foreign)('refuses %s', async (member, input) => {
      await rejects({ EventSourceArn: arn, StartingPosition: 'LATEST', ...input }, unsupported(member));
    });
  });

  it('accepts every field the source allows', async () => {
    await accepted({
      EventSourceArn: SQS,
      Enabled: true,
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      FilterCriteria: { Filters: [{ Pattern: '{"body": {"a": ["b"]}}' }] },
      ScalingConfig: { MaximumConcurrency: 5 },
      KMSKeyArn: 'arn:aws:kms:us-east-1:000000000000:key/k',
      MetricsConfig: { Metrics: ['EventCount'] },
      Tags: { team: 'x' },
    });
    for (const [, arn] of streams) {
      await accepted({
        EventSourceArn: arn,
        StartingPosition: 'TRIM_HORIZON',
        // Ignored and not stored without AT_TIMESTAMP (api.md §3).
        StartingPositionTimestamp: new Date(Date.now() + 3_600_000),
        BatchSize: 500,
        MaximumBatchingWindowInSeconds: 5,
        ParallelizationFactor: 10,
        MaximumRetryAttempts: 3,
        MaximumRecordAgeInSeconds: 60,
        BisectBatchOnFunctionError: true,
        DestinationConfig: { OnFailure: { Destination: 'arn:aws:sns:us-east-1:000000000000:t' } },
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        KMSKeyArn: '',
        MetricsConfig: { Metrics: [] },
      });
    }
  });

  it('names the first offending field in §3 order', async () => {
    await rejects({ EventSourceArn: SQS, TumblingWindowInSeconds: 60, ParallelizationFactor: 2 }, unsupported('parallelizationFactor'));
    await rejects({ EventSourceArn: SQS, LoggingConfig: { SystemLogLevel: 'INFO' }, BisectBatchOnFunctionError: true }, unsupported('bisectBatchOnFunctionError'));
    await rejects({ EventSourceArn: SQS, MaximumRecordAgeInSeconds: 60, StartingPositionTimestamp: new Date() }, unsupported('startingPositionTimestamp'));
    await rejects(
      { EventSourceArn: KINESIS, StartingPosition: 'LATEST', ProvisionedPollerConfig: { MinimumPollers: 2 }, ScalingConfig: { MaximumConcurrency: 2 } },
      unsupported('scalingConfig'),
    );
    await rejects(
      { EventSourceArn: DYNAMODB, StartingPosition: 'LATEST', LoggingConfig: { SystemLogLevel: 'INFO' }, Topics: ['t'], ProvisionedPollerConfig: {} },
      unsupported('provisionedPollerConfig'),
    );
    await rejects({ EventSourceArn: KINESIS, StartingPosition: 'LATEST', LoggingConfig: { SystemLogLevel: 'INFO' }, Queues: ['q'] }, unsupported('queues'));
  });
});

describe('V23–V26 starting position', () => {
  const noStartingPosition =
    "1 validation error detected: Value null at 'startingPosition' failed to satisfy constraint: Member must not be null.";

  it.each(streams)('V23: %s without StartingPosition (an IPVE, with a period)', async (_kind, arn) => {
    await rejects({ EventSourceArn: arn }, noStartingPosition);
  });

  it('V24: DynamoDB with AT_TIMESTAMP', async () => {
    const message = `Unsupported starting position for arn type: ${DYNAMODB}`;
    await rejects({ EventSourceArn: DYNAMODB, StartingPosition: 'AT_TIMESTAMP' }, message);
    await rejects({ EventSourceArn: DYNAMODB, StartingPosition: 'AT_TIMESTAMP', StartingPositionTimestamp: new Date(Date.now() - 60_000) }, message);
    await accepted({ EventSourceArn: DYNAMODB, StartingPosition: 'LATEST' });
  });

  it.each([
    ['Kinesis', KINESIS],
    ['Kinesis consumer', CONSUMER],
  ])('V25 / V26: %s AT_TIMESTAMP needs a timestamp that is not in the future', async (_kind, arn) => {
    await rejects({ EventSourceArn: arn, StartingPosition: 'AT_TIMESTAMP' }, 'Need to specify a timestamp');
    await rejects(
      { EventSourceArn: arn, StartingPosition: 'AT_TIMESTAMP', StartingPositionTimestamp: new Date(Date.now() + 3_600_000) },
      'StartingPositionTimestamp cannot be in the future.',
    );
    await accepted({ EventSourceArn: arn, StartingPosition: 'AT_TIMESTAMP', StartingPositionTimestamp: new Date(Date.now() - 1_000) });
  });
});

describe('V27–V29 SQS batching', () => {
  it('V27: FIFO BatchSize above 10', async () => {
    await rejects({ EventSourceArn: FIFO, BatchSize: 11 }, 'Batch size cannot be greater than 10 for an SQS FIFO queue.');
    await rejects({ EventSourceArn: FIFO, BatchSize: 10000, MaximumBatchingWindowInSeconds: 5 }, 'Batch size cannot be greater than 10 for an SQS FIFO queue.');
    await accepted({ EventSourceArn: FIFO, BatchSize: 10 });
  });

  it('V28: FIFO with a batching window', async () => {
    await rejects({ EventSourceArn: FIFO, MaximumBatchingWindowInSeconds: 1 }, 'Batching window is not supported for FIFO queues');
    await rejects({ EventSourceArn: FIFO, BatchSize: 5, MaximumBatchingWindowInSeconds: 300 }, 'Batching window is not supported for FIFO queues');
    await accepted({ EventSourceArn: FIFO, MaximumBatchingWindowInSeconds: 0 });
  });

  it('V29: standard queue, BatchSize above 10 with the window 0 or absent', async () => {
    const message = 'Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10';
    await rejects({ EventSourceArn: SQS, BatchSize: 11 }, message);
    await rejects({ EventSourceArn: SQS, BatchSize: 10000, MaximumBatchingWindowInSeconds: 0 }, message);
    await accepted({ EventSourceArn: SQS, BatchSize: 11, MaximumBatchingWindowInSeconds: 1 });
    await accepted({ EventSourceArn: SQS, BatchSize: 10 });
  });

  it('V29 does not apply to streams', async () => {
    await accepted({ EventSourceArn: KINESIS, StartingPosition: 'LATEST', BatchSize: 10000 });
  });
});

describe('V30 record age, V33 tumbling windows', () => {
  const ageMessage = 'MaximumRecordAgeInSeconds must be either -1 (forever) or between 60 and 604800 (inclusive)';
  it.each(streams)('V30: %s MaximumRecordAgeInSeconds in 0–59', async (_kind, arn) => {
    for (const age of [0, 1, 59]) await rejects({ EventSourceArn: arn, StartingPosition: 'LATEST', MaximumRecordAgeInSeconds: age }, ageMessage);
    for (const age of [-1, 60, 604800]) await accepted({ EventSourceArn: arn, StartingPosition: 'LATEST', MaximumRecordAgeInSeconds: age });
  });

  it.each(streams)('V33: %s TumblingWindowInSeconds with ParallelizationFactor above 1', async (_kind, arn) => {
    await rejects(
      { EventSourceArn: arn, StartingPosition: 'LATEST', TumblingWindowInSeconds: 60, ParallelizationFactor: 2 },
      'TumblingWindowInSeconds cannot be used with a ParallelizationFactor greater than 1.',
    );
    await accepted({ EventSourceArn: arn, StartingPosition: 'LATEST', TumblingWindowInSeconds: 900, ParallelizationFactor: 1 });
    await accepted({ EventSourceArn: arn, StartingPosition: 'LATEST', TumblingWindowInSeconds: 0, ParallelizationFactor: 10 });
  });
});

describe('V31 / V32 SQS scaling', () => {
  it.each(queues)('V31: %s with both ScalingConfig and ProvisionedPollerConfig', async (_kind, arn) => {
    await rejects(
      { EventSourceArn: arn, ScalingConfig: { MaximumConcurrency: 2 }, ProvisionedPollerConfig: { MinimumPollers: 2, MaximumPollers: 5 } },
      'ScalingConfig and ProvisionedPollerConfig cannot be specified together.',
    );
    // An empty object means "not set" (api.md §3 notes).
    await accepted({ EventSourceArn: arn, ScalingConfig: {}, ProvisionedPollerConfig: { MinimumPollers: 5 } });
    await accepted({ EventSourceArn: arn, ScalingConfig: { MaximumConcurrency: 5 }, ProvisionedPollerConfig: {} });
  });

  it.each([
    ['MinimumPollers below 2', { MinimumPollers: 1 }],
    ['MaximumPollers above 2000', { MaximumPollers: 2001 }],
    ['MaximumPollers below 2', { MaximumPollers: 1 }],
    ['minimum above maximum', { MinimumPollers: 10, MaximumPollers: 5 }],
    ['minimum above the default maximum 200', { MinimumPollers: 150, MaximumPollers: 100 }],
    ['maximum below the default minimum 2', { MinimumPollers: 1, MaximumPollers: 1 }],
  ])('V32: %s', async (_what, pollers) => {
    await rejects(
      { EventSourceArn: SQS, ProvisionedPollerConfig: pollers },
      'MinimumPollers must be between 2 and 200 and MaximumPollers between 2 and 2000, with MinimumPollers not greater than MaximumPollers.',
    );
  });

  it('V32: the ends of the SQS ranges, and members left out take their defaults', async () => {
    for (const pollers of [{ MinimumPollers: 2, MaximumPollers: 2 }, { MinimumPollers: 200, MaximumPollers: 2000 }, { MinimumPollers: 200 }, { MaximumPollers: 2 }]) {
      await accepted({ EventSourceArn: SQS, ProvisionedPollerConfig: pollers });
    }
  });
});

describe('V34 destination type, V35 metrics', () => {
  it.each(streams)('V34: %s OnFailure destination that is not a queue, topic or bucket', async (_kind, arn) => {
    for (const destination of [
      'arn:aws:lambda:us-east-1:000000000000:function:f',
      'arn:aws:kinesis:us-east-1:000000000000:stream/s',
      'arn:aws:events:us-east-1:000000000000:event-bus/default',
      'arn:aws:sqsx:us-east-1:000000000000:q',
    ]) {
      await rejects(
        { EventSourceArn: arn, StartingPosition: 'LATEST', DestinationConfig: { OnFailure: { Destination: destination } } },
        `Unsupported destination type for OnFailure: ${destination}`,
      );
    }
    for (const destination of [
      'arn:aws:sqs:us-east-1:000000000000:failures',
      'arn:aws:sns:us-east-1:000000000000:failures',
      'arn:aws:s3:::failures-bucket',
      '',
    ]) {
      await accepted({ EventSourceArn: arn, StartingPosition: 'LATEST', DestinationConfig: { OnFailure: { Destination: destination } } });
    }
  });

  it.each([...queues, ...streams])('V35: %s with ErrorCount or KafkaMetrics', async (_kind, arn) => {
    const StartingPosition = arn === SQS || arn === FIFO ? undefined : 'LATEST';
    for (const metrics of [['ErrorCount'], ['EventCount', 'KafkaMetrics'], ['EventCount', 'ErrorCount', 'KafkaMetrics']] as const) {
      await rejects(
        { EventSourceArn: arn, StartingPosition, MetricsConfig: { Metrics: [...metrics] } },
        "Unsupported 'metricsConfig' parameter for given event source mapping type.",
      );
    }
    await accepted({ EventSourceArn: arn, StartingPosition, MetricsConfig: { Metrics: ['EventCount'] } });
  });
});

describe('V36 / V37 filters', () => {
  const filters = (n: number, pattern = '{"a": ["b"]}') => ({ Filters: Array.from({ length: n }, () => ({ Pattern: pattern })) });

  it('V36: more filters than the quota (5 by default)', async () => {
    await rejects({ EventSourceArn: SQS, FilterCriteria: filters(6) }, 'The number of filters in FilterCriteria exceeds the limit of 5.');
    await rejects({ EventSourceArn: KINESIS, StartingPosition: 'LATEST', FilterCriteria: filters(11, 'not json') }, 'The number of filters in FilterCriteria exceeds the limit of 5.');
    await accepted({ EventSourceArn: SQS, FilterCriteria: filters(5) });
    await accepted({ EventSourceArn: SQS, FilterCriteria: { Filters: [] } });
  });

  const invalid = 'Invalid filter pattern definition.';
  it.each([
    ['not JSON', 'simple string'],
    ['a JSON syntax error', '[{"eventName": ["INSERT"=123}]'],
    ['a JSON string', '"simple string"'],
    ['JSON null', 'null'],
    ['a JSON array', '[1]'],
    ['a scalar field value', '{"eventSource": "aws:sqs"}'],
    ['an empty matcher list', '{"eventSource": []}'],
    ['an empty string', ''],
    ['an empty object', '{}'],
    ['an empty object as a field value', '{"body": {}}'],
    ['an unsupported operator', '{"a": [{"wildcard": "x*"}]}'],
    ['an unknown operator', '{"a": [{"bogus": 1}]}'],
    ['a malformed numeric operator', '{"a": [{"numeric": [">", "10"]}]}'],
    ['an operator object with two keys', '{"a": [{"prefix": "x", "suffix": "y"}]}'],
    ['a nested array matcher', '{"a": [[1]]}'],
    ['$or that is not an array', '{"$or": {}}'],
  ])('V37: a pattern that is %s', async (_what, pattern) => {
    await rejects({ EventSourceArn: SQS, FilterCriteria: { Filters: [{ Pattern: '{"a": ["ok"]}' }, { Pattern: pattern }] } }, invalid);
  });

  it('V37: a filter without a Pattern', async () => {
    await rejects({ EventSourceArn: SQS, FilterCriteria: { Filters: [{}] } }, invalid);
  });

  it('V37: a stream data key whose value is not an object', async () => {
    await rejects({ EventSourceArn: KINESIS, StartingPosition: 'LATEST', FilterCriteria: filters(1, '{"data": ["abc"]}') }, invalid);
    await rejects({ EventSourceArn: DYNAMODB, StartingPosition: 'LATEST', FilterCriteria: filters(1, '{"dynamodb": ["abc"]}') }, invalid);
    await accepted({ EventSourceArn: KINESIS, StartingPosition: 'LATEST', FilterCriteria: filters(1, '{"data": {"a": ["abc"]}}') });
    await accepted({ EventSourceArn: DYNAMODB, StartingPosition: 'LATEST', FilterCriteria: filters(1, '{"dynamodb": {"Keys": {"pk": {"S": ["1"]}}}}') });
  });

  it('valid patterns with operators are accepted', async () => {
    await accepted({
      EventSourceArn: SQS,
      FilterCriteria: {
        Filters: [
          { Pattern: '{"body": {"n": [{"numeric": [">", 0, "<=", 5]}]}}' },
          { Pattern: '{"body": {"s": [{"prefix": "a"}, {"anything-but": ["x", "y"]}]}}' },
          { Pattern: '{"attributes": {"SenderId": [{"exists": true}]}}' },
          { Pattern: '{"$or": [{"body": {"a": ["1"]}}, {"body": {"b": ["2"]}}]}' },
        ],
      },
    });
  });
});

describe('V38 unknown function', () => {
  it.each([
    'unknown-function',
    `arn:aws:lambda:us-west-2:${SLUICE_ACCOUNT_ID}:function:my-function`,
    `us-west-2:${SLUICE_ACCOUNT_ID}:function:my-function`,
    // The emulators' account, not Sluice's.
    '000000000000:function:my-function',
    'arn:aws:lambda:us-east-1:000000000000:function:my-function',
    `arn:aws-cn:lambda:us-east-1:${SLUICE_ACCOUNT_ID}:function:my-function`,
    'a'.repeat(65),
  ])('%s', async (functionName) => {
    await rejects({ FunctionName: functionName, EventSourceArn: SQS }, NO_FUNCTION);
    await rejects({ FunctionName: functionName, EventSourceArn: KINESIS, StartingPosition: 'LATEST' }, NO_FUNCTION);
  });
});

describe('V39–V41 the source', () => {
  it.each(queues)('V39: %s that does not exist', async (_kind, arn) => {
    await rejects({ EventSourceArn: arn }, QUEUE_MISSING);
  });

  it('V40: a Kinesis stream, Kinesis consumer or DynamoDB stream that does not exist', async () => {
    await rejects({ EventSourceArn: KINESIS, StartingPosition: 'LATEST' }, streamNotFound(KINESIS));
    await rejects({ EventSourceArn: CONSUMER, StartingPosition: 'LATEST' }, streamNotFound(CONSUMER));
    await rejects({ EventSourceArn: DYNAMODB, StartingPosition: 'LATEST' }, streamNotFound(DYNAMODB));
  });

  it('V40: a consumer that does not exist on a stream that does, and a stream label that does not exist on a table that does', async () => {
    const stream = await createStream();
    onTestFinished(stream.cleanup);
    const table = await createTableWithStream();
    onTestFinished(table.cleanup);
    const consumer = `${stream.streamArn}/consumer/${uniqueName('c')}:1700000000`;
    await rejects({ EventSourceArn: consumer, StartingPosition: 'LATEST' }, streamNotFound(consumer));
    const otherLabel = table.streamArn.replace(/\/stream\/.*$/, '/stream/2000-01-01T00:00:00.000');
    await rejects({ EventSourceArn: otherLabel, StartingPosition: 'LATEST' }, streamNotFound(otherLabel));
  });

  it('V41: queue visibility timeout lower than the function timeout', async () => {
    const standard = await createQueue();
    onTestFinished(standard.cleanup);
    const short = await createQueue({ visibilityTimeoutSeconds: 2 });
    onTestFinished(short.cleanup);
    const fifo = await createQueue({ fifo: true, visibilityTimeoutSeconds: 59 });
    onTestFinished(fifo.cleanup);
    await rejects({ FunctionName: 'slow-function', EventSourceArn: standard.queueArn }, 'Queue visibility timeout: 30 seconds is less than Function timeout: 60 seconds');
    await rejects(
      { FunctionName: `arn:aws:lambda:us-east-1:${SLUICE_ACCOUNT_ID}:function:slow-function:live`, EventSourceArn: standard.queueArn },
      'Queue visibility timeout: 30 seconds is less than Function timeout: 60 seconds',
    );
    await rejects({ FunctionName: 'my-function', EventSourceArn: short.queueArn }, 'Queue visibility timeout: 2 seconds is less than Function timeout: 3 seconds');
    await rejects({ FunctionName: 'slow-function', EventSourceArn: fifo.queueArn }, 'Queue visibility timeout: 59 seconds is less than Function timeout: 60 seconds');
  });

  it('V41: equal timeouts are fine', async () => {
    const equal = await createQueue({ visibilityTimeoutSeconds: 60 });
    onTestFinished(equal.cleanup);
    const three = await createQueue({ visibilityTimeoutSeconds: 3 });
    onTestFinished(three.cleanup);
    const slow = await create({ FunctionName: 'slow-function', EventSourceArn: equal.queueArn });
    expect(slow.FunctionArn).toBe(`arn:aws:lambda:us-east-1:${SLUICE_ACCOUNT_ID}:function:slow-function`);
    const quick = await create({ FunctionName: 'my-function', EventSourceArn: three.queueArn });
    expect(quick.State).toBe('Creating');
  });
});

describe('V42 / V43 duplicates', () => {
  it('V42: SQS, same queue and FunctionArn; the message quotes the FunctionName as sent and the holder', async () => {
    const queue = await createQueue();
    onTestFinished(queue.cleanup);
    const first = await create({ EventSourceArn: queue.queueArn });
    const message = (sent: string, holder: string) =>
      `An event source mapping with SQS arn (" ${queue.queueArn} ") and function (" ${sent} ") already exists. Please update or delete the existing mapping with UUID ${holder}`;
    for (const sent of [
      'my-function',
      `arn:aws:lambda:us-east-1:${SLUICE_ACCOUNT_ID}:function:my-function`,
      `${SLUICE_ACCOUNT_ID}:function:my-function`,
      'function:my-function',
    ]) {
      await expectLambdaError(create({ FunctionName: sent, EventSourceArn: queue.queueArn }), 'ResourceConflictException', message(sent, first.UUID!));
    }
    // Settings and Enabled play no part.
    await expectLambdaError(
      create({ EventSourceArn: queue.queueArn, Enabled: false, BatchSize: 3 }),
      'ResourceConflictException',
      message('my-function', first.UUID!),
    );
    // A qualifier makes another FunctionArn; then that one is taken.
    const qualified = await create({ FunctionName: 'my-function:1', EventSourceArn: queue.queueArn });
    expect(qualified.FunctionArn).toBe(`arn:aws:lambda:us-east-1:${SLUICE_ACCOUNT_ID}:function:my-function:1`);
    await expectLambdaError(
      create({ FunctionName: 'function:my-function:1', EventSourceArn: queue.queueArn }),
      'ResourceConflictException',
      message('function:my-function:1', qualified.UUID!),
    );
    // Another function on the same queue is fine.
    await create({ FunctionName: 'other-function', EventSourceArn: queue.queueArn });
  });

  it('V42 on the wire: HTTP 409, Type User, lower-case message', async () => {
    const queue = await createQueue();
    onTestFinished(queue.cleanup);
    const first = await create({ EventSourceArn: queue.queueArn });
    const response = await fetch(`${sluice.url}/2015-03-31/event-source-mappings/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ FunctionName: 'my-function', EventSourceArn: queue.queueArn }),
    });
    await expectRawError(
      response,
      'ResourceConflictException',
      errorBody(
        'ResourceConflictException',
        `An event source mapping with SQS arn (" ${queue.queueArn} ") and function (" my-function ") already exists. Please update or delete the existing mapping with UUID ${first.UUID}`,
      ),
    );
  });

  it('V43: Kinesis, same stream and FunctionArn, whatever the starting position', async () => {
    const stream = await createStream();
    onTestFinished(stream.cleanup);
    const first = await create({ EventSourceArn: stream.streamArn, StartingPosition: 'LATEST' });
    const sent = `${SLUICE_ACCOUNT_ID}:function:my-function`;
    await expectLambdaError(
      create({ FunctionName: sent, EventSourceArn: stream.streamArn, StartingPosition: 'TRIM_HORIZON' }),
      'ResourceConflictException',
      `The event source arn (" ${stream.streamArn} ") and function (" ${sent} ") provided mapping already exists. Please update or delete the existing mapping with UUID ${first.UUID}`,
    );
    await create({ FunctionName: 'my-function:live', EventSourceArn: stream.streamArn, StartingPosition: 'TRIM_HORIZON' });
  });

  it('V43: DynamoDB Streams', async () => {
    const table = await createTableWithStream();
    onTestFinished(table.cleanup);
    const first = await create({ FunctionName: 'other-function', EventSourceArn: table.streamArn, StartingPosition: 'TRIM_HORIZON' });
    await expectLambdaError(
      create({ FunctionName: 'other-function', EventSourceArn: table.streamArn, StartingPosition: 'LATEST', BatchSize: 7 }),
      'ResourceConflictException',
      `The event source arn (" ${table.streamArn} ") and function (" other-function ") provided mapping already exists. Please update or delete the existing mapping with UUID ${first.UUID}`,
    );
  });
});

describe('order of checks (api.md §10)', () => {
  it('a missing event source is reported before an unknown function (V18 before V38)', async () => {
    await rejects({ FunctionName: 'unknown-function' }, UNRECOGNIZED);
  });

  it('an OnSuccess destination is reported before an unknown function (V17 before V38), and before a missing event source (V17 before V18)', async () => {
    const queue = await createQueue();
    onTestFinished(queue.cleanup);
    const onSuccess = { OnSuccess: { Destination: 'arn:aws:sqs:us-east-1:000000000000:ok' } };
    await rejects({ FunctionName: 'unknown-function', EventSourceArn: queue.queueArn, DestinationConfig: onSuccess }, UNSUPPORTED_DESTINATION);
    await rejects({ FunctionName: 'unknown-function', EventSourceArn: KINESIS, StartingPosition: 'LATEST', DestinationConfig: onSuccess }, UNSUPPORTED_DESTINATION);
    await rejects({ FunctionName: 'unknown-function', DestinationConfig: onSuccess }, UNSUPPORTED_DESTINATION);
  });

  it('an unknown function is reported before a missing queue or stream (V38 before V39, V40)', async () => {
    await rejects({ FunctionName: 'unknown-function', EventSourceArn: SQS }, NO_FUNCTION);
    await rejects({ FunctionName: 'unknown-function', EventSourceArn: DYNAMODB, StartingPosition: 'LATEST' }, NO_FUNCTION);
  });

  it('phase D stops at the first failing rule in table order', async () => {
    const steps: [Input, string][] = [
      [{ EventSourceArn: 'arn:aws:sns:us-east-1:000000000000:t', StartingPosition: 'LATEST', ParallelizationFactor: 2 }, UNRECOGNIZED],
      [{ EventSourceArn: SQS, StartingPosition: 'LATEST', DestinationConfig: {}, ParallelizationFactor: 2 }, 'StartingPosition is not valid for SQS event sources.'],
      [{ EventSourceArn: SQS, DestinationConfig: {}, ParallelizationFactor: 2 }, UNSUPPORTED_DESTINATION],
      [{ EventSourceArn: KINESIS, ScalingConfig: { MaximumConcurrency: 2 }, MaximumRecordAgeInSeconds: 5 }, unsupported('scalingConfig')],
      [{ EventSourceArn: KINESIS, MaximumRecordAgeInSeconds: 5 }, "1 validation error detected: Value null at 'startingPosition' failed to satisfy constraint: Member must not be null."],
      [{ EventSourceArn: DYNAMODB, StartingPosition: 'AT_TIMESTAMP', MaximumRecordAgeInSeconds: 5 }, `Unsupported starting position for arn type: ${DYNAMODB}`],
      [{ EventSourceArn: KINESIS, StartingPosition: 'AT_TIMESTAMP', MaximumRecordAgeInSeconds: 5 }, 'Need to specify a timestamp'],
      [{ EventSourceArn: FIFO, BatchSize: 20, MaximumBatchingWindowInSeconds: 5, ScalingConfig: { MaximumConcurrency: 2 }, ProvisionedPollerConfig: { MinimumPollers: 2 } }, 'Batch size cannot be greater than 10 for an SQS FIFO queue.'],
      [{ EventSourceArn: FIFO, MaximumBatchingWindowInSeconds: 5, ScalingConfig: { MaximumConcurrency: 2 }, ProvisionedPollerConfig: { MinimumPollers: 2 } }, 'Batching window is not supported for FIFO queues'],
      [{ EventSourceArn: SQS, BatchSize: 20, ScalingConfig: { MaximumConcurrency: 2 }, ProvisionedPollerConfig: { MinimumPollers: 2 } }, 'Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10'],
      [{ EventSourceArn: KINESIS, StartingPosition: 'LATEST', MaximumRecordAgeInSeconds: 5, TumblingWindowInSeconds: 5, ParallelizationFactor: 2 }, 'MaximumRecordAgeInSeconds must be either -1 (forever) or between 60 and 604800 (inclusive)'],
      [{ EventSourceArn: SQS, ScalingConfig: { MaximumConcurrency: 2 }, ProvisionedPollerConfig: { MinimumPollers: 1 } }, 'ScalingConfig and ProvisionedPollerConfig cannot be specified together.'],
      [{ EventSourceArn: SQS, ProvisionedPollerConfig: { MinimumPollers: 1 }, MetricsConfig: { Metrics: ['ErrorCount'] } }, 'MinimumPollers must be between 2 and 200 and MaximumPollers between 2 and 2000, with MinimumPollers not greater than MaximumPollers.'],
      [
        { EventSourceArn: KINESIS, StartingPosition: 'LATEST', TumblingWindowInSeconds: 5, ParallelizationFactor: 2, DestinationConfig: { OnFailure: { Destination: 'arn:aws:lambda:us-east-1:000000000000:function:f' } } },
        'TumblingWindowInSeconds cannot be used with a ParallelizationFactor greater than 1.',
      ],
      [
        { EventSourceArn: KINESIS, StartingPosition: 'LATEST', DestinationConfig: { OnFailure: { Destination: 'arn:aws:lambda:us-east-1:000000000000:function:f' } }, MetricsConfig: { Metrics: ['ErrorCount'] } },
        'Unsupported destination type for OnFailure: arn:aws:lambda:us-east-1:000000000000:function:f',
      ],
      [
        { EventSourceArn: SQS, MetricsConfig: { Metrics: ['ErrorCount'] }, FilterCriteria: { Filters: Array.from({ length: 6 }, () => ({ Pattern: 'x' })) } },
        "Unsupported 'metricsConfig' parameter for given event source mapping type.",
      ],
      [{ EventSourceArn: SQS, FilterCriteria: { Filters: Array.from({ length: 6 }, () => ({ Pattern: 'x' })) } }, 'The number of filters in FilterCriteria exceeds the limit of 5.'],
      [{ EventSourceArn: SQS, FunctionName: 'unknown-function', FilterCriteria: { Filters: [{ Pattern: 'x' }] } }, 'Invalid filter pattern definition.'],
    ];
    for (const [input, message] of steps) await rejects(input, message);
  });

  it('a missing queue is reported before the visibility check (V39 before V41) and before a duplicate (V39 before V42)', async () => {
    await rejects({ FunctionName: 'slow-function', EventSourceArn: SQS }, QUEUE_MISSING);
    const queue = await createQueue();
    onTestFinished(queue.cleanup);
    await create({ EventSourceArn: queue.queueArn });
    await queue.cleanup();
    await rejects({ EventSourceArn: queue.queueArn }, QUEUE_MISSING);
  });

  it('the visibility check comes before the duplicate check (V41 before V42)', async () => {
    const queue = await createQueue({ visibilityTimeoutSeconds: 60 });
    onTestFinished(queue.cleanup);
    await create({ FunctionName: 'slow-function', EventSourceArn: queue.queueArn });
    await sqsClient().send(new SetQueueAttributesCommand({ QueueUrl: queue.queueUrl, Attributes: { VisibilityTimeout: '10' } }));
    await rejects({ FunctionName: 'slow-function', EventSourceArn: queue.queueArn }, 'Queue visibility timeout: 10 seconds is less than Function timeout: 60 seconds');
  });
});
