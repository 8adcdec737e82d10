/**
 * Production Redis (issue #11): Sluice reaches a redis-server that speaks only TLS and
 * knows only ACL users (the default user off), delivers an SQS mapping through it, with a
 * client certificate when Redis demands one, and refuses to start with one clear line on
 * a wrong password or an untrusted server certificate. The ACL user may touch only keys
 * and channels under `sluice:`, so a delivery also proves nothing escapes the prefix.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { CreateEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import { createQueue, pollUntil, startRecordingTarget, type RecordingTarget } from '../support/index.js';
import { startTestSluice, type TestSluice } from '../support/sluice.js';
import { sendMessages } from '../support/sqs-helpers.js';
import { SLUICE_BIN } from '../support/sluice-process.js';
import { createTestCertificates, type TestCertificates } from '../support/tls-certs.js';
import { startTestRedisServer, type TestRedisServer } from '../support/redis-server.js';

const ADMIN = { username: 'admin', password: 'admin-secret' };
const SLUICE_PASSWORD = 'sluice-Secret-42';

let certs: TestCertificates;
let tlsRedis: TestRedisServer;
let mutualTlsRedis: TestRedisServer;
let target: RecordingTarget;

/** A TLS-only redis-server with the default user off, an admin and a `sluice` user limited to `sluice:*`. */
function tlsServer(authClients: 'yes' | 'no') {
  return startTestRedisServer({
    config: (port) => [
      'port 0',
      `tls-port ${port}`,
      `tls-cert-file ${certs.serverCert}`,
      `tls-key-file ${certs.serverKey}`,
      `tls-ca-cert-file ${certs.ca}`,
      `tls-auth-clients ${authClients}`,
      'user default off',
      `user ${ADMIN.username} on >${ADMIN.password} ~* &* +@all`,
      `user sluice on >${SLUICE_PASSWORD} ~sluice:* &sluice:* +@all`,
    ],
    ready: {
      ...ADMIN,
      tls: { ca: readFileSync(certs.ca), ...(authClients === 'yes' ? { cert: readFileSync(certs.clientCert), key: readFileSync(certs.clientKey) } : {}) },
    },
  });
}

beforeAll(async () => {
  certs = createTestCertificates();
  [tlsRedis, mutualTlsRedis] = await Promise.all([tlsServer('no'), tlsServer('yes')]);
  target = await startRecordingTarget();
});
afterAll(async () => {
  await Promise.all([tlsRedis?.stop(), mutualTlsRedis?.stop(), target?.close()]);
  certs?.remove();
});

const recordsOf = (queueArn: string): string[] =>
  target.requests.flatMap((r) => ((r.body as { Records?: { body: string; eventSourceARN: string }[] })?.Records ?? []).filter((rec) => rec.eventSourceARN === queueArn).map((rec) => rec.body));

/** A mapping created through `sluice` delivers a message (and so its poller, BullMQ queue and worker all reach Redis). */
async function expectDelivery(sluice: TestSluice): Promise<void> {
  const queue = await createQueue();
  onTestFinished(queue.cleanup);
  await sluice.lambda.send(new CreateEventSourceMappingCommand({ FunctionName: 'echo', EventSourceArn: queue.queueArn }));
  await sendMessages(queue.queueUrl, ['over TLS']);
  await pollUntil(() => recordsOf(queue.queueArn).includes('over TLS'), { description: 'message delivered through TLS Redis' });
}

async function start(redis: Record<string, unknown>): Promise<TestSluice> {
  const sluice = await startTestSluice({ redis, functions: { echo: { http: target.url, timeout: 3 } } }, 0);
  onTestFinished(() => sluice.stop());
  return sluice;
}

