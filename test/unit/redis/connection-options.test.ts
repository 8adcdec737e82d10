import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../../src/config/schema.js';
import { redactRedisUrl, redisTarget, RedisSettingsError } from '../../../src/redis/connection-options.js';

describe('redisTarget', () => {
  it('reads host, port, database and credentials from the URL', () => {
    const { options, description } = redisTarget({ url: 'redis://app:s%40cret@redis.internal:6380/4' });
    expect(options).toEqual({ host: 'redis.internal', port: 6380, db: 4, username: 'app', password: 's@cret' });
    expect(description).toBe('redis://***@redis.internal:6380/4');
  });

  it('lets redis.username and redis.password win over the URL', () => {
    const { options, description } = redisTarget({ url: 'redis://old:old@h:1', username: 'new', password: 'pw' });
    expect(options).toMatchObject({ username: 'new', password: 'pw' });
    expect(description).not.toContain('pw');
  });

  it('turns TLS on for rediss:// only, verifying the server by default', () => {
    expect(redisTarget({ url: 'redis://h:1' }).options.tls).toBeUndefined();
    expect(redisTarget({ url: 'rediss://h:1' }).options.tls).toEqual({ rejectUnauthorized: true });
  });

  it('reads the CA, client certificate and key files', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sluice-tls-unit-'));
    for (const name of ['ca', 'cert', 'key']) writeFileSync(path.join(dir, `${name}.pem`), `${name} pem`);
    const tls = { ca: path.join(dir, 'ca.pem'), cert: path.join(dir, 'cert.pem'), key: path.join(dir, 'key.pem'), rejectUnauthorized: false, servername: 'redis.internal' };
    expect(redisTarget({ url: 'rediss://h:1', tls }).options.tls).toEqual({
      ca: Buffer.from('ca pem'),
      cert: Buffer.from('cert pem'),
      key: Buffer.from('key pem'),
      rejectUnauthorized: false,
      servername: 'redis.internal',
    });
  });

  it('names the setting and the file it cannot read', () => {
    const run = () => redisTarget({ url: 'rediss://h:1', tls: { ca: '/nonexistent/ca.pem', rejectUnauthorized: true } });
    expect(run).toThrow(RedisSettingsError);
    expect(run).toThrow('redis.tls.ca: cannot read /nonexistent/ca.pem: ENOENT');
  });

  it('asks the sentinels for the master, keeping the database and credentials', () => {
    const target = redisTarget({
      url: 'redis://:pw@ignored:1/2',
      sentinels: [{ host: '10.0.0.1', port: 26379 }, { host: '10.0.0.2', port: 26379 }],
      sentinelName: 'main',
      sentinelPassword: 'spw',
    });
    expect(target.options).toEqual({
      db: 2,
      password: 'pw',
      sentinels: [{ host: '10.0.0.1', port: 26379 }, { host: '10.0.0.2', port: 26379 }],
      name: 'main',
      sentinelPassword: 'spw',
    });
    expect(target.description).toBe('master "main" via sentinels 10.0.0.1:26379,10.0.0.2:26379');
  });

  it('masks the password of a URL', () => {
    expect(redactRedisUrl('rediss://user:pass@host:6379/0')).toBe('rediss://***@host:6379/0');
  });
});

describe('redis config', () => {
  const parse = (redis: Record<string, unknown>) => configSchema.safeParse({ redis });

  it('wants sentinels and sentinelName together', () => {
    expect(parse({ sentinels: [{ host: 'h', port: 26379 }] }).error?.issues[0]?.message).toBe('redis.sentinels and redis.sentinelName go together');
    expect(parse({ sentinels: [{ host: 'h', port: 26379 }], sentinelName: 'main' }).success).toBe(true);
  });

  it('refuses TLS settings without a rediss:// URL', () => {
    expect(parse({ tls: { ca: '/ca.pem' } }).error?.issues[0]?.message).toBe('redis.tls settings need a rediss:// URL');
    expect(parse({ url: 'rediss://h:1', tls: { ca: '/ca.pem' } }).success).toBe(true);
  });

  it('wants a client certificate and its key together', () => {
    expect(parse({ url: 'rediss://h:1', tls: { cert: '/c.pem' } }).error?.issues[0]?.message).toBe('redis.tls.cert and redis.tls.key go together');
  });

  it('refuses a key prefix with braces (they would change Redis Cluster hash slots)', () => {
    expect(parse({ keyPrefix: 'a{b}' }).success).toBe(false);
  });
});

describe('redis.cluster', () => {
  it('connects to the seed nodes with the credentials and TLS of the URL, database 0', () => {
    const target = redisTarget({ url: 'rediss://u:p@ignored', cluster: [{ host: '10.0.0.1', port: 7000 }, { host: '10.0.0.2', port: 7000 }] });
    expect(target.clusterNodes).toEqual([{ host: '10.0.0.1', port: 7000 }, { host: '10.0.0.2', port: 7000 }]);
    expect(target.options).toEqual({ username: 'u', password: 'p', tls: { rejectUnauthorized: true } });
    expect(target.description).toBe('cluster 10.0.0.1:7000,10.0.0.2:7000 (TLS)');
  });

  it('refuses another database, and Sentinel beside it', () => {
    const parse = (redis: Record<string, unknown>) => configSchema.safeParse({ redis }).error?.issues[0]?.message;
    const cluster = [{ host: 'h', port: 7000 }];
    expect(parse({ url: 'redis://h:1/3', cluster })).toBe('redis.cluster has only database 0: the url must not select another');
    expect(parse({ url: 'redis://h:1/0', cluster })).toBeUndefined();
    expect(parse({ url: 'redis://', cluster })).toBeUndefined();
    expect(parse({ cluster, sentinels: cluster, sentinelName: 'm' })).toBe('redis.cluster and redis.sentinels exclude each other');
  });
});
