/**
 * The one place every Redis connection's options are built from config (`redis.*`):
 * Sluice's own connections (src/redis/connect.ts), BullMQ's (src/pipeline) and the CLI's
 * take them from here, so TLS, the ACL user and Sentinel apply to all of them alike.
 *
 * Precedence (decided here): `redis.username` / `redis.password` (or their environment
 * variables) win over credentials in the URL, so a secret can stay out of the URL; the
 * URL's scheme alone turns TLS on (`rediss://`), and `redis.tls.*` only tunes it.
 */
import { readFileSync } from 'node:fs';
import type { RedisOptions } from 'ioredis';
import type { SluiceConfig } from '../config/schema.js';

/** The `redis` section of the config; only `url` is required (tests build it by hand). */
export type RedisSettings = Pick<SluiceConfig['redis'], 'url'> & Partial<Omit<SluiceConfig['redis'], 'url' | 'keyPrefix'>>;

/** Where Sluice's Redis is and how to reach it, in ioredis' terms. */
export interface RedisTarget {
  /**
   * Complete ioredis options: address or sentinels, database, credentials, TLS; with
   * `clusterNodes`, the options of every node's connection.
   */
  options: RedisOptions;
  /** Redis Cluster seed nodes (`redis.cluster`); connections are then ioredis `Cluster`s. */
  clusterNodes?: { host: string; port: number }[];
  /** What logs and errors may show: never a password. */
  description: string;
}

/** A setting that cannot be used (e.g. a TLS file that cannot be read). */
export class RedisSettingsError extends Error {
  override name = 'RedisSettingsError';
}

/** The URL as it may be shown: any password masked. */
export const redactRedisUrl = (url: string): string => url.replace(/\/\/[^@/]*@/, '//***@');

function readPem(setting: string, file: string | undefined): Buffer | undefined {
  if (file === undefined) return undefined;
  try {
    return readFileSync(file);
  } catch (error) {
    throw new RedisSettingsError(`${setting}: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

function tlsOptions(settings: RedisSettings): RedisOptions['tls'] {
  const tls = settings.tls;
  const ca = readPem('redis.tls.ca', tls?.ca);
  const cert = readPem('redis.tls.cert', tls?.cert);
  const key = readPem('redis.tls.key', tls?.key);
  return {
    ...(ca ? { ca } : {}),
    ...(cert ? { cert } : {}),
    ...(key ? { key } : {}),
    rejectUnauthorized: tls?.rejectUnauthorized ?? true,
    ...(tls?.servername ? { servername: tls.servername } : {}),
  };
}

/** Host, port, database and credentials written in a redis:// or rediss:// URL. */
function fromUrl(url: string): Pick<RedisOptions, 'host' | 'port' | 'db' | 'username' | 'password'> {
  const parsed = new URL(url);
  const db = parsed.pathname.replace(/^\//, '');
  return {
    // An IPv6 literal keeps its brackets in URL.hostname; the socket wants it bare.
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1',
    port: parsed.port ? Number(parsed.port) : 6379,
    ...(db ? { db: Number(db) } : {}),
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
  };
}

export function redisTarget(settings: RedisSettings): RedisTarget {
  const { host, port, ...rest } = fromUrl(settings.url);
  const username = settings.username ?? rest.username;
  const password = settings.password ?? rest.password;
  const tls = settings.url.startsWith('rediss://') ? tlsOptions(settings) : undefined;
  const common: RedisOptions = {
    ...(rest.db !== undefined ? { db: rest.db } : {}),
    ...(username !== undefined ? { username } : {}),
    ...(password !== undefined ? { password } : {}),
    ...(tls ? { tls } : {}),
  };
  if (settings.cluster) {
    // A cluster has only database 0 (the schema refuses another), so no `db` here.
    const { db: _db, ...nodeOptions } = common;
    return {
      options: nodeOptions,
      clusterNodes: settings.cluster.map(({ host: h, port: p }) => ({ host: h, port: p })),
      description: `cluster ${settings.cluster.map((n) => `${n.host}:${n.port}`).join(',')}${tls ? ' (TLS)' : ''}`,
    };
  }
  if (settings.sentinels && settings.sentinelName) {
    const where = settings.sentinels.map((s) => `${s.host}:${s.port}`).join(',');
    return {
      options: {
        ...common,
        sentinels: settings.sentinels.map(({ host: h, port: p }) => ({ host: h, port: p })),
        name: settings.sentinelName,
        ...(settings.sentinelPassword !== undefined ? { sentinelPassword: settings.sentinelPassword } : {}),
        // With a rediss:// URL the sentinels are reached with the same TLS settings as the
        // master (a TLS deployment runs its sentinels on TLS too), by choice: one set of files.
        ...(tls ? { enableTLSForSentinelMode: true, sentinelTLS: tls } : {}),
      },
      description: `master "${settings.sentinelName}" via sentinels ${where}${tls ? ' (TLS)' : ''}`,
    };
  }
  return { options: { ...common, host, port }, description: redactRedisUrl(settings.url) };
}
