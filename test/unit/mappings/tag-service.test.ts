/**
 * TagResource / UntagResource / ListTags (api.md §2, V46–V49) on the real mapping store
 * (a redis-server of this file's own): which ARNs are refused with which words, the tag
 * limit at 50 and 51, and V14 on tag bodies.
 */
import { describe, expect, it } from 'vitest';
import { LambdaApiError } from '../../../src/mappings/errors.js';
import { MappingStore } from '../../../src/mappings/store.js';
import { TAGGABLE_RESOURCE_PATTERN, TagService } from '../../../src/mappings/tag-service.js';
import { useLocalRedis } from '../local-redis.js';
import { storedMapping } from '../stored-mapping.js';

const local = useLocalRedis();
const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const UUID = '6f0c1d2e-3a4b-4c5d-8e9f-0a1b2c3d4e5f';
const ARN = `arn:aws:lambda:${REGION}:${ACCOUNT}:event-source-mapping:${UUID}`;

async function setup(initialTags: Record<string, string> = {}) {
  const store = new MappingStore(await local.client(), local.freshPrefix());
  expect(await store.create(storedMapping(UUID), initialTags)).toEqual({ ok: true });
  return { store, tags: new TagService(store, { region: REGION, accountId: ACCOUNT }) };
}

async function refusal(promise: Promise<unknown>): Promise<{ type: string; status: number; message: string }> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(LambdaApiError);
  const { type, status, message } = error as LambdaApiError;
  return { type, status, message };
}

describe('TagService', () => {
  it('tags, lists and untags a mapping; an upper-case UUID names the same mapping', async () => {
    const { tags } = await setup({ team: 'a' });
    expect(await tags.list(ARN)).toEqual({ team: 'a' });
    await tags.tag(ARN.replace(UUID, UUID.toUpperCase()), '{"Tags":{"env":"prod"}}');
    expect(await tags.list(ARN)).toEqual({ team: 'a', env: 'prod' });
    await tags.untag(ARN, ['team', 'absent']);
    expect(await tags.list(ARN)).toEqual({ env: 'prod' });
    await tags.tag(ARN, '{}');
    expect(await tags.list(ARN)).toEqual({ env: 'prod' });
  });

  it('V46: a mapping ARN that does not exist here, or of another region, account or partition', async () => {
    const { tags } = await setup();
    for (const arn of [
      `arn:aws:lambda:${REGION}:${ACCOUNT}:event-source-mapping:00000000-0000-4000-8000-000000000000`,
      ARN.replace(REGION, 'eu-west-1'),
      ARN.replace(ACCOUNT, '210987654321'),
      ARN.replace('arn:aws:', 'arn:aws-cn:'),
    ]) {
      const notFound = { type: 'ResourceNotFoundException', status: 404, message: `Event source mapping not found: ${arn}` };
      expect(await refusal(tags.list(arn))).toEqual(notFound);
      expect(await refusal(tags.tag(arn, '{"Tags":{"a":"b"}}'))).toEqual(notFound);
      expect(await refusal(tags.untag(arn, ['a']))).toEqual(notFound);
    }
  });

  it('V47: a string that is not a taggable Lambda ARN quotes the resource pattern', async () => {
    const { tags } = await setup();
    for (const arn of [`${ARN}:alias`, 'not-an-arn', `arn:aws:sqs:${REGION}:${ACCOUNT}:q`, ARN.replace(ACCOUNT, '1234')]) {
      expect(await refusal(tags.list(arn))).toEqual({
        type: 'ValidationException',
        status: 400,
        message: `1 validation error detected: Value '${arn}' at 'resource' failed to satisfy constraint: Member must satisfy regular expression pattern: ${TAGGABLE_RESOURCE_PATTERN}`,
      });
    }
  });

  it('V48: a function ARN is "Function not found"', async () => {
    const { tags } = await setup();
    const fn = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:f`;
    expect(await refusal(tags.list(fn))).toEqual({ type: 'ResourceNotFoundException', status: 404, message: `Function not found: ${fn}` });
  });

  it('V49: 50 tags in all are fine, 51 are refused and nothing is added', async () => {
    const initial = Object.fromEntries(Array.from({ length: 49 }, (_, i) => [`k${i}`, 'v']));
    const { tags } = await setup(initial);
    await tags.tag(ARN, '{"Tags":{"k0":"replaced","k49":"v"}}');
    expect(Object.keys(await tags.list(ARN))).toHaveLength(50);
    expect(await refusal(tags.tag(ARN, '{"Tags":{"k50":"v"}}'))).toEqual({
      type: 'InvalidParameterValueException',
      status: 400,
      message: 'Number of tags exceeds resource tag limit.',
    });
    expect(await tags.list(ARN)).not.toHaveProperty('k50');
  });

  it('V14 in a tag body: the ValidationException names the tags', async () => {
    const { tags } = await setup();
    const refused = await refusal(tags.tag(ARN, '{"Tags":{"":"v"}}'));
    expect(refused.type).toBe('ValidationException');
    expect(refused.message).toMatch(/^1 validation error detected: Value '\{=v\}' at 'tags' failed to satisfy constraint: Map keys must satisfy constraint: /);
  });

  it('V3 in a tag body', async () => {
    const { tags } = await setup();
    expect(await refusal(tags.tag(ARN, '{"Tags":{"a":1}}'))).toEqual({
      type: 'InvalidRequestContentException',
      status: 400,
      message: 'Could not parse request body into json: Tags.a has the wrong type',
    });
  });
});
