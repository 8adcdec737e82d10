/**
 * Validation phases A–C (api.md §9: V1–V16) and the error wire form (§8), against a running
 * Sluice through @aws-sdk/client-lambda; raw fetch only for bodies the SDK cannot send
 * (malformed JSON, wrong JSON types, bodies over 1 MiB).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import {
  CreateEventSourceMappingCommand,
  DeleteEventSourceMappingCommand,
  GetEventSourceMappingCommand,
  ListEventSourceMappingsCommand,
  UpdateEventSourceMappingCommand,
  type CreateEventSourceMappingCommandInput,
} from '@aws-sdk/client-lambda';
import { createQueue, pollUntil } from '../support/index.js';
import { startTestSluice, type TestSluice } from '../support/sluice.js';
import {
  errorBody,
  expectInvalidParameter,
  expectLambdaError,
  expectRawError,
  expectValidation,
  item,
  rejectionOf,
} from '../support/api-errors.js';

let sluice: TestSluice;
beforeAll(async () => {
  sluice = await startTestSluice();
});
afterAll(async () => {
  await sluice?.stop();
});

const ESM_PATH = '/2015-03-31/event-source-mappings';
/** A syntactically valid queue ARN; phases A–C never look at the queue. */
const SQS_ARN = 'arn:aws:sqs:us-east-1:000000000000:validation-model-unused';
const NOT_FOUND = 'The resource you requested does not exist.';
const MAX_BODY = 1_048_576;

// Constraint texts, copied from api.md §8.1 / §9 (not from the implementation).
const FUNCTION_NAME_PATTERN = String.raw`(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?`;
const EVENT_SOURCE_ARN_PATTERN = String.raw`arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\-])+:([a-z]{2}(-gov)?-[a-z]+-\d{1})?:(\d{12})?:(.*)`;
const DESTINATION_PATTERN = String.raw`^$|arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\-])+:([a-z]{2}((-gov)|(-iso(b?)))?-[a-z]+-\d{1})?:(\d{12})?:(.*)`;
const KMS_PATTERN = String.raw`(arn:(aws[a-zA-Z-]*)?:[a-z0-9-.]+:.*)|()`;
const TAG_PATTERN = String.raw`[\p{L}\p{Z}\p{N}_.:/=+\-@]*`;
const TAG_KEYS = `Map keys must satisfy constraint: [Member must have length less than or equal to 128, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: ${TAG_PATTERN}]`;
const TAG_VALUES = `Map value must satisfy constraint: [Member must have length less than or equal to 256, Member must have length greater than or equal to 0, Member must satisfy regular expression pattern: ${TAG_PATTERN}]`;
const notNull = 'Member must not be null';
const min = (n: number) => `Member must have value greater than or equal to ${n}`;
const max = (n: number) => `Member must have value less than or equal to ${n}`;
const maxLength = (n: number) => `Member must have length less than or equal to ${n}`;
const minLength = (n: number) => `Member must have length greater than or equal to ${n}`;
const pattern = (p: string) => `Member must satisfy regular expression pattern: ${p}`;
const STARTING_POSITION_ENUM = 'Member must satisfy enum value set: [LATEST, AT_TIMESTAMP, TRIM_HORIZON]';
const RESPONSE_TYPES_ENUM = 'Member must satisfy constraint: [Member must satisfy enum value set: [ReportBatchItemFailures]]';
const METRICS_ENUM = 'Member must satisfy constraint: [Member must satisfy enum value set: [EventCount, ErrorCount, KafkaMetrics]]';

const create = (input: Partial<CreateEventSourceMappingCommandInput>) =>
  sluice.lambda.send(new CreateEventSourceMappingCommand(input as CreateEventSourceMappingCommandInput));

/** Raw request with a JSON (or not) text body. */
function send(method: 'POST' | 'PUT', path: string, body: string): Promise<Response> {
  return fetch(`${sluice.url}${path}`, { method, headers: { 'content-type': 'application/json' }, body });
}

/** A JSON object body of exactly `bytes` bytes: `{"FunctionName":"my-function","Pad":"xxx…"}`. */
function bodyOfSize(bytes: number, members: Record<string, unknown> = { FunctionName: 'my-function' }): string {
  const head = `${JSON.stringify(members).slice(0, -1)},"Pad":"`;
  const text = `${head}${'x'.repeat(bytes - head.length - 2)}"}`;
  expect(Buffer.byteLength(text)).toBe(bytes);
  return text;
}

