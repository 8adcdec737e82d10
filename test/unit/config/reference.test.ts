/** The configuration reference is read from the schema's JSON Schema: every key is typed and explained. */
import { describe, expect, it } from 'vitest';
import { configReferenceRows } from '../../../src/config/index.js';

describe('configuration reference', () => {
  const rows = configReferenceRows();
  const byKey = new Map(rows.map((row) => [row.key, row]));

  it('gives every key a known type and a description', () => {
    for (const row of rows) {
      expect(row.type, row.key).not.toBe('any');
      expect(row.description, `${row.key} has no .describe()`).not.toBe('');
    }
  });

  it('reads types, defaults and environment variables of nested keys', () => {
    expect(byKey.get('api.port')).toMatchObject({ type: 'integer', default: '`7070`', env: '`SLUICE_API_PORT`' });
    expect(byKey.get('aws.endpoint')).toMatchObject({ type: 'URL', default: '', env: '`AWS_ENDPOINT_URL`' });
    expect(byKey.get('aws.httpHandler')).toMatchObject({ type: '`http1` \\| `http2`', default: '`http1`' });
    expect(byKey.get('redis.tls.rejectUnauthorized')).toMatchObject({ type: 'boolean', default: '`true`' });
    // Objects are flattened into their keys, and show no `{}` default of their own.
    expect(byKey.has('redis.tls')).toBe(false);
  });

  it('lists the keys inside each entry of a map of objects', () => {
    expect(byKey.get('functions')).toMatchObject({ type: 'map' });
    expect(byKey.get('functions.<name>.timeout')).toMatchObject({ type: 'integer', default: '`3`' });
    expect(byKey.get('functions.<name>.environment')).toMatchObject({ type: 'map' });
    expect(byKey.get('mappings')).toMatchObject({ type: 'list' });
  });
});
