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

describe('describeConnectionFailure: a failed TLS handshake, in one line with its fix', () => {
  const tlsError = (code: string, message: string, reason?: string) => Object.assign(new Error(message), { code, ...(reason ? { reason } : {}) });

  it.each([
    [tlsError('SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate in certificate chain'), 'the server certificate is not trusted (self-signed certificate in certificate chain): set redis.tls.ca to the CA that signed it (h:1)'],
    [tlsError('ERR_TLS_CERT_ALTNAME_INVALID', "Hostname/IP does not match certificate's altnames"), "the server certificate does not name this host (Hostname/IP does not match certificate's altnames): connect by a name it lists or set redis.tls.servername (h:1)"],
    [tlsError('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', '80DC:error:0A00045C:SSL routines\n'), 'the server requires a client certificate: set redis.tls.cert and redis.tls.key (h:1)'],
    [tlsError('ERR_SSL_WRONG_VERSION_NUMBER', '80DC:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:...\n', 'wrong version number'), 'TLS handshake failed: wrong version number (h:1)'],
  ])('%s', (error, words) => {
    expect(describeConnectionFailure(error, 'h', 1, 5000)).toBe(words);
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