/** A real SQS mapping, settled to Enabled. */
async function settledSqsMapping(): Promise<string> {
  const queue = await createQueue();
  onTestFinished(queue.cleanup);
  const { UUID } = await create({ FunctionName: 'my-function', EventSourceArn: queue.queueArn });
  await pollUntil(async () => (await sluice.lambda.send(new GetEventSourceMappingCommand({ UUID }))).State === 'Enabled', {
    description: 'Enabled',
  });
  return UUID!;
}

describe('error wire form (api.md §8)', () => {
  it('InvalidParameterValueException: Type User, lower-case message, x-amzn-RequestId', async () => {
    const response = await send('POST', `${ESM_PATH}/`, JSON.stringify({ FunctionName: 'my-function' }));
    expect(response.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    await expectRawError(response, 'InvalidParameterValueException', errorBody('InvalidParameterValueException', 'Unrecognized event source.'));
  });

  it('ValidationException: only a lower-case message, no Type', async () => {
    const response = await send('POST', ESM_PATH, '{}');
    await expectRawError(response, 'ValidationException', { message: `1 validation error detected: ${item(null, 'functionName', notNull)}` });
  });

  it('ResourceNotFoundException: Type User, upper-case Message', async () => {
    const response = await fetch(`${sluice.url}${ESM_PATH}/${randomUUID()}`);
    await expectRawError(response, 'ResourceNotFoundException', { Type: 'User', Message: NOT_FOUND });
  });
});

describe('phase A: V1 unknown mapping', () => {
  it.each([
    ['an unknown UUID', randomUUID()],
    ['a malformed id', 'not-a-uuid'],
    ['a too long id', `${randomUUID()}0`],
  ])('Get, Update and Delete of %s fail with V1', async (_what, uuid) => {
    await expectLambdaError(sluice.lambda.send(new GetEventSourceMappingCommand({ UUID: uuid })), 'ResourceNotFoundException', NOT_FOUND);
    await expectLambdaError(
      sluice.lambda.send(new UpdateEventSourceMappingCommand({ UUID: uuid, BatchSize: 5 })),
      'ResourceNotFoundException',
      NOT_FOUND,
    );
    await expectLambdaError(sluice.lambda.send(new DeleteEventSourceMappingCommand({ UUID: uuid })), 'ResourceNotFoundException', NOT_FOUND);
  });

  it('a mapping already removed answers V1 to Get, Update and Delete', async () => {
    const uuid = await settledSqsMapping();
    await sluice.lambda.send(new DeleteEventSourceMappingCommand({ UUID: uuid }));
    await pollUntil(
      async () => (await rejectionOf(sluice.lambda.send(new GetEventSourceMappingCommand({ UUID: uuid })))).name === 'ResourceNotFoundException',
      { description: 'mapping removed' },
    );
    await expectLambdaError(sluice.lambda.send(new GetEventSourceMappingCommand({ UUID: uuid })), 'ResourceNotFoundException', NOT_FOUND);
    await expectLambdaError(sluice.lambda.send(new UpdateEventSourceMappingCommand({ UUID: uuid, Enabled: false })), 'ResourceNotFoundException', NOT_FOUND);
    await expectLambdaError(sluice.lambda.send(new DeleteEventSourceMappingCommand({ UUID: uuid })), 'ResourceNotFoundException', NOT_FOUND);
  });

  it('Update of an unknown mapping: V1 comes before every body error (V2a, V2, V3, phase C, phase D)', async () => {
    const path = `${ESM_PATH}/${randomUUID()}`;
    const notFound = errorBody('ResourceNotFoundException', NOT_FOUND);
    await expectRawError(await send('PUT', path, bodyOfSize(MAX_BODY + 1)), 'ResourceNotFoundException', notFound);
    await expectRawError(await send('PUT', path, '{not json'), 'ResourceNotFoundException', notFound);
    await expectRawError(await send('PUT', path, '[]'), 'ResourceNotFoundException', notFound);
    await expectRawError(await send('PUT', path, '{"BatchSize": "10"}'), 'ResourceNotFoundException', notFound);
    await expectLambdaError(
      sluice.lambda.send(new UpdateEventSourceMappingCommand({ UUID: randomUUID(), BatchSize: 0, FunctionName: 'bad name' })),
      'ResourceNotFoundException',
      NOT_FOUND,
    );
    await expectLambdaError(
      sluice.lambda.send(new UpdateEventSourceMappingCommand({ UUID: randomUUID(), DestinationConfig: { OnSuccess: { Destination: '' } } })),
      'ResourceNotFoundException',
      NOT_FOUND,
    );
  });
});

describe('phase B: body parsing (V2a, V2, V3)', () => {
  const tooLarge = errorBody('RequestTooLargeException', 'Request must be smaller than 1048576 bytes.');

  it('V2a: a Create body over 1 MiB, JSON or not', async () => {
    await expectRawError(await send('POST', ESM_PATH, bodyOfSize(MAX_BODY + 1)), 'RequestTooLargeException', tooLarge);
    await expectRawError(await send('POST', ESM_PATH, `{${'x'.repeat(MAX_BODY)}`), 'RequestTooLargeException', tooLarge);
  });

  it('V2a: an Update body over 1 MiB for an existing mapping', async () => {
    const uuid = await settledSqsMapping();
    await expectRawError(await send('PUT', `${ESM_PATH}/${uuid}`, bodyOfSize(MAX_BODY + 1, { BatchSize: 5 })), 'RequestTooLargeException', tooLarge);
  });

  it('a body of exactly 1 MiB is read and checked further', async () => {
    const response = await send('POST', ESM_PATH, bodyOfSize(MAX_BODY));
    await expectRawError(response, 'InvalidParameterValueException', errorBody('InvalidParameterValueException', 'Unrecognized event source.'));
  });

  const parseFailure = { Type: 'User', message: expect.stringMatching(/^Could not parse request body into json: \S/) };

  it.each([
    ['not JSON', '{not json'],
    ['truncated JSON', '{"FunctionName": "my-function"'],
    ['empty', ''],
    ['an array', '[]'],
    ['a string', '"my-function"'],
    ['a number', '42'],
    ['null', 'null'],
  ])('V2: a Create body that is %s', async (_what, body) => {
    await expectRawError(await send('POST', ESM_PATH, body), 'InvalidRequestContentException', parseFailure);
  });

  it('V2: an Update body that is not a JSON object, for an existing mapping', async () => {
    const uuid = await settledSqsMapping();
    await expectRawError(await send('PUT', `${ESM_PATH}/${uuid}`, '{"BatchSize": 5,}'), 'InvalidRequestContentException', parseFailure);
    await expectRawError(await send('PUT', `${ESM_PATH}/${uuid}`, '[{"BatchSize": 5}]'), 'InvalidRequestContentException', parseFailure);
  });

  const wrongType = (member: string) => errorBody('InvalidRequestContentException', `Could not parse request body into json: ${member} has the wrong type`);

  it.each([
    ['FunctionName', { FunctionName: 42 }],
    ['EventSourceArn', { EventSourceArn: ['arn'] }],
    ['Enabled', { Enabled: 'yes' }],
    ['BatchSize', { BatchSize: '10' }],
    ['MaximumBatchingWindowInSeconds', { MaximumBatchingWindowInSeconds: true }],
    ['StartingPosition', { StartingPosition: 1 }],
    ['StartingPositionTimestamp', { StartingPositionTimestamp: '2024-01-01T00:00:00Z' }],
    ['ParallelizationFactor', { ParallelizationFactor: {} }],
    ['BisectBatchOnFunctionError', { BisectBatchOnFunctionError: 'false' }],
    ['DestinationConfig', { DestinationConfig: 'arn:aws:sqs:us-east-1:000000000000:q' }],
    ['DestinationConfig.OnFailure.Destination', { DestinationConfig: { OnFailure: { Destination: 5 } } }],
    ['FunctionResponseTypes', { FunctionResponseTypes: 'ReportBatchItemFailures' }],
    ['FilterCriteria', { FilterCriteria: [] }],
    ['FilterCriteria.Filters', { FilterCriteria: { Filters: {} } }],
    ['FilterCriteria.Filters[0].Pattern', { FilterCriteria: { Filters: [{ Pattern: {} }] } }],
    ['ScalingConfig.MaximumConcurrency', { ScalingConfig: { MaximumConcurrency: '5' } }],
    ['KMSKeyArn', { KMSKeyArn: false }],
    ['MetricsConfig.Metrics', { MetricsConfig: { Metrics: 'EventCount' } }],
    ['Tags', { Tags: [] }],
    ['Tags.team', { Tags: { team: 1 } }],
  ])('V3: %s with the wrong JSON type', async (member, members) => {
    const body = JSON.stringify({ FunctionName: 'my-function', EventSourceArn: SQS_ARN, ...members });
    await expectRawError(await send('POST', ESM_PATH, body), 'InvalidRequestContentException', wrongType(member));
  });

  it('V3 on Update of an existing mapping', async () => {
    const uuid = await settledSqsMapping();
    await expectRawError(await send('PUT', `${ESM_PATH}/${uuid}`, '{"Enabled": "no"}'), 'InvalidRequestContentException', wrongType('Enabled'));
  });

  it('a member sent as JSON null counts as absent', async () => {
    // FunctionName null is missing (V4), not a wrong type; EventSourceArn null is missing (V18).
    await expectRawError(
      await send('POST', ESM_PATH, '{"FunctionName": null, "EventSourceArn": null}'),
      'ValidationException',
      { message: `1 validation error detected: ${item(null, 'functionName', notNull)}` },
    );
    await expectRawError(
      await send('POST', ESM_PATH, '{"FunctionName": "my-function", "EventSourceArn": null, "BatchSize": null}'),
      'InvalidParameterValueException',
      errorBody('InvalidParameterValueException', 'Unrecognized event source.'),
    );
    // ...and a filter whose Pattern is null fails V37, not V3.
    await expectRawError(
      await send('POST', ESM_PATH, JSON.stringify({ FunctionName: 'my-function', EventSourceArn: SQS_ARN, FilterCriteria: { Filters: [{ Pattern: null }] } })),
      'InvalidParameterValueException',
      errorBody('InvalidParameterValueException', 'Invalid filter pattern definition.'),
    );
  });

  it('null members of an Update body keep the current value', async () => {
    const uuid = await settledSqsMapping();
    const response = await send('PUT', `${ESM_PATH}/${uuid}`, '{"BatchSize": null, "MaximumBatchingWindowInSeconds": 2}');
    expect(response.status).toBe(202);
    const updated = (await response.json()) as Record<string, unknown>;
    expect(updated).toMatchObject({ BatchSize: 10, MaximumBatchingWindowInSeconds: 2, State: 'Updating' });
  });

  /** `depth` objects, each the only member of the one around it. */
  const deep = (depth: number, leaf = '1') => `${'{"a":'.repeat(depth)}${leaf}${'}'.repeat(depth)}`;
  const tooDeep = errorBody('InvalidRequestContentException', 'Could not parse request body into json: nesting depth exceeds the maximum of 1000');

  it.each([
    ['the whole body', (d: number) => deep(d)],
    ['an unknown member', (d: number) => `{"FunctionName": "my-function", "Extra": ${deep(d - 1)}}`],
    ['a known member', (d: number) => `{"FunctionName": "my-function", "FilterCriteria": {"Filters": [${deep(d - 3)}]}}`],
    ['members that are all null', (d: number) => deep(d, 'null')],
  ])('V2: %s nested deeper than 1000 levels (10,000, 100,000)', async (_where, body) => {
    for (const depth of [1_001, 10_000, 100_000]) {
      await expectRawError(await send('POST', ESM_PATH, body(depth)), 'InvalidRequestContentException', tooDeep);
    }
    const uuid = randomUUID();
    // 1000 levels are read (and, unknown, ignored); Update answers V1 before reading a body at all.
    await expectRawError(await send('POST', ESM_PATH, `{"FunctionName": "my-function", "Extra": ${deep(999)}}`), 'InvalidParameterValueException', errorBody('InvalidParameterValueException', 'Unrecognized event source.'));
    await expectRawError(await send('PUT', `${ESM_PATH}/${uuid}`, deep(10_000)), 'ResourceNotFoundException', errorBody('ResourceNotFoundException', NOT_FOUND));
  });

  it('V2 on Update of an existing mapping: a body nested 10,000 levels deep', async () => {
    const uuid = await settledSqsMapping();
    await expectRawError(await send('PUT', `${ESM_PATH}/${uuid}`, `{"BatchSize": 5, "Extra": ${deep(10_000)}}`), 'InvalidRequestContentException', tooDeep);
  });

  it('__proto__ members are ignored like any unknown member: nothing hidden in them is read', async () => {
    const queue = await createQueue();
    onTestFinished(queue.cleanup);
    // Members that would fail validation (BatchSize 0, a bad FunctionName) have no effect...
    const hidden = `"__proto__": {"BatchSize": 0, "FunctionName": "bad name", "StartingPosition": "LATEST"}`;
    const created = await send('POST', ESM_PATH, `{${hidden}, "FunctionName": "my-function", "EventSourceArn": "${queue.queueArn}", "Enabled": false}`);
    expect(created.status).toBe(202);
    const mapping = (await created.json()) as Record<string, unknown>;
    expect(mapping).toMatchObject({ BatchSize: 10, State: 'Disabled' });
    // ...nor do members that would pass it, at the top or nested.
    const updated = await send(
      'PUT',
      `${ESM_PATH}/${mapping.UUID as string}`,
      '{"__proto__": {"BatchSize": 5, "Enabled": true}, "ScalingConfig": {"__proto__": {"MaximumConcurrency": 7}}, "FilterCriteria": {"__proto__": {"Filters": [{"Pattern": "{\\"body\\": [\\"x\\"]}"}]}}}',
    );
    expect(updated.status).toBe(202);
    const after = (await updated.json()) as Record<string, unknown>;
    expect(after.BatchSize).toBe(10);
    expect(after.State).not.toBe('Enabling');
    expect(after).not.toHaveProperty('FilterCriteria');
    expect(after.ScalingConfig ?? {}).toEqual({});
    // A Create whose only EventSourceArn hides in __proto__ has none (V18).
    await expectRawError(
      await send('POST', ESM_PATH, `{"FunctionName": "my-function", "__proto__": {"EventSourceArn": "${queue.queueArn}"}}`),
      'InvalidParameterValueException',
      errorBody('InvalidParameterValueException', 'Unrecognized event source.'),
    );
  });

  it('order: V2a before V2, V2 before V3, V3 before phase C', async () => {
    await expectRawError(await send('POST', ESM_PATH, `[${'1,'.repeat(MAX_BODY / 2)}1]`), 'RequestTooLargeException', tooLarge);
    await expectRawError(await send('POST', ESM_PATH, '{"BatchSize": "1", "StartingPosition": "bogus"'), 'InvalidRequestContentException', parseFailure);
    await expectRawError(
      await send('POST', ESM_PATH, '{"BatchSize": "1", "StartingPosition": "bogus"}'),
      'InvalidRequestContentException',
      wrongType('BatchSize'),
    );
  });
});

describe('phase C: model constraints (V4–V16)', () => {
  it('V4: Create without FunctionName', async () => {
    await expectValidation(create({ EventSourceArn: SQS_ARN }), [item(null, 'functionName', notNull)]);
  });

  it('V5: FunctionName longer than 256', async () => {
    const name = 'a'.repeat(257);
    await expectValidation(create({ FunctionName: name, EventSourceArn: SQS_ARN }), [item(name, 'functionName', maxLength(256))]);
  });

  it('FunctionName of length 0', async () => {
    await expectValidation(create({ FunctionName: '', EventSourceArn: SQS_ARN }), [item('', 'functionName', minLength(1))]);
  });

  it.each(['my function', 'my-function:', 'my-function:v1:v2', 'arn:aws:lambda:us-east-1:123456789012:function:', 'fn/x', 'my-function:$latest'])(
    'V6: FunctionName %s does not match the pattern',
    async (name) => {
      await expectValidation(create({ FunctionName: name, EventSourceArn: SQS_ARN }), [item(name, 'functionName', pattern(FUNCTION_NAME_PATTERN))]);
    },
  );

  it.each(['not-an-arn', 'arn:aws:sqs', 'arn:aws:sqs:US-EAST-1:000000000000:q', 'arn:aws:sqs:us-east-1:0000:q', 'arn:other:sqs:us-east-1:000000000000:q'])(
    'V7: EventSourceArn %s does not match the ARN pattern',
    async (arn) => {
      await expectValidation(create({ FunctionName: 'my-function', EventSourceArn: arn }), [
        item(arn, 'eventSourceArn', pattern(EVENT_SOURCE_ARN_PATTERN)),
      ]);
    },
  );

  it('V8: StartingPosition not one of the three values (the full message of api.md §9)', async () => {
    const error = await rejectionOf(create({ FunctionName: 'my-function', EventSourceArn: SQS_ARN, StartingPosition: 'invalid' as never }));
    expect(error.message).toBe(
      "1 validation error detected: Value 'invalid' at 'startingPosition' failed to satisfy constraint: Member must satisfy enum value set: [LATEST, AT_TIMESTAMP, TRIM_HORIZON]",
    );
    await expectValidation(create({ FunctionName: 'my-function', EventSourceArn: SQS_ARN, StartingPosition: 'latest' as never }), [
      item('latest', 'startingPosition', STARTING_POSITION_ENUM),
    ]);
  });

  const ranges: [string, Partial<CreateEventSourceMappingCommandInput>, Partial<CreateEventSourceMappingCommandInput>, string, number, number][] = [
    ['batchSize', { BatchSize: 0 }, { BatchSize: 10001 }, 'batchSize', 1, 10000],
    ['maximumBatchingWindowInSeconds', { MaximumBatchingWindowInSeconds: -1 }, { MaximumBatchingWindowInSeconds: 301 }, 'maximumBatchingWindowInSeconds', 0, 300],
    ['parallelizationFactor', { ParallelizationFactor: 0 }, { ParallelizationFactor: 11 }, 'parallelizationFactor', 1, 10],
    ['maximumRetryAttempts', { MaximumRetryAttempts: -2 }, { MaximumRetryAttempts: 10001 }, 'maximumRetryAttempts', -1, 10000],
    ['maximumRecordAgeInSeconds', { MaximumRecordAgeInSeconds: -2 }, { MaximumRecordAgeInSeconds: 604801 }, 'maximumRecordAgeInSeconds', -1, 604800],
    ['tumblingWindowInSeconds', { TumblingWindowInSeconds: -1 }, { TumblingWindowInSeconds: 901 }, 'tumblingWindowInSeconds', 0, 900],
    ['scalingConfig.maximumConcurrency', { ScalingConfig: { MaximumConcurrency: 1 } }, { ScalingConfig: { MaximumConcurrency: 1001 } }, 'scalingConfig.maximumConcurrency', 2, 1000],
    ['provisionedPollerConfig.minimumPollers', { ProvisionedPollerConfig: { MinimumPollers: 0 } }, { ProvisionedPollerConfig: { MinimumPollers: 201 } }, 'provisionedPollerConfig.minimumPollers', 1, 200],
    ['provisionedPollerConfig.maximumPollers', { ProvisionedPollerConfig: { MaximumPollers: 0 } }, { ProvisionedPollerConfig: { MaximumPollers: 10001 } }, 'provisionedPollerConfig.maximumPollers', 1, 10000],
  ];
  it.each(ranges)('V9: %s outside its model range', async (_name, below, above, path, low, high) => {
    const value = (input: Partial<CreateEventSourceMappingCommandInput>) => String(JSON.stringify(input).match(/-?\d+/)![0]);
    await expectValidation(create({ FunctionName: 'my-function', EventSourceArn: SQS_ARN, ...below }), [item(value(below), path, min(low))]);
    await expectValidation(create({ FunctionName: 'my-function', EventSourceArn: SQS_ARN, ...above }), [item(value(above), path, max(high))]);
  });

  it('V9: the ends of every range pass phase C', async () => {
    // Each fails later (phase D) instead: proof the value itself was accepted by phase C.
    const edges: Partial<CreateEventSourceMappingCommandInput>[] = [
      { BatchSize: 1 },
      { BatchSize: 10000, MaximumBatchingWindowInSeconds: 300 },
      { MaximumBatchingWindowInSeconds: 0 },
      { ScalingConfig: { MaximumConcurrency: 2 } },
      { ScalingConfig: { MaximumConcurrency: 1000 } },
    ];
    for (const edge of edges) {
      await expectInvalidParameter(create({ EventSourceArn: 'arn:aws:sns:us-east-1:000000000000:topic', FunctionName: 'my-function', ...edge }), 'Unrecognized event source.');
    }
  });

  it('V10: FunctionResponseTypes with an unknown value or more than one item', async () => {
    await expectValidation(create({ FunctionName: 'my-function', EventSourceArn: SQS_ARN, FunctionResponseTypes: ['Foo' as never] }), [
      item('[Foo]', 'functionResponseTypes', RESPONSE_TYPES_ENUM),
    ]);
    await expectValidation(
      create({ FunctionName: 'my-function', EventSourceArn: SQS_ARN, FunctionResponseTypes: ['ReportBatchItemFailures', 'Foo' as never] }),
      [item('[ReportBatchItemFailures, Foo]', 'functionResponseTypes', maxLength(1))],
    );
    await expectValidation(
      create({ FunctionName: 'my-function', EventSourceArn: SQS_ARN, FunctionResponseTypes: ['ReportBatchItemFailures', 'ReportBatchItemFailures'] }),
      [item('[ReportBatchItemFailures, ReportBatchItemFailures]', 'functionResponseTypes', maxLength(1))],
    );
  });

  it('V11: MetricsConfig.Metrics with an unknown value or more than 3 items', async () => {
    await expectValidation(create({ FunctionName: 'my-function', EventSourceArn: SQS_ARN, MetricsConfig: { Metrics: ['EventCount', 'Bogus' as never] } }), [
      item('[EventCount, Bogus]', 'metricsConfig.metrics', METRICS_ENUM),
    ]);
    await expectValidation(
      create({ FunctionName: 'my-function', EventSourceArn: SQS_ARN, MetricsConfig: { Metrics: ['EventCount', 'EventCount', 'EventCount', 'EventCount'] } }),
      [item('[EventCount, EventCount, EventCount, EventCount]', 'metricsConfig.metrics', maxLength(3))],
    );
  });

  it('V12: OnFailure.Destination that is not an ARN, or longer than 350', async () => {
    const stream = 'arn:aws:kinesis:us-east-1:000000000000:stream/validation-model-unused';
    for (const destination of ['not-an-arn', 'arn:aws:sqs:US-EAST-1:000000000000:q', 'arn:aws:sqs:us-east-1:123:q']) {
      await expectValidation(
        create({ FunctionName: 'my-function', EventSourceArn: stream, StartingPosition: 'LATEST', DestinationConfig: { OnFailure: { Destination: destination } } }),
        [item(destination, 'destinationConfig.onFailure.destination', pattern(DESTINATION_PATTERN))],
      );
    }
    const long = `arn:aws:sqs:us-east-1:000000000000:${'q'.repeat(316)}`;
    expect(long).toHaveLength(351);
    await expectValidation(
      create({ FunctionName: 'my-function', EventSourceArn: stream, StartingPosition: 'LATEST', DestinationConfig: { OnFailure: { Destination: long } } }),
      [item(long, 'destinationConfig.onFailure.destination', maxLength(350))],
    );
  });

  it('V13: a Pattern longer than 4096 characters (1-based index in the path)', async () => {
    const long = `{"body": ["${'x'.repeat(4097 - 14)}"]}`;
    expect(long).toHaveLength(4097);
    await expectValidation(
      create({ FunctionName: 'my-function', EventSourceArn: SQS_ARN, FilterCriteria: { Filters: [{ Pattern: '{"body": ["a"]}' }, { Pattern: long }] } }),
      [item(long, 'filterCriteria.filters.2.member.pattern', maxLength(4096))],
    );
    // 4096 is fine (it passes phase C; the unknown ARN kind fails later).
    await expectInvalidParameter(
      create({ FunctionName: 'my-function', EventSourceArn: 'arn:aws:sns:us-east-1:000000000000:t', FilterCriteria: { Filters: [{ Pattern: long.slice(1) }] } }),
      'Unrecognized event source.',
    );
  });

  it.each([
    ['a key with a character outside the tag pattern', { 'bad#key': 'v' }, '{bad#key=v}', TAG_KEYS],
    ['an empty key', { '': 'v' }, '{=v}', TAG_KEYS],
    ['a key longer than 128', { ['k'.repeat(129)]: 'v' }, `{${'k'.repeat(129)}=v}`, TAG_KEYS],
    ['a value longer than 256', { team: 'v'.repeat(257) }, `{team=${'v'.repeat(257)}}`, TAG_VALUES],
  ])('V14: Tags with %s', async (_what, tags, shown, constraint) => {
    await expectValidation(create({ FunctionName: 'my-function', EventSourceArn: SQS_ARN, Tags: tags }), [item(shown, 'tags', constraint)]);
  });

  it('V14: a key of 128 characters, unicode letters and the allowed punctuation pass phase C', async () => {
    const tags = { ['k'.repeat(128)]: '', 'équipe Ünits_.:/=+-@ 1': 'v'.repeat(256) };
    await expectInvalidParameter(create({ FunctionName: 'my-function', EventSourceArn: 'arn:aws:sns:us-east-1:000000000000:t', Tags: tags }), 'Unrecognized event source.');
  });

  it('V15: KMSKeyArn that is not a KMS key ARN', async () => {
    for (const kms of ['not-an-arn', 'arn:aws:KMS:us-east-1:000000000000:key/1']) {
      await expectValidation(create({ FunctionName: 'my-function', EventSourceArn: SQS_ARN, KMSKeyArn: kms }), [item(kms, 'kMSKeyArn', pattern(KMS_PATTERN))]);
    }
  });

  it('V16: List MaxItems outside 1–10000', async () => {
    await expectValidation(sluice.lambda.send(new ListEventSourceMappingsCommand({ MaxItems: 0 })), [item('0', 'maxItems', min(1))]);
    await expectValidation(sluice.lambda.send(new ListEventSourceMappingsCommand({ MaxItems: 10001 })), [item('10001', 'maxItems', max(10000))]);
    const ok = await sluice.lambda.send(new ListEventSourceMappingsCommand({ MaxItems: 10000 }));
    expect(ok.EventSourceMappings).toBeDefined();
  });

  it('collects every violation into one message, in the field order of §3', async () => {
    const long = `{"body": ["${'x'.repeat(4100)}"]}`;
    const input: Partial<CreateEventSourceMappingCommandInput> = {
      // Deliberately not in §3 order: the message must be.
      Tags: { 'a#b': 'c' },
      MetricsConfig: { Metrics: ['Bogus' as never] },
      KMSKeyArn: 'kms',
      ProvisionedPollerConfig: { MinimumPollers: 0, MaximumPollers: 10001 },
      ScalingConfig: { MaximumConcurrency: 1 },
      FilterCriteria: { Filters: [{ Pattern: long }] },
      FunctionResponseTypes: ['Nope' as never],
      DestinationConfig: { OnFailure: { Destination: 'dest' } },
      TumblingWindowInSeconds: 901,
      BisectBatchOnFunctionError: true,
      MaximumRecordAgeInSeconds: -2,
      MaximumRetryAttempts: 10001,
      ParallelizationFactor: 0,
      StartingPosition: 'NOW' as never,
      MaximumBatchingWindowInSeconds: 301,
      BatchSize: 0,
      Enabled: false,
      EventSourceArn: 'source',
      FunctionName: 'bad name',
    };
    await expectValidation(create(input), [
      item('bad name', 'functionName', pattern(FUNCTION_NAME_PATTERN)),
      item('source', 'eventSourceArn', pattern(EVENT_SOURCE_ARN_PATTERN)),
      item('0', 'batchSize', min(1)),
      item('301', 'maximumBatchingWindowInSeconds', max(300)),
      item('NOW', 'startingPosition', STARTING_POSITION_ENUM),
      item('0', 'parallelizationFactor', min(1)),
      item('10001', 'maximumRetryAttempts', max(10000)),
      item('-2', 'maximumRecordAgeInSeconds', min(-1)),
      item('901', 'tumblingWindowInSeconds', max(900)),
      item('dest', 'destinationConfig.onFailure.destination', pattern(DESTINATION_PATTERN)),
      item('[Nope]', 'functionResponseTypes', RESPONSE_TYPES_ENUM),
      item(long, 'filterCriteria.filters.1.member.pattern', maxLength(4096)),
      item('1', 'scalingConfig.maximumConcurrency', min(2)),
      item('0', 'provisionedPollerConfig.minimumPollers', min(1)),
      item('10001', 'provisionedPollerConfig.maximumPollers', max(10000)),
      item('kms', 'kMSKeyArn', pattern(KMS_PATTERN)),
      item('[Bogus]', 'metricsConfig.metrics', METRICS_ENUM),
      item('{a#b=c}', 'tags', TAG_KEYS),
    ]);
  });

  it('two violations: "2 validation errors detected: a; b"', async () => {
    const error = await rejectionOf(create({ EventSourceArn: SQS_ARN, BatchSize: 20000 }));
    expect(error.message).toBe(
      "2 validation errors detected: Value null at 'functionName' failed to satisfy constraint: Member must not be null; " +
        "Value '20000' at 'batchSize' failed to satisfy constraint: Member must have value less than or equal to 10000",
    );
  });

  it('phase C runs on Update bodies (FunctionName not required there)', async () => {
    const uuid = await settledSqsMapping();
    await expectValidation(sluice.lambda.send(new UpdateEventSourceMappingCommand({ UUID: uuid, BatchSize: 0, FunctionName: 'x y' })), [
      item('x y', 'functionName', pattern(FUNCTION_NAME_PATTERN)),
      item('0', 'batchSize', min(1)),
    ]);
    await expectValidation(sluice.lambda.send(new UpdateEventSourceMappingCommand({ UUID: uuid, ScalingConfig: { MaximumConcurrency: 1001 } })), [
      item('1001', 'scalingConfig.maximumConcurrency', max(1000)),
    ]);
    // Nothing was applied.
    const current = await sluice.lambda.send(new GetEventSourceMappingCommand({ UUID: uuid }));
    expect({ State: current.State, BatchSize: current.BatchSize, ScalingConfig: current.ScalingConfig }).toEqual({
      State: 'Enabled',
      BatchSize: 10,
      ScalingConfig: undefined,
    });
  });

  it('order: phase C before phase D (V17, V18 and the rest wait for a clean model)', async () => {
    await expectValidation(create({ FunctionName: 'my-function', BatchSize: 0, DestinationConfig: { OnSuccess: { Destination: '' } } }), [
      item('0', 'batchSize', min(1)),
    ]);
    await expectValidation(create({ FunctionName: 'unknown-function', EventSourceArn: SQS_ARN, StartingPosition: 'LATEST', BatchSize: 10001 }), [
      item('10001', 'batchSize', max(10000)),
    ]);
  });
});
