/** Where `sluice loadtest` sends: --endpoint-url, the environment like the SDK, or the sandbox's state file. */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NO_ENDPOINT, requireSourceEndpoint, resolveEndpoints } from '../../../../src/loadtest/cli/endpoints.js';
import { writeStateFile, type SandboxState } from '../../../../src/dev/state-file.js';
import { SANDBOX_CREDENTIALS } from '../../../../src/dev/sandbox-credentials.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'sluice-loadtest-endpoints-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function sandboxIn(dir: string, patch: Partial<SandboxState> = {}): void {
  mkdirSync(dir, { recursive: true });
  writeStateFile(dir, {
    pid: process.pid,
    apiUrl: 'http://127.0.0.1:9100',
    region: 'eu-central-1',
    endpoints: { sqs: 'http://127.0.0.1:9324', kinesis: 'http://127.0.0.1:4567', dynamodb: 'http://127.0.0.1:8000' },
    emulated: ['sqs', 'kinesis', 'dynamodb'],
    resources: {},
    ...patch,
  });
}

describe('resolveEndpoints', () => {
  const empty = path.join(root, 'empty');
  mkdirSync(empty);

  it('nothing given and no sandbox: one line saying how to give an endpoint', () => {
    expect(() => resolveEndpoints({}, {}, empty)).toThrow(NO_ENDPOINT);
    expect(NO_ENDPOINT).not.toContain('\n');
  });

  it('--endpoint-url wins over AWS_ENDPOINT_URL_LAMBDA; sources from the service variable, then AWS_ENDPOINT_URL', () => {
    const env = {
      AWS_ENDPOINT_URL_LAMBDA: 'http://env-lambda:1',
      AWS_ENDPOINT_URL_KINESIS: 'http://kinesis:2',
      AWS_ENDPOINT_URL: 'http://localstack:4566/',
      AWS_REGION: 'ap-south-1',
    };
    const { endpoints, origin } = resolveEndpoints({ endpointUrl: 'http://flag:9001/' }, env, empty);
    expect(origin).toBe('--endpoint-url');
    expect(endpoints).toEqual({
      region: 'ap-south-1',
      lambda: 'http://flag:9001',
      kinesis: 'http://kinesis:2',
      sqs: 'http://localstack:4566',
      dynamodb: 'http://localstack:4566',
    });
    expect(endpoints.credentials).toBeUndefined();
  });

  it('AWS_ENDPOINT_URL_LAMBDA alone: no source endpoint, which a run refuses; --region over AWS_REGION', () => {
    const { endpoints, origin } = resolveEndpoints({ region: 'us-west-2' }, { AWS_ENDPOINT_URL_LAMBDA: 'https://sluice.internal', AWS_REGION: 'ap-south-1' }, empty);
    expect(origin).toBe('AWS_ENDPOINT_URL_LAMBDA');
    expect(endpoints).toEqual({ region: 'us-west-2', lambda: 'https://sluice.internal' });
    expect(() => requireSourceEndpoint(endpoints, 'dynamodb')).toThrow(
      'no dynamodb endpoint: set AWS_ENDPOINT_URL_DYNAMODB (or AWS_ENDPOINT_URL); for AWS itself its regional endpoint, e.g. https://dynamodb.us-west-2.amazonaws.com',
    );
    expect(() => requireSourceEndpoint({ ...endpoints, sqs: 'http://q' }, 'sqs-fifo')).not.toThrow();
  });

  it('a bad URL in the environment is named', () => {
    expect(() => resolveEndpoints({}, { AWS_ENDPOINT_URL_LAMBDA: 'http://x:1', AWS_ENDPOINT_URL_SQS: 'not a url' }, empty)).toThrow(
      'AWS_ENDPOINT_URL_SQS: not a URL: not a url',
    );
  });

  it('the sandbox running in this folder or a parent: its API, endpoints, region and credentials', () => {
    const project = path.join(root, 'project');
    sandboxIn(project, { endpoints: { sqs: 'http://127.0.0.1:9324', kinesis: 'http://127.0.0.1:4567' } });
    const below = path.join(project, 'src', 'deep');
    mkdirSync(below, { recursive: true });
    const { endpoints, origin } = resolveEndpoints({}, { AWS_ENDPOINT_URL_SQS: 'http://ignored:1' }, below);
    expect(origin).toBe('sandbox');
    expect(endpoints).toEqual({
      region: 'eu-central-1',
      lambda: 'http://127.0.0.1:9100',
      sqs: 'http://127.0.0.1:9324',
      kinesis: 'http://127.0.0.1:4567',
      credentials: SANDBOX_CREDENTIALS,
    });
    // A service the sandbox has no endpoint for (configured with AWS itself) comes from the environment.
    expect(resolveEndpoints({}, { AWS_ENDPOINT_URL: 'http://localstack:4566' }, project).endpoints.dynamodb).toBe('http://localstack:4566');
    // Configured credentials are the user's choice; the flag's region too.
    const configured = resolveEndpoints({ region: 'us-east-2' }, { AWS_PROFILE: 'dev' }, project).endpoints;
    expect(configured.credentials).toBeUndefined();
    expect(configured.region).toBe('us-east-2');
    // The environment's Lambda endpoint takes precedence over the sandbox.
    expect(resolveEndpoints({}, { AWS_ENDPOINT_URL_LAMBDA: 'http://other:1' }, project).endpoints.lambda).toBe('http://other:1');
  });

  it('a state file left by a process that is gone is ignored', () => {
    const stale = path.join(root, 'stale');
    // Above Linux's largest pid (2^22): no such process.
    sandboxIn(stale, { pid: 2 ** 22 + 1 });
    expect(() => resolveEndpoints({}, {}, stale)).toThrow(NO_ENDPOINT);
  });
});
