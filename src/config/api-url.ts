/**
 * Where a command run beside Sluice reaches its API (`sluice redrive`, `sluice mappings
 * rewind`): `--endpoint-url`, else AWS_ENDPOINT_URL_LAMBDA (as the AWS CLI and SDKs read it),
 * else the config's `api.host` / `api.port`, a wildcard bind address reached on loopback.
 */
import type { LoadedConfig } from './index.js';

/** The API's URL from the config: a wildcard address is reached on loopback. */
export function configuredEndpoint(config: Pick<LoadedConfig, 'api'>): string {
  const host = config.api.host === '0.0.0.0' ? '127.0.0.1' : config.api.host === '::' ? '::1' : config.api.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.api.port}`;
}

/** `--endpoint-url`, else AWS_ENDPOINT_URL_LAMBDA (blank counts as unset), else undefined: then the config decides. */
export function givenApiEndpoint(endpointUrl: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  return endpointUrl ?? (env.AWS_ENDPOINT_URL_LAMBDA?.trim() || undefined);
}
