/**
 * Environment variables that override the config file. One table, so loading and the
 * README's reference agree. AWS endpoint variables follow the SDK's own conventions
 * (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_<SERVICE_ID>).
 */
export interface EnvironmentOverride {
  /** Variable name. */
  env: string;
  /** Dotted config key it sets. */
  key: string;
  /** How to read the string; `list` is comma-separated, blanks around items dropped. */
  type: 'string' | 'integer' | 'boolean' | 'keyMap' | 'list';
}

export const environmentOverrides: readonly EnvironmentOverride[] = [
  { env: 'AWS_REGION', key: 'region', type: 'string' },
  { env: 'SLUICE_ACCOUNT_ID', key: 'accountId', type: 'string' },
  { env: 'SLUICE_REDIS_URL', key: 'redis.url', type: 'string' },
  { env: 'SLUICE_REDIS_USERNAME', key: 'redis.username', type: 'string' },
  { env: 'SLUICE_REDIS_PASSWORD', key: 'redis.password', type: 'string' },
  { env: 'SLUICE_REDIS_SENTINEL_PASSWORD', key: 'redis.sentinelPassword', type: 'string' },
  { env: 'SLUICE_API_HOST', key: 'api.host', type: 'string' },
  { env: 'SLUICE_API_PORT', key: 'api.port', type: 'integer' },
  { env: 'SLUICE_API_AUTH_MODE', key: 'api.auth.mode', type: 'string' },
  { env: 'SLUICE_API_AUTH_KEYS', key: 'api.auth.keys', type: 'keyMap' },
  { env: 'SLUICE_API_AUTH_OPEN_METRICS', key: 'api.auth.openMetrics', type: 'boolean' },
  { env: 'SLUICE_API_AUTH_BROWSER_USERNAME', key: 'api.auth.browser.username', type: 'string' },
  { env: 'SLUICE_API_AUTH_BROWSER_PASSWORD', key: 'api.auth.browser.password', type: 'string' },
  { env: 'SLUICE_API_UI_KEEP_JOBS', key: 'api.ui.keepJobs', type: 'integer' },
  { env: 'SLUICE_SUPERVISOR', key: 'supervisor.enabled', type: 'boolean' },
  { env: 'SLUICE_SOURCES_ALLOW', key: 'sources.allow', type: 'list' },
  { env: 'SLUICE_DESTINATIONS_ALLOW', key: 'destinations.allow', type: 'list' },
  { env: 'SLUICE_LOG_LEVEL', key: 'log.level', type: 'string' },
  { env: 'SLUICE_STREAMS_IDLE_POLL_MS', key: 'streams.idlePollMs', type: 'integer' },
  { env: 'SLUICE_STREAMS_MIN_READ_INTERVAL_MS', key: 'streams.minReadIntervalMs', type: 'integer' },
  { env: 'SLUICE_STREAMS_READ_AHEAD_RECORDS', key: 'streams.readAheadRecords', type: 'integer' },
  { env: 'SLUICE_STREAMS_READ_AHEAD_BYTES', key: 'streams.readAheadBytes', type: 'integer' },
  { env: 'SLUICE_STREAMS_MAX_BUFFERED_BYTES', key: 'streams.maxBufferedBytes', type: 'integer' },
  { env: 'SLUICE_AWS_HTTP_HANDLER', key: 'aws.httpHandler', type: 'string' },
  { env: 'AWS_ENDPOINT_URL', key: 'aws.endpoint', type: 'string' },
  { env: 'AWS_ENDPOINT_URL_SQS', key: 'aws.services.sqs.endpoint', type: 'string' },
  { env: 'AWS_ENDPOINT_URL_KINESIS', key: 'aws.services.kinesis.endpoint', type: 'string' },
  { env: 'AWS_ENDPOINT_URL_DYNAMODB_STREAMS', key: 'aws.services.dynamodbStreams.endpoint', type: 'string' },
  { env: 'AWS_ENDPOINT_URL_DYNAMODB', key: 'aws.services.dynamodb.endpoint', type: 'string' },
  { env: 'AWS_ENDPOINT_URL_SNS', key: 'aws.services.sns.endpoint', type: 'string' },
  { env: 'AWS_ENDPOINT_URL_LAMBDA', key: 'aws.services.lambda.endpoint', type: 'string' },
  { env: 'AWS_ENDPOINT_URL_S3', key: 'aws.services.s3.endpoint', type: 'string' },
];

export class EnvironmentValueError extends Error {
  constructor(readonly env: string, readonly key: string, detail: string) {
    super(`${env} (${key}): ${detail}`);
  }
}

/** Reads one variable as its declared type; a value that is not of that type throws. */
export function readEnvironmentValue(override: EnvironmentOverride, raw: string): unknown {
  if (override.type === 'integer') {
    if (!/^-?\d+$/.test(raw.trim())) throw new EnvironmentValueError(override.env, override.key, `expected an integer, got '${raw}'`);
    return Number(raw);
  }
  if (override.type === 'boolean') {
    const value = raw.trim().toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(value)) return true;
    if (['0', 'false', 'no', 'off'].includes(value)) return false;
    throw new EnvironmentValueError(override.env, override.key, `expected true or false, got '${raw}'`);
  }
  if (override.type === 'keyMap') return readKeyMap(override, raw);
  if (override.type === 'list') {
    // Empty items (a trailing comma) are dropped; a variable of only commas is an empty
    // list, which allows nothing: unset the variable to allow everything.
    return raw.split(',').map((item) => item.trim()).filter((item) => item !== '');
  }
  return raw;
}

/**
 * `AKID1:secret1,AKID2:secret2` (AWS access key ids and secrets hold neither `,` nor `:`;
 * a secret is split at its first `:` all the same). The error never repeats the value: it
 * holds secrets.
 */
function readKeyMap(override: EnvironmentOverride, raw: string): Record<string, string> {
  const keys: Record<string, string> = {};
  for (const [index, pair] of raw.split(',').entries()) {
    const colon = pair.indexOf(':');
    if (colon <= 0) throw new EnvironmentValueError(override.env, override.key, `entry ${index + 1} is not <access key id>:<secret>`);
    keys[pair.slice(0, colon).trim()] = pair.slice(colon + 1).trim();
  }
  return keys;
}
