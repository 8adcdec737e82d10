/**
 * `api.auth` from the file and the environment (README "Authentication"): the key list
 * format, sigv4 without keys, and errors that never repeat a secret.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config/index.js';

const cwd = () => mkdtempSync(join(tmpdir(), 'sluice-auth-'));
const load = (env: NodeJS.ProcessEnv) => loadConfig({ env, cwd: cwd() });
const failure = (env: NodeJS.ProcessEnv): string => {
  try {
    load(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
};

describe('api.auth configuration', () => {
  it('has no mode by default (decided by api.host at start), no keys, /metrics not open', () => {
    expect(load({}).api.auth).toEqual({ keys: {}, openMetrics: false, browser: {} });
  });

  it('reads SLUICE_API_AUTH_KEYS as <id>:<secret> pairs, a secret split at its first colon', () => {
    const { auth } = load({ SLUICE_API_AUTH_MODE: 'sigv4', SLUICE_API_AUTH_KEYS: 'AKID1:s/e+c=1, AKID2:with:colon', SLUICE_API_AUTH_OPEN_METRICS: 'true' }).api;
    expect(auth).toMatchObject({ mode: 'sigv4', keys: { AKID1: 's/e+c=1', AKID2: 'with:colon' }, openMetrics: true });
  });

  it('refuses a malformed key list without repeating it', () => {
    const message = failure({ SLUICE_API_AUTH_KEYS: 'AKID1:secret1,topsecretwithoutid' });
    expect(message).toBe('Invalid configuration: SLUICE_API_AUTH_KEYS (api.auth.keys): entry 2 is not <access key id>:<secret>');
    expect(message).not.toContain('secret1');
  });

  it('refuses sigv4 without a key, and a browser username without a password', () => {
    expect(failure({ SLUICE_API_AUTH_MODE: 'sigv4' })).toBe(
      'Invalid configuration: api.auth.keys: mode sigv4 needs at least one access key (api.auth.keys, or SLUICE_API_AUTH_KEYS=AKID:secret)',
    );
    expect(failure({ SLUICE_API_AUTH_BROWSER_USERNAME: 'ops' })).toBe('Invalid configuration: api.auth.browser: username and password are set together');
    expect(failure({ SLUICE_API_AUTH_MODE: 'open' })).toMatch(/^Invalid configuration: api\.auth\.mode \(from SLUICE_API_AUTH_MODE\): /);
  });
});
