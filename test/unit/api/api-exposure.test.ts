/** The secure-by-default rule (src/api/auth/api-exposure.ts): which hosts are loopback, and what each mode means there. */
import { describe, expect, it } from 'vitest';
import { apiExposure, isLoopbackHost } from '../../../src/api/auth/api-exposure.js';

describe('api exposure', () => {
  it('counts 127.0.0.0/8, ::1 and localhost as loopback, nothing else', () => {
    for (const host of ['127.0.0.1', '127.255.0.9', '::1', '[::1]', 'localhost', 'LOCALHOST', '::ffff:127.0.0.1']) expect([host, isLoopbackHost(host)]).toEqual([host, true]);
    for (const host of ['0.0.0.0', '::', '10.0.0.1', '128.0.0.1', 'sluice.internal', '192.168.1.2']) expect([host, isLoopbackHost(host)]).toEqual([host, false]);
  });

  it('refuses an unset mode beyond loopback, warns on none, accepts sigv4', () => {
    expect(apiExposure({ host: '127.0.0.1', auth: {} })).toEqual({ kind: 'ok' });
    expect(apiExposure({ host: '0.0.0.0', auth: { mode: 'sigv4' } })).toEqual({ kind: 'ok' });
    expect(apiExposure({ host: '0.0.0.0', auth: { mode: 'none' } })).toEqual({ kind: 'open-beyond-loopback' });
    expect(apiExposure({ host: '10.1.2.3', auth: {} })).toMatchObject({ kind: 'refused', reason: expect.stringMatching(/^api\.host 10\.1\.2\.3 is reachable beyond this machine but api\.auth\.mode is not set: /) });
  });
});
