/**
 * Phase E (api.md §9: V45–V49): List markers and the tag operations, with the tag
 * operations' happy paths (§2), through @aws-sdk/client-lambda.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateEventSourceMappingCommand,
  DeleteEventSourceMappingCommand,
  GetEventSourceMappingCommand,
  ListEventSourceMappingsCommand,
  ListTagsCommand,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-lambda';
import { createQueue, createRedis, pollUntil, type TestQueue } from '../support/index.js';
import { SLUICE_ACCOUNT_ID, startTestSluice, type TestSluice } from '../support/sluice.js';
import { errorBody, expectInvalidParameter, expectLambdaError, expectRawError, expectValidation, item, rejectionOf } from '../support/api-errors.js';

let sluice: TestSluice;
let queue: TestQueue;
beforeAll(async () => {
  [sluice, queue] = await Promise.all([startTestSluice(), createQueue()]);
});
afterAll(async () => {
  await sluice?.stop();
  await queue?.cleanup();
});

const TAGGABLE_PATTERN = String.raw`arn:(aws[a-zA-Z-]*):lambda:(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:\d{12}:(function:[a-zA-Z0-9-_]+(:(\$LATEST|[a-zA-Z0-9-_]+))?|layer:([a-zA-Z0-9-_]+)|code-signing-config:csc-[a-z0-9]{17}|event-source-mapping:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|capacity-provider:[a-zA-Z0-9-_]+)`;
const TAG_KEYS = String.raw`Map keys must satisfy constraint: [Member must have length less than or equal to 128, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]*]`;
const TOO_MANY_TAGS = 'Number of tags exceeds resource tag limit.';
const esmArn = (uuid: string, account = SLUICE_ACCOUNT_ID, region = 'us-east-1') =>
  `arn:aws:lambda:${region}:${account}:event-source-mapping:${uuid}`;

/** Each mapping on the shared queue gets a FunctionArn of its own. */
let qualifier = 0;
async function createMapping(tags?: Record<string, string>): Promise<{ uuid: string; arn: string }> {
  const created = await sluice.lambda.send(
    new CreateEventSourceMappingCommand({ FunctionName: `my-function:t${++qualifier}`, EventSourceArn: queue.queueArn, Enabled: false, Tags: tags }),
  );
  expect(created.EventSourceMappingArn).toBe(esmArn(created.UUID!));
  return { uuid: created.UUID!, arn: created.EventSourceMappingArn! };
}

const listTags = async (arn: string) => (await sluice.lambda.send(new ListTagsCommand({ Resource: arn }))).Tags;
const tag = (arn: string, tags: Record<string, string>) => sluice.lambda.send(new TagResourceCommand({ Resource: arn, Tags: tags }));
const untag = (arn: string, keys: string[]) => sluice.lambda.send(new UntagResourceCommand({ Resource: arn, TagKeys: keys }));
const manyTags = (n: number, prefix = 'k') => Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}${i}`, `v${i}`]));

describe('tag operations', () => {
  it('Tags given at create show in ListTags; TagResource adds and replaces; UntagResource removes', async () => {
    const { arn } = await createMapping({ team: 'payments', env: 'dev' });
    expect(await listTags(arn)).toEqual({ team: 'payments', env: 'dev' });

    const tagged = await tag(arn, { env: 'prod', 'owner:email': 'a@b.c', 'ünïcode key': 'välue' });
    expect(tagged.$metadata.httpStatusCode).toBe(204);
    expect(await listTags(arn)).toEqual({ team: 'payments', env: 'prod', 'owner:email': 'a@b.c', 'ünïcode key': 'välue' });

    const untagged = await untag(arn, ['team', 'ünïcode key', 'not-there']);
    expect(untagged.$metadata.httpStatusCode).toBe(204);
    expect(await listTags(arn)).toEqual({ env: 'prod', 'owner:email': 'a@b.c' });
  });

  it('ListTags of a mapping without tags: {"Tags": {}}', async () => {
    const { arn } = await createMapping();
    const response = await fetch(`${sluice.url}/2017-03-31/tags/${encodeURIComponent(arn)}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ Tags: {} });
  });

  it('deleting a mapping removes its tags', async () => {
    const { uuid, arn } = await createMapping({ team: 'payments' });
    await tag(arn, { extra: 'x' });
    await sluice.lambda.send(new DeleteEventSourceMappingCommand({ UUID: uuid }));
    await pollUntil(
      async () => (await rejectionOf(sluice.lambda.send(new GetEventSourceMappingCommand({ UUID: uuid })))).name === 'ResourceNotFoundException',
      { description: 'mapping removed' },
    );
    await expectLambdaError(sluice.lambda.send(new ListTagsCommand({ Resource: arn })), 'ResourceNotFoundException', `Event source mapping not found: ${arn}`);
    // Nothing about the mapping is left in Redis (its tags included).
    const db = Number(new URL(sluice.config.redis.url).pathname.slice(1));
    const redis = createRedis({ db });
    try {
      expect(await redis.keys(`*${uuid}*`)).toEqual([]);
    } finally {
      redis.disconnect();
    }
  });
});

