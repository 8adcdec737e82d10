/**
 * Where a run sends: Sluice's API (the Lambda endpoint) and the source's service endpoint.
 *
 * Sluice: `--endpoint-url`, else AWS_ENDPOINT_URL_LAMBDA, else the sandbox (`sluice dev`)
 * running in this folder or a parent, found through its state file like `sluice send` does.
 * With the sandbox as the target, its state gives everything at once (chosen: one coherent
 * set): the source endpoints, the region, and its credentials when none are configured.
 * Otherwise the sources' endpoints come from the environment like the SDK reads them:
 * AWS_ENDPOINT_URL_SQS / _KINESIS / _DYNAMODB, then AWS_ENDPOINT_URL.
 *
 * The run's source must have an endpoint so given (chosen): the SDK would otherwise fall back
 * to AWS itself, and a load test that creates queues and sends thousands of records to
 * whatever account the shell's credentials open is not something to do by omission. AWS is
 * one explicit setting away: its regional endpoint in AWS_ENDPOINT_URL_<SERVICE>.
 */
import type { Endpoints, LoadSource } from '../plan.js';
import { findSandboxState } from '../../dev/state-file.js';
import { SANDBOX_CREDENTIALS } from '../../dev/sandbox-credentials.js';
import { UsageError } from './usage-error.js';

export interface EndpointOptions {
  endpointUrl?: string;
  region?: string;
}

/** Where the Lambda endpoint came from, for the run's first line. */
export type EndpointOrigin = '--endpoint-url' | 'AWS_ENDPOINT_URL_LAMBDA' | 'sandbox';

const SERVICES = ['sqs', 'kinesis', 'dynamodb'] as const;
type Service = (typeof SERVICES)[number];

export const serviceOf = (source: LoadSource): Service => (source === 'sqs-fifo' ? 'sqs' : source);

function checkedUrl(value: string, what: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`${what}: not a URL: ${value}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`${what}: expected an http:// or https:// URL, got ${value}`);
  return value.replace(/\/+$/, '');
}

export const NO_ENDPOINT =
  'no Sluice endpoint: give --endpoint-url URL, set AWS_ENDPOINT_URL_LAMBDA, or start a sandbox with `npx sluice dev` in this folder or a parent';

const nonEmpty = (value: string | undefined) => (value === undefined || value.trim() === '' ? undefined : value.trim());

/** AWS_ENDPOINT_URL_<SERVICE>, then AWS_ENDPOINT_URL, for the services that have no endpoint yet. */
function fillFromEnv(endpoints: Endpoints, env: NodeJS.ProcessEnv): void {
  for (const service of SERVICES) {
    if (endpoints[service] !== undefined) continue;
    const name = `AWS_ENDPOINT_URL_${service.toUpperCase()}`;
    const specific = nonEmpty(env[name]);
    const global = nonEmpty(env.AWS_ENDPOINT_URL);
    if (specific !== undefined) endpoints[service] = checkedUrl(specific, name);
    else if (global !== undefined) endpoints[service] = checkedUrl(global, 'AWS_ENDPOINT_URL');
  }
}

/** Says how to give the source's endpoint when none is configured (see the module's comment). */
export function requireSourceEndpoint(endpoints: Endpoints, source: LoadSource): void {
  const service = serviceOf(source);
  if (endpoints[service] !== undefined) return;
  const name = `AWS_ENDPOINT_URL_${service.toUpperCase()}`;
  throw new UsageError(
    `no ${service} endpoint: set ${name} (or AWS_ENDPOINT_URL); for AWS itself its regional endpoint, e.g. https://${service === 'dynamodb' ? 'dynamodb' : service}.${endpoints.region}.amazonaws.com`,
  );
}

export function resolveEndpoints(options: EndpointOptions, env: NodeJS.ProcessEnv, cwd: string): { endpoints: Endpoints; origin: EndpointOrigin } {
  const flag = nonEmpty(options.endpointUrl);
  const fromEnv = nonEmpty(env.AWS_ENDPOINT_URL_LAMBDA);
  if (flag !== undefined || fromEnv !== undefined) {
    const lambda = flag !== undefined ? checkedUrl(flag, '--endpoint-url') : checkedUrl(fromEnv!, 'AWS_ENDPOINT_URL_LAMBDA');
    const endpoints: Endpoints = { region: nonEmpty(options.region) ?? nonEmpty(env.AWS_REGION) ?? 'us-east-1', lambda };
    fillFromEnv(endpoints, env);
    return { endpoints, origin: flag !== undefined ? '--endpoint-url' : 'AWS_ENDPOINT_URL_LAMBDA' };
  }
  const sandbox = findSandboxState(cwd);
  if (!sandbox) throw new UsageError(NO_ENDPOINT);
  const { state } = sandbox;
  const endpoints: Endpoints = { region: nonEmpty(options.region) ?? state.region, lambda: state.apiUrl };
  for (const service of SERVICES) {
    const endpoint = state.endpoints[service];
    if (endpoint) endpoints[service] = endpoint;
  }
  // A sandbox configured with a real service for a source has no endpoint for it in its state.
  fillFromEnv(endpoints, env);
  // The sandbox's emulators take any credentials and its API checks none; configured ones
  // win (a sandbox may use a real service for one source), as in `sluice send`.
  if (!env.AWS_ACCESS_KEY_ID && !env.AWS_PROFILE) endpoints.credentials = { ...SANDBOX_CREDENTIALS };
  return { endpoints, origin: 'sandbox' };
}
