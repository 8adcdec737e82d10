/**
 * docker-compose.yml cannot run here (no Docker): these checks keep it runnable on paper.
 * The file parses; it has the services the README walk-through uses; Sluice's environment
 * holds only names the config loader reads; the config it mounts loads with the real loader
 * and its declared mappings pass Lambda's own rules; the LocalStack init hook creates every
 * resource the config names; every file the compose file and the Dockerfile refer to exists.
 * And that the stack is safe beside other things on the machine (issue #11): ports on
 * 127.0.0.1 only, a Redis that requires the password Sluice's URL carries, a non-root
 * image with a health check, allow lists that cover the example and nothing else.
 */
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { parse } from 'yaml';
import { environmentOverrides, loadConfig } from '../../../src/config/index.js';
import { checkLambdaRules } from '../../../src/mappings/lambda-rules.js';
import { AllowedResources } from '../../../src/mappings/allowed-resources.js';
import { parseMappingBody } from '../../../src/mappings/request-body.js';
import { pollUntil } from '../../support/poll.js';
import { getFreePort } from '../../support/ports.js';
import { spawnManaged } from '../../support/processes.js';

const root = resolve(import.meta.dirname, '../../..');
const read = (file: string): string => readFileSync(resolve(root, file), 'utf8');

interface ComposeService {
  image?: string;
  build?: string | { context: string };
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  user?: string;
}

/**
 * Compose's own interpolation of `${VAR:-default}` / `${VAR}` with nothing set in the shell
 * (what `docker compose up` does on a fresh checkout), applied to the file's text.
 */
function interpolate(text: string): string {
  return text.replace(/\$\{(\w+)(?::-([^}]*))?\}/g, (_match, _name: string, fallback: string | undefined) => fallback ?? '');
}

const composeText = read('docker-compose.yml');
const compose = parse(interpolate(composeText)) as { services: Record<string, ComposeService> };
const services = compose.services;
const sluice = services.sluice!;
const redisCommand = services.redis!.command ?? [];
const REDIS_PASSWORD = redisCommand[redisCommand.indexOf('--requirepass') + 1];
const sluiceEnv = sluice.environment ?? {};

/** A bind mount `./host:/container[:ro]` split in two (named volumes and sockets excluded). */
function bindMounts(service: ComposeService): { host: string; container: string }[] {
  return (service.volumes ?? [])
    .filter((v) => v.startsWith('./'))
    .map((v) => {
      const [host, container] = v.split(':');
      return { host: resolve(root, host!), container: container! };
    });
}

/** The host file mounted at `containerPath` in `service` (a file, or inside a mounted folder). */
function hostPathOf(service: ComposeService, containerPath: string): string {
  for (const mount of bindMounts(service)) {
    if (containerPath === mount.container) return mount.host;
    if (containerPath.startsWith(`${mount.container}/`)) return resolve(mount.host, containerPath.slice(mount.container.length + 1));
  }
  throw new Error(`nothing is mounted at ${containerPath}`);
}

const configPath = hostPathOf(sluice, '/app/sluice.config.yaml');
const config = loadConfig({ file: configPath, env: sluiceEnv });
const initScripts = bindMounts(services.localstack!).filter((m) => m.container === '/etc/localstack/init/ready.d');
const initScript = read('examples/compose/localstack-init/create-resources.sh');

describe('docker-compose.yml: services', () => {
  it('LocalStack 4.14.0 with SQS, SNS, Kinesis, DynamoDB (+ Streams) and Lambda, healthy once its init hook succeeded', () => {
    const localstack = services.localstack!;
    expect(localstack.image).toBe('localstack/localstack:4.14.0');
    const enabled = (localstack.environment?.SERVICES ?? '').split(',');
    expect(enabled).toEqual(expect.arrayContaining(['sqs', 'sns', 'kinesis', 'dynamodb', 'dynamodbstreams', 'lambda']));
    expect(initScripts).toHaveLength(1);
    expect(JSON.stringify(localstack.healthcheck?.test)).toContain('/_localstack/init/ready');
    // Lambda functions run in containers LocalStack starts itself.
    expect(localstack.volumes).toContain('/var/run/docker.sock:/var/run/docker.sock');
  });

  it('Redis with noeviction and an append-only file on a volume', () => {
    const command = services.redis!.command ?? [];
    expect(command[command.indexOf('--maxmemory-policy') + 1]).toBe('noeviction');
    expect(command[command.indexOf('--appendonly') + 1]).toBe('yes');
    expect(services.redis!.volumes?.some((v) => v.endsWith(':/data'))).toBe(true);
  });

  it('Sluice built from the Dockerfile, started after LocalStack is ready and Redis answers, API on 7070', () => {
    expect(sluice.build).toBe('.');
    expect(sluice.depends_on).toMatchObject({ localstack: { condition: 'service_healthy' }, redis: { condition: 'service_healthy' } });
    expect(sluice.ports).toContain(`127.0.0.1:${config.api.port}:${config.api.port}`);
  });

  it('the example function service runs a file that exists', () => {
    const service = services['example-function']!;
    expect(service.image).toMatch(/^node:\d+-alpine$/);
    const script = service.command?.at(-1);
    expect(script).toBeDefined();
    expect(() => statSync(hostPathOf(service, script!))).not.toThrow();
  });
});