describe('V46 / V47 / V48 the resource', () => {
  const operations: [string, (arn: string) => Promise<unknown>][] = [
    ['ListTags', (arn) => sluice.lambda.send(new ListTagsCommand({ Resource: arn }))],
    ['TagResource', (arn) => tag(arn, { team: 'x' })],
    ['UntagResource', (arn) => untag(arn, ['team'])],
  ];

  it.each(operations)('V46: %s on an ESM ARN that does not exist (or is another account’s or region’s)', async (_op, call) => {
    const { uuid } = await createMapping();
    for (const arn of [
      esmArn(randomUUID()),
      esmArn(uuid, '000000000000'),
      esmArn(uuid, SLUICE_ACCOUNT_ID, 'eu-west-1'),
      esmArn(uuid).replace('arn:aws:', 'arn:aws-cn:'),
    ]) {
      await expectLambdaError(call(arn), 'ResourceNotFoundException', `Event source mapping not found: ${arn}`);
    }
  });

  it.each(operations)('V47: %s on a string that is not a Lambda function or ESM ARN', async (_op, call) => {
    const { arn: real } = await createMapping();
    for (const arn of [
      `${real}:alias`,
      'not-an-arn',
      `arn:aws:sqs:us-east-1:${SLUICE_ACCOUNT_ID}:queue`,
      `arn:aws:lambda:us-east-1:${SLUICE_ACCOUNT_ID}:event-source-mapping:not-a-uuid`,
      `arn:aws:lambda:us-east-1:${SLUICE_ACCOUNT_ID}:function:my function`,
      `arn:aws:lambda:us-east-1:12345:event-source-mapping:${randomUUID()}`,
      // A layer version and a capacity provider name with a space are outside the pattern too.
      `arn:aws:lambda:us-east-1:${SLUICE_ACCOUNT_ID}:layer:my-layer:1`,
      `arn:aws:lambda:us-east-1:${SLUICE_ACCOUNT_ID}:capacity-provider:my provider`,
    ]) {
      const error = await expectValidation(call(arn), [item(arn, 'resource', `Member must satisfy regular expression pattern: ${TAGGABLE_PATTERN}`)]);
      expect(error.message.startsWith('1 validation error detected: ')).toBe(true);
    }
  });

  it('V47 for a path that decodes to a non-ARN, decoded exactly once (%25 is "%", %25E0 is "%E0"); an undecodable one is quoted as sent', async () => {
    const paths: [string, string][] = [
      ['%25', '%'],
      ['%25E0', '%E0'],
      ['%2525', '%25'],
      ['%zz', '%zz'],
      ['%E0%A4%A', '%E0%A4%A'],
    ];
    for (const [path, arn] of paths) {
      for (const method of ['GET', 'POST', 'DELETE']) {
        const response = await fetch(`${sluice.url}/2017-03-31/tags/${path}`, { method, body: method === 'POST' ? '{"Tags": {"a": "b"}}' : undefined });
        await expectRawError(response, 'ValidationException', {
          message: `1 validation error detected: ${item(arn, 'resource', `Member must satisfy regular expression pattern: ${TAGGABLE_PATTERN}`)}`,
        });
      }
    }
  });

  it.each(operations)('%s on a layer or capacity-provider ARN: inside the V47 pattern, so not a ValidationException', async (_op, call) => {
    for (const arn of [`arn:aws:lambda:us-east-1:${SLUICE_ACCOUNT_ID}:layer:my-layer`, `arn:aws:lambda:us-east-1:${SLUICE_ACCOUNT_ID}:capacity-provider:my-provider`]) {
      expect((await rejectionOf(call(arn))).name).toBe('ResourceNotFoundException');
    }
  });

  it.each(operations)('V48: %s on a function ARN', async (_op, call) => {
    for (const arn of [
      `arn:aws:lambda:us-east-1:${SLUICE_ACCOUNT_ID}:function:my-function`,
      `arn:aws:lambda:us-east-1:${SLUICE_ACCOUNT_ID}:function:my-function:live`,
      `arn:aws:lambda:us-east-1:${SLUICE_ACCOUNT_ID}:function:unknown-function`,
    ]) {
      await expectLambdaError(call(arn), 'ResourceNotFoundException', `Function not found: ${arn}`);
    }
  });
});