describe('Redis with TLS and an ACL user', () => {
  it('delivers with the user and password in the URL; the password is never logged', async () => {
    const sluice = await start({ url: `rediss://sluice:${SLUICE_PASSWORD}@127.0.0.1:${tlsRedis.port}`, tls: { ca: certs.ca } });
    await expectDelivery(sluice);
    expect(sluice.logs.join('\n')).not.toContain(SLUICE_PASSWORD);
    // Every key Sluice and BullMQ wrote is under the prefix (the ACL would have refused others).
    const admin = tlsRedis.client();
    onTestFinished(() => admin.disconnect());
    await admin.connect();
    const keys = await admin.keys('*');
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.filter((k) => !k.startsWith('sluice:'))).toEqual([]);
  });

  it('delivers with a client certificate when Redis requires one, and redis.username / redis.password', async () => {
    const sluice = await start({
      url: `rediss://127.0.0.1:${mutualTlsRedis.port}`,
      username: 'sluice',
      password: SLUICE_PASSWORD,
      tls: { ca: certs.ca, cert: certs.clientCert, key: certs.clientKey },
    });
    await expectDelivery(sluice);
  });

  it('refuses to start without the client certificate Redis requires', async () => {
    const error = await start({ url: `rediss://127.0.0.1:${mutualTlsRedis.port}`, username: 'sluice', password: SLUICE_PASSWORD, tls: { ca: certs.ca } }).catch((e: Error) => e);
    expect(error).toMatchObject({ name: 'StartupError' });
    // With TLS 1.3 the client finishes its side of the handshake first; whether the server's
    // "certificate required" alert or its closing the socket reaches ioredis first is a race.
    const reason = ['the server requires a client certificate: set redis.tls.cert and redis.tls.key', 'connection reset'];
    expect(reason.map((r) => `Cannot connect to Redis at rediss://127.0.0.1:${mutualTlsRedis.port}: ${r} (127.0.0.1:${mutualTlsRedis.port})`)).toContain(
      (error as Error).message,
    );
  });

  it('refuses to start with a wrong password, in one line without the password', async () => {
    const error = await start({ url: `rediss://sluice:wrong-password@127.0.0.1:${tlsRedis.port}`, tls: { ca: certs.ca } }).catch((e: Error) => e);
    expect(error).toMatchObject({ name: 'StartupError' });
    expect((error as Error).message).toBe(
      `Cannot connect to Redis at rediss://***@127.0.0.1:${tlsRedis.port}: WRONGPASS invalid username-password pair or user is disabled. (127.0.0.1:${tlsRedis.port})`,
    );
  });

  it('refuses a server certificate its CA did not sign', async () => {
    const error = await start({ url: `rediss://127.0.0.1:${tlsRedis.port}`, username: 'sluice', password: SLUICE_PASSWORD, tls: { ca: certs.otherCa } }).catch((e: Error) => e);
    expect(error).toMatchObject({ name: 'StartupError' });
    expect((error as Error).message).toBe(
      `Cannot connect to Redis at rediss://127.0.0.1:${tlsRedis.port}: the server certificate is not trusted (self-signed certificate in certificate chain): set redis.tls.ca to the CA that signed it (127.0.0.1:${tlsRedis.port})`,
    );
  });

  it('the CLI exits 2 with one line on a wrong SLUICE_REDIS_PASSWORD', { timeout: 60_000 }, () => {
    const config = path.join(certs.dir, 'sluice.yaml');
    writeFileSync(config, `redis:\n  url: rediss://127.0.0.1:${tlsRedis.port}\n  username: sluice\n  tls:\n    ca: ${certs.ca}\n`);
    const result = spawnSync(process.execPath, [SLUICE_BIN, 'store', 'status', '--config', config], {
      encoding: 'utf8',
      timeout: 50_000,
      env: { ...process.env, SLUICE_REDIS_PASSWORD: 'not-the-password' },
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(
      `sluice: Cannot connect to Redis at rediss://127.0.0.1:${tlsRedis.port}: WRONGPASS invalid username-password pair or user is disabled. (127.0.0.1:${tlsRedis.port})\n`,
    );
  });
});