describe('docker-compose.yml and Dockerfile: safe beside other things on the machine', () => {
  it('publishes every port on 127.0.0.1 only', () => {
    const published = Object.entries(services).flatMap(([name, service]) => (service.ports ?? []).map((port) => ({ name, port })));
    expect(published.length).toBeGreaterThan(0);
    for (const { name, port } of published) expect(port, name).toMatch(/^127\.0\.0\.1:\d+:\d+$/);
  });

  it('Redis requires a password, the one in Sluice\'s redis URL; its health check authenticates', () => {
    expect(redisCommand).toContain('--requirepass');
    expect(REDIS_PASSWORD).toMatch(/^\S{12,}$/);
    // One variable for both, so changing it cannot leave Sluice with an old password.
    expect(composeText.match(/\$\{REDIS_PASSWORD:-[^}]*\}/g)).toHaveLength(3);
    expect(new URL(sluiceEnv.SLUICE_REDIS_URL!).password).toBe(REDIS_PASSWORD);
    expect(services.redis!.environment?.REDISCLI_AUTH).toBe(REDIS_PASSWORD);
    expect(services.redis!.healthcheck?.test.join(' ')).toMatch(/redis-cli ping \| grep -q PONG/);
  });

  it('the Dockerfile runs as a non-root user, with a node-based HEALTHCHECK on /healthz', () => {
    const dockerfile = read('Dockerfile');
    const finalStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    const users = [...finalStage.matchAll(/^USER (\S+)$/gm)].map((m) => m[1]);
    expect(users.length).toBeGreaterThan(0);
    expect(['root', '0', '0:0']).not.toContain(users.at(-1));
    const healthcheck = /^HEALTHCHECK .*CMD (.+)$/m.exec(finalStage)?.[1];
    expect(healthcheck).toBeDefined();
    // Slim images have no curl or wget; node is there.
    expect(healthcheck).toMatch(/^node -e /);
    expect(healthcheck).toContain('/healthz');
    expect(healthcheck).not.toMatch(/\b(curl|wget)\b/);
    expect(services.sluice!.user).toBeUndefined(); // compose does not switch back to root
  });

  it('the example config allows exactly the sources and destination of the walk-through', () => {
    const allowed = new AllowedResources(config);
    expect(allowed.sources.restricts && allowed.destinations.restricts).toBe(true);
    for (const body of config.mappings) {
      expect(() => allowed.checkSource(body.EventSourceArn as string)).not.toThrow();
      const destination = (body.DestinationConfig as { OnFailure?: { Destination?: string } } | undefined)?.OnFailure?.Destination;
      expect(() => allowed.checkDestination(destination)).not.toThrow();
    }
    // The DynamoDB mapping the walk-through creates through the API (its stream label is a time).
    expect(allowed.sources.allows('arn:aws:dynamodb:us-east-1:000000000000:table/customers/stream/2026-12-05T10:00:00.000')).toBe(true);
    expect(allowed.sources.allows('arn:aws:sqs:us-east-1:000000000000:orders-dlq')).toBe(false);
  });
});

