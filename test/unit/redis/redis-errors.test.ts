import { describe, expect, it } from 'vitest';
import { describeConnectionFailure, describeUnavailable, isRedisUnavailable } from '../../../src/redis/redis-errors.js';

const socketError = (code: string) => Object.assign(new Error(`connect ${code}`), { code });
const replyError = (message: string) => Object.assign(new Error(message), { name: 'ReplyError' });

describe('describeConnectionFailure: why Redis could not be reached, in plain words', () => {
  it.each([
    ['ECONNREFUSED', 'connection refused (redis.local:6380)'],
    ['ENOTFOUND', 'host not found (redis.local)'],
    ['EAI_AGAIN', 'host not found (redis.local)'],
    ['ETIMEDOUT', 'no answer within 5000 ms (redis.local:6380)'],
    ['ECONNRESET', 'connection reset (redis.local:6380)'],
    ['EHOSTUNREACH', 'host unreachable (redis.local:6380)'],
  ])('%s', (code, words) => {
    expect(describeConnectionFailure(socketError(code), 'redis.local', 6380, 5000)).toBe(words);
  });

  it("Redis' own refusal keeps its words", () => {
    expect(describeConnectionFailure(replyError('WRONGPASS invalid username-password pair'), 'redis.local', 6380, 5000)).toBe(
      'WRONGPASS invalid username-password pair (redis.local:6380)',
    );
  });
});

describe('isRedisUnavailable: Redis cannot serve now (503), not a bug (500)', () => {
  it.each([
    [new Error('Command timed out'), 'no answer in time'],
    [new Error('Connection is closed.'), 'connection closed'],
    [Object.assign(new Error('Reached the max retries per request limit (which is 3).'), { name: 'MaxRetriesPerRequestError' }), 'connection lost, reconnecting'],
    [replyError('LOADING Redis is loading the dataset in memory'), 'LOADING Redis is loading the dataset in memory'],
    [replyError("OOM command not allowed when used memory > 'maxmemory'."), "OOM command not allowed when used memory > 'maxmemory'."],
  ])('%s', (error, words) => {
    expect(isRedisUnavailable(error)).toBe(true);
    expect(describeUnavailable(error)).toBe(words);
  });

  it.each([
    [replyError('ERR wrong number of arguments for command')],
    [new TypeError("Cannot read properties of undefined (reading 'x')")],
    ['Command timed out'],
  ])('%s is not', (error) => {
    expect(isRedisUnavailable(error)).toBe(false);
  });
});
