/** Where the commands run beside Sluice reach its API (config/api-url.ts). */
import { describe, expect, it } from 'vitest';
import { configuredEndpoint, givenApiEndpoint } from '../../../src/config/api-url.js';

describe('the API endpoint of a command run beside Sluice', () => {
  it('reaches a wildcard bind address on loopback, and brackets IPv6', () => {
    expect(configuredEndpoint({ api: { host: '0.0.0.0', port: 7070 } } as never)).toBe('http://127.0.0.1:7070');
    expect(configuredEndpoint({ api: { host: '::', port: 7070 } } as never)).toBe('http://[::1]:7070');
    expect(configuredEndpoint({ api: { host: '10.0.0.5', port: 9000 } } as never)).toBe('http://10.0.0.5:9000');
  });

  it('takes --endpoint-url first, then AWS_ENDPOINT_URL_LAMBDA unless blank', () => {
    expect(givenApiEndpoint('http://a:1', { AWS_ENDPOINT_URL_LAMBDA: 'http://b:2' })).toBe('http://a:1');
    expect(givenApiEndpoint(undefined, { AWS_ENDPOINT_URL_LAMBDA: ' http://b:2 ' })).toBe('http://b:2');
    expect(givenApiEndpoint(undefined, { AWS_ENDPOINT_URL_LAMBDA: '  ' })).toBeUndefined();
    expect(givenApiEndpoint(undefined, {})).toBeUndefined();
  });
});
