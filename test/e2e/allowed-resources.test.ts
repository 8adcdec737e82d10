/**
 * `sources.allow` and `destinations.allow` (issue #11) through @aws-sdk/client-lambda:
 * Create and Update outside the lists are refused with InvalidParameterValueException
 * naming the setting; inside them the request goes on to the next checks (a missing
 * source then answers V39 / V40, which is how "allowed" shows without creating anything);
 * declared mappings obey the lists (exit 2, one line); start-up warnings.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { CreateEventSourceMappingCommand, UpdateEventSourceMappingCommand, type CreateEventSourceMappingCommandInput } from '@aws-sdk/client-lambda';
import { allocateRedisDb, createQueue, createStream, uniqueName } from '../support/index.js';
import { startTestSluice, TEST_FUNCTIONS, waitForState, type TestSluice } from '../support/sluice.js';
import { expectInvalidParameter } from '../support/api-errors.js';
import { SLUICE_BIN, sluiceEnvironment, writeConfigFile } from '../support/sluice-process.js';
import { StartupError } from '../../src/app.js';

const ACCOUNT = '000000000000';
const ALLOW = {
  sources: { allow: [`arn:aws:sqs:us-east-1:${ACCOUNT}:allowed-*`, `arn:aws:kinesis:*:${ACCOUNT}:stream/allowed-*`] },
  destinations: { allow: [`arn:aws:sqs:*:${ACCOUNT}:dest-ok-*`] },
};
const QUEUE_MISSING =
  'Error occurred while ReceiveMessage. SQS Error Code: AWS.SimpleQueueService.NonExistentQueue. SQS Error Message: The specified queue does not exist.';
const sourceRefused = (arn: string) => `EventSourceArn ${arn} is not allowed by this Sluice's sources.allow setting.`;
const destinationRefused = (arn: string) =>
  `DestinationConfig.OnFailure.Destination ${arn} is not allowed by this Sluice's destinations.allow setting.`;
const warnLines = (sluice: TestSluice) => sluice.logs.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.level === 40);

let sluice: TestSluice;
beforeAll(async () => {
  sluice = await startTestSluice(ALLOW);
});
afterAll(async () => {
  await sluice?.stop();
});

type Input = Partial<CreateEventSourceMappingCommandInput>;
const create = (input: Input) =>
  sluice.lambda.send(new CreateEventSourceMappingCommand({ FunctionName: 'my-function', ...input }));

describe('sources.allow on Create', () => {
  it('refuses a queue outside the list, naming the ARN and the setting', async () => {
    const arn = `arn:aws:sqs:us-east-1:${ACCOUNT}:${uniqueName('other')}`;
    await expectInvalidParameter(create({ EventSourceArn: arn }), sourceRefused(arn));
  });

  it('lets a queue inside the list through to the next check (the queue does not exist: V39)', async () => {
    await expectInvalidParameter(create({ EventSourceArn: `arn:aws:sqs:us-east-1:${ACCOUNT}:${uniqueName('allowed')}` }), QUEUE_MISSING);
  });

  it('matches the whole ARN: a prefix or another region of an SQS pattern without `*` there is refused', async () => {
    const otherRegion = `arn:aws:sqs:eu-west-1:${ACCOUNT}:allowed-x`;
    await expectInvalidParameter(create({ EventSourceArn: otherRegion }), sourceRefused(otherRegion));
    const otherAccount = `arn:aws:sqs:us-east-1:111111111111:allowed-x`;
    await expectInvalidParameter(create({ EventSourceArn: otherAccount }), sourceRefused(otherAccount));
  });

  it('`*` spans `:` and `/`: any region, and the consumers of an allowed stream', async () => {
    const stream = `arn:aws:kinesis:eu-west-1:${ACCOUNT}:stream/${uniqueName('allowed')}`;
    await expectInvalidParameter(create({ EventSourceArn: stream, StartingPosition: 'LATEST' }), `Stream not found: ${stream}`);
    const consumer = `${stream}/consumer/c1:1700000000`;
    await expectInvalidParameter(create({ EventSourceArn: consumer, StartingPosition: 'LATEST' }), `Stream not found: ${consumer}`);
    const refused = `arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/${uniqueName('other')}`;
    await expectInvalidParameter(create({ EventSourceArn: refused, StartingPosition: 'LATEST' }), sourceRefused(refused));
  });

  it('runs after Lambda\'s own rules and before the function check', async () => {
    const refused = `arn:aws:sqs:us-east-1:${ACCOUNT}:${uniqueName('other')}`;
    // V20 (a Lambda rule) wins over the list.
    await expectInvalidParameter(create({ EventSourceArn: refused, StartingPosition: 'LATEST' }), 'StartingPosition is not valid for SQS event sources.');
    // The list wins over V38 (unknown function).
    await expectInvalidParameter(create({ EventSourceArn: refused, FunctionName: 'no-such-function' }), sourceRefused(refused));
  });
});

describe('destinations.allow', () => {
  const allowedStream = () => `arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/${uniqueName('allowed')}`;

  it('Create: refuses an on-failure destination outside the list; one inside goes on to the next check', async () => {
    const stream = allowedStream();
    const refused = `arn:aws:sqs:us-east-1:${ACCOUNT}:${uniqueName('failures')}`;
    await expectInvalidParameter(
      create({ EventSourceArn: stream, StartingPosition: 'LATEST', DestinationConfig: { OnFailure: { Destination: refused } } }),
      destinationRefused(refused),
    );
    const snsRefused = `arn:aws:sns:us-east-1:${ACCOUNT}:dest-ok-topic`;
    await expectInvalidParameter(
      create({ EventSourceArn: stream, StartingPosition: 'LATEST', DestinationConfig: { OnFailure: { Destination: snsRefused } } }),
      destinationRefused(snsRefused),
    );
    const allowed = `arn:aws:sqs:us-west-2:${ACCOUNT}:dest-ok-${uniqueName('f')}`;
    await expectInvalidParameter(
      create({ EventSourceArn: stream, StartingPosition: 'LATEST', DestinationConfig: { OnFailure: { Destination: allowed } } }),
      `Stream not found: ${stream}`,
    );
  });

  it('Update: a destination outside the list is refused; other changes and clearing it are not', async () => {
    const stream = await createStream({ prefix: 'allowed' });
    onTestFinished(stream.cleanup);
    const good = `arn:aws:sqs:us-east-1:${ACCOUNT}:dest-ok-${uniqueName('f')}`;
    const created = await create({ EventSourceArn: stream.streamArn, StartingPosition: 'LATEST', DestinationConfig: { OnFailure: { Destination: good } } });
    const uuid = created.UUID!;
    const refused = `arn:aws:sqs:us-east-1:${ACCOUNT}:${uniqueName('failures')}`;
    const update = (input: Record<string, unknown>) => sluice.lambda.send(new UpdateEventSourceMappingCommand({ UUID: uuid, ...input }));
    await expectInvalidParameter(update({ DestinationConfig: { OnFailure: { Destination: refused } } }), destinationRefused(refused));
    // Settle between updates (Update answers ResourceInUse while Updating).
    const settle = () => waitForState(sluice.lambda, uuid, 'Enabled');
    await settle();
    expect((await update({ BatchSize: 50 })).DestinationConfig).toEqual({ OnFailure: { Destination: good } });
    await settle();
    expect((await update({ DestinationConfig: { OnFailure: { Destination: '' } } })).DestinationConfig).toEqual({ OnFailure: {} });
  });
});

describe('mappings created before a list was set', () => {
  it('keep running, can still be updated, and are named in a start-up warning', async () => {
    const db = await allocateRedisDb();
    const queue = await createQueue({ prefix: 'legacy', visibilityTimeoutSeconds: 30 });
    onTestFinished(queue.cleanup);
    const open = await startTestSluice({}, db);
    let uuid: string;
    try {
      uuid = (await open.lambda.send(new CreateEventSourceMappingCommand({ FunctionName: 'my-function', EventSourceArn: queue.queueArn }))).UUID!;
    } finally {
      await open.stop();
    }
    const narrowed = await startTestSluice(ALLOW, db);
    onTestFinished(() => narrowed.stop());
    const warning = warnLines(narrowed).find((line) => line.mappingId === uuid);
    expect(warning).toMatchObject({
      eventSourceArn: queue.queueArn,
      settings: ['sources.allow'],
      msg: `mapping ${uuid} uses what sources.allow does not allow; it keeps running until deleted or repointed`,
    });
    await waitForState(narrowed.lambda, uuid, 'Enabled');
    const updated = await narrowed.lambda.send(new UpdateEventSourceMappingCommand({ UUID: uuid, Enabled: false }));
    expect(updated.State).toBe('Disabling');
  });
});

describe('declared mappings obey the lists', () => {
  it('in-process: the start fails with one line naming the mapping, the ARN and the setting', async () => {
    const arn = `arn:aws:sqs:us-east-1:${ACCOUNT}:${uniqueName('other')}`;
    const started = startTestSluice({ ...ALLOW, mappings: [{ FunctionName: 'my-function', EventSourceArn: arn }] });
    await expect(started).rejects.toThrow(StartupError);
    await expect(started).rejects.toThrow(`mappings[0] (${arn} -> my-function): InvalidParameterValueException: ${sourceRefused(arn)}`);
  });

  it('`sluice start` with SLUICE_SOURCES_ALLOW (comma-separated) exits 2 with one line', async () => {
    const db = await allocateRedisDb();
    const arn = `arn:aws:sqs:us-east-1:${ACCOUNT}:${uniqueName('other')}`;
    const file = writeConfigFile({ functions: TEST_FUNCTIONS, mappings: [{ FunctionName: 'my-function', EventSourceArn: arn }] });
    const result = spawnSync(process.execPath, [SLUICE_BIN, 'start', '--config', file], {
      env: sluiceEnvironment(db, 0, { SLUICE_SOURCES_ALLOW: ` arn:aws:sqs:*:${ACCOUNT}:allowed-* , arn:aws:kinesis:* ,` }),
      encoding: 'utf8',
      timeout: 50_000,
    });
    expect(result.status).toBe(2);
    expect(result.stderr.trimEnd().split('\n')).toEqual([`sluice: mappings[0] (${arn} -> my-function): InvalidParameterValueException: ${sourceRefused(arn)}`]);
  }, 60_000);
});

describe('start-up warning about unset lists', () => {
  it('an API beyond loopback without lists: one warn naming both settings', async () => {
    const exposed = await startTestSluice({ api: { host: '0.0.0.0', port: 0, auth: { mode: 'none' } } });
    onTestFinished(() => exposed.stop());
    const warnings = warnLines(exposed).filter((line) => Array.isArray(line.settings) && line.apiHost === '0.0.0.0');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({
      settings: ['sources.allow', 'destinations.allow'],
      msg: "sources.allow and destinations.allow unset while the API listens on 0.0.0.0: callers may point mappings at any source or destination Sluice's AWS credentials reach",
    });
  });

  it('names only the unset one, and says nothing on loopback', async () => {
    const half = await startTestSluice({ api: { host: '0.0.0.0', port: 0, auth: { mode: 'none' } }, sources: ALLOW.sources });
    onTestFinished(() => half.stop());
    expect(warnLines(half).filter((line) => line.apiHost === '0.0.0.0').map((line) => line.settings)).toEqual([['destinations.allow']]);
    expect(warnLines(sluice).filter((line) => line.apiHost !== undefined)).toEqual([]);
    const loopbackOpen = await startTestSluice();
    onTestFinished(() => loopbackOpen.stop());
    expect(warnLines(loopbackOpen).filter((line) => line.apiHost !== undefined)).toEqual([]);
  });
});