describe('docker-compose.yml: Sluice configuration', () => {
  it('sets only environment variables Sluice reads, or the SDK credentials', () => {
    const known = new Set([...environmentOverrides.map((o) => o.env), 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']);
    expect(Object.keys(sluiceEnv).filter((name) => /^(SLUICE|AWS)_/.test(name))).toEqual(Object.keys(sluiceEnv));
    expect(Object.keys(sluiceEnv).filter((name) => !known.has(name))).toEqual([]);
  });

  it('the mounted config loads with the environment: Redis and LocalStack by service name, API on every interface', () => {
    expect(config.redis.url).toBe(`redis://:${REDIS_PASSWORD}@redis:6379`);
    expect(config.aws.endpoint).toBe('http://localstack:4566');
    expect(config.api).toMatchObject({ host: '0.0.0.0', port: 7070 });
    expect(config.accountId).toBe('000000000000');
  });

  it('has http functions on the example service and a lambda function', () => {
    const functions = Object.values(config.functions);
    const http = functions.flatMap((f) => (f.http ? [new URL(f.http)] : []));
    expect(http.length).toBeGreaterThan(0);
    for (const url of http) expect(Object.keys(services)).toContain(url.hostname);
    expect(functions.some((f) => f.lambda !== undefined)).toBe(true);
  });

  it('declares mappings that pass Lambda\'s rules, for configured functions', () => {
    expect(config.mappings.length).toBeGreaterThan(0);
    for (const body of config.mappings) {
      const settings = parseMappingBody(JSON.stringify(body));
      expect(() => checkLambdaRules(settings, { operation: 'create', maxFilters: config.filters.maxPerMapping, nowSeconds: Date.now() / 1000 })).not.toThrow();
      expect(Object.keys(config.functions)).toContain(settings.FunctionName);
    }
  });

  it('every source, destination and Lambda function the config names is created by the init hook', () => {
    const named = config.mappings.flatMap((m) => {
      const destination = (m.DestinationConfig as { OnFailure?: { Destination?: string } } | undefined)?.OnFailure?.Destination;
      return [m.EventSourceArn as string, ...(destination ? [destination] : [])];
    });
    for (const arn of named) {
      const [, , service, , , resource] = arn.split(':');
      if (service === 'sqs') expect(initScript).toMatch(new RegExp(`create-queue --queue-name ${resource}\\b`));
      else if (service === 'kinesis') expect(initScript).toMatch(new RegExp(`create-stream --stream-name ${resource!.replace('stream/', '')}\\b`));
      else throw new Error(`no check for ${arn}`);
    }
    for (const fn of Object.values(config.functions)) {
      if (fn.lambda) expect(initScript).toMatch(new RegExp(`create-function --function-name ${fn.lambda}\\b`));
    }
  });
});

describe('docker-compose.yml: files', () => {
  it('every bind-mounted path exists', () => {
    for (const service of Object.values(services)) {
      for (const mount of bindMounts(service)) expect(() => statSync(mount.host), mount.host).not.toThrow();
    }
  });

  it('the init hook is an executable shell script (LocalStack skips others)', () => {
    const file = resolve(initScripts[0]!.host, 'create-resources.sh');
    expect(statSync(file).mode & 0o111).not.toBe(0);
    expect(initScript.startsWith('#!/bin/bash\n')).toBe(true);
    // The Lambda code it zips is mounted into LocalStack.
    const zipped = /zipfile -c \S+ (\S+)/.exec(initScript)?.[1];
    expect(zipped).toBeDefined();
    expect(() => statSync(hostPathOf(services.localstack!, zipped!))).not.toThrow();
  });

  it('the Dockerfile starts Sluice with the mounted config and copies files that exist', () => {
    const dockerfile = read('Dockerfile');
    expect(dockerfile).toContain('"--config", "/app/sluice.config.yaml"');
    const copied = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1]!.split(/\s+/));
    expect(copied.length).toBeGreaterThan(0);
    for (const file of copied) expect(() => statSync(resolve(root, file)), file).not.toThrow();
  });
});

describe('docker-compose.yml: the example functions work', () => {
  it('example-function answers SQS and DynamoDB batches, reporting the records marked "fail"', async () => {
    const port = await getFreePort();
    const server = await spawnManaged('example-function', process.execPath, [resolve(root, 'examples/compose/example-function/server.mjs')], {
      env: { ...process.env, PORT: String(port) },
    });
    onTestFinished(() => server.stop());
    const url = `http://127.0.0.1:${port}`;
    await pollUntil(async () => (await fetch(url)).ok, { timeoutMs: 5_000, description: 'example-function up' });
    const post = async (path: string, event: unknown): Promise<unknown> => (await fetch(`${url}${path}`, { method: 'POST', body: JSON.stringify(event) })).json();

    const sqs = (messageId: string, body: string) => ({ eventSource: 'aws:sqs', messageId, body, attributes: { ApproximateReceiveCount: '1' } });
    expect(await post('/orders', { Records: [sqs('m-1', '{"order":1}'), sqs('m-2', '{"order":2,"fail":true}'), sqs('m-3', 'not json')] })).toEqual({
      batchItemFailures: [{ itemIdentifier: 'm-2' }],
    });
    const ddb = (sequence: string, fail: boolean) => ({
      eventSource: 'aws:dynamodb',
      eventName: 'INSERT',
      dynamodb: { Keys: { id: { S: sequence } }, NewImage: { id: { S: sequence }, ...(fail ? { fail: { BOOL: true } } : {}) }, SequenceNumber: sequence },
    });
    expect(await post('/customers', { Records: [ddb('100', false), ddb('200', true)] })).toEqual({ batchItemFailures: [{ itemIdentifier: '200' }] });
  });

  it('clicks-handler succeeds on a Kinesis batch and throws on a record marked "fail"', async () => {
    const { handler } = (await import(pathToFileURL(resolve(root, 'examples/compose/clicks-lambda/index.mjs')).href)) as {
      handler: (event: unknown) => Promise<unknown>;
    };
    const click = (sequenceNumber: string, data: unknown) => ({ kinesis: { sequenceNumber, data: Buffer.from(JSON.stringify(data)).toString('base64') } });
    expect(await handler({ Records: [click('1', { page: '/home' })] })).toEqual({});
    await expect(handler({ Records: [click('1', { page: '/home' }), click('2', { page: '/x', fail: true })] })).rejects.toThrow('cannot handle click 2');
  });
});