describe('V49 and V14 on tags', () => {
  it('V49: TagResource that would leave more than 50 tags', async () => {
    const { arn } = await createMapping(manyTags(45));
    await expectInvalidParameter(tag(arn, manyTags(6, 'new')), TOO_MANY_TAGS);
    expect(Object.keys((await listTags(arn))!)).toHaveLength(45);
    await tag(arn, manyTags(5, 'new'));
    expect(Object.keys((await listTags(arn))!)).toHaveLength(50);
    // Replacing existing keys at the limit is fine; one more key is not.
    await tag(arn, { k0: 'replaced', new0: 'replaced' });
    expect((await listTags(arn))!.k0).toBe('replaced');
    await expectInvalidParameter(tag(arn, { k0: 'again', one: 'more' }), TOO_MANY_TAGS);
    expect((await listTags(arn))!.k0).toBe('replaced');
  });

  it('V49: Create with more than 50 tags; 50 is fine', async () => {
    await expectInvalidParameter(
      sluice.lambda.send(new CreateEventSourceMappingCommand({ FunctionName: 'my-function:many', EventSourceArn: queue.queueArn, Tags: manyTags(51) })),
      TOO_MANY_TAGS,
    );
    const { arn } = await createMapping(manyTags(50));
    expect(Object.keys((await listTags(arn))!)).toHaveLength(50);
  });

  it('V49 / V14: TagResource with a tag that violates the tag constraints', async () => {
    const { arn } = await createMapping({ team: 'x' });
    await expectValidation(tag(arn, { 'bad#key': 'v' }), [item('{bad#key=v}', 'tags', TAG_KEYS)]);
    await expectValidation(tag(arn, { '': 'v' }), [item('{=v}', 'tags', TAG_KEYS)]);
    expect(await listTags(arn)).toEqual({ team: 'x' });
  });

  it('TagResource bodies: V2a, V2, V3', async () => {
    const { arn } = await createMapping();
    const post = (body: string) =>
      fetch(`${sluice.url}/2017-03-31/tags/${encodeURIComponent(arn)}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    await expectRawError(
      await post(JSON.stringify({ Tags: { a: 'x'.repeat(1_048_576) } })),
      'RequestTooLargeException',
      errorBody('RequestTooLargeException', 'Request must be smaller than 1048576 bytes.'),
    );
    await expectRawError(await post('{"Tags": {'), 'InvalidRequestContentException', {
      Type: 'User',
      message: expect.stringMatching(/^Could not parse request body into json: \S/),
    });
    await expectRawError(
      await post('{"Tags": []}'),
      'InvalidRequestContentException',
      errorBody('InvalidRequestContentException', 'Could not parse request body into json: Tags has the wrong type'),
    );
    await expectRawError(
      await post('{"Tags": {"team": 7}}'),
      'InvalidRequestContentException',
      errorBody('InvalidRequestContentException', 'Could not parse request body into json: Tags.team has the wrong type'),
    );
    expect(await listTags(arn)).toEqual({});
  });
});

describe('V45 List marker', () => {
  it('a marker Sluice did not issue fails; the one it issued works', async () => {
    await createMapping();
    await createMapping();
    const first = await sluice.lambda.send(new ListEventSourceMappingsCommand({ EventSourceArn: queue.queueArn, MaxItems: 1 }));
    expect(first.NextMarker).toBeDefined();
    const next = await sluice.lambda.send(new ListEventSourceMappingsCommand({ EventSourceArn: queue.queueArn, MaxItems: 1, Marker: first.NextMarker }));
    expect(next.EventSourceMappings?.[0]?.UUID).not.toBe(first.EventSourceMappings?.[0]?.UUID);

    const marker = first.NextMarker!;
    const tampered = `${marker.slice(0, -2)}${marker.endsWith('AA') ? 'BB' : 'AA'}`;
    for (const bad of ['garbage', tampered, `${marker}x`, Buffer.from('hello').toString('base64url')]) {
      await expectInvalidParameter(sluice.lambda.send(new ListEventSourceMappingsCommand({ Marker: bad })), 'Invalid Marker provided.');
    }
  });
});
