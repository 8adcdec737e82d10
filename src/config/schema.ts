/**
 * The one schema of Sluice's configuration: types, defaults and descriptions live here and
 * nowhere else. `sluice config-reference` prints the README's reference table from it, and
 * a test keeps the README in step.
 */
import { z } from 'zod';
import { BUILTIN_TARGET_PATTERN } from '../targets/builtin-target.js';
import { sandboxSchema } from './sandbox-schema.js';

/** An SDK HTTP handler: `http1` (NodeHttpHandler) or `http2` (NodeHttp2Handler). */
export const httpHandlerSchema = z.enum(['http1', 'http2']);

const endpointSchema = z.url({ error: 'must be a URL such as http://127.0.0.1:4566' });

const serviceSchema = z
  .object({
    endpoint: endpointSchema.optional().describe("Endpoint URL for this service; overrides `aws.endpoint`."),
    httpHandler: httpHandlerSchema.optional().describe('HTTP handler for this service; overrides `aws.httpHandler`.'),
  })
  .strict();

/** The AWS services Sluice talks to, by their config key. */
export const serviceKeys = ['sqs', 'kinesis', 'dynamodbStreams', 'dynamodb', 'sns', 'lambda', 's3'] as const;
export type ServiceKey = (typeof serviceKeys)[number];

const hostPortSchema = z
  .object({ host: z.string().min(1), port: z.number().int().min(1).max(65535) })
  .strict();

/** TLS of every Redis connection; on with a `rediss://` URL (Node's trusted CAs unless `ca`). */
const redisTlsSchema = z
  .object({
    ca: z.string().min(1).optional().describe('PEM file of the CA that signed the Redis server certificate (instead of Node\'s trusted CAs).'),
    cert: z.string().min(1).optional().describe('PEM file of the client certificate, for a Redis that requires one (`tls-auth-clients yes`).'),
    key: z.string().min(1).optional().describe('PEM file of the client certificate\'s private key.'),
    rejectUnauthorized: z
      .boolean()
      .default(true)
      .describe('Refuse a Redis server certificate that the CA did not sign or that does not name the host. `false` only for tests.'),
    servername: z.string().min(1).optional().describe('Host name to verify the server certificate against, when it differs from the host connected to.'),
  })
  .strict()
  .refine((t) => (t.cert === undefined) === (t.key === undefined), { error: 'redis.tls.cert and redis.tls.key go together' })
  .prefault({});

export const functionConfigSchema = z
  .object({
    http: endpointSchema.optional().describe('Target: POST the event as JSON to this URL.'),
    module: z
      .string()
      .regex(/^[^#]+#[A-Za-z_$][\w$]*$/, { error: 'must look like path/to/handler.js#exportName' })
      .optional()
      .describe('Target: a handler module, `path/to/file.js#exportName` (relative to the config file).'),
    lambda: z.string().min(1).optional().describe('Target: a real Lambda function (name or ARN), invoked with the SDK.'),
    builtin: z
      .string()
      .regex(BUILTIN_TARGET_PATTERN, { error: 'must be noop, echo, sleep:<ms> or fail:<ratio 0..1>' })
      .optional()
      .describe(
        'Target: a function built into Sluice, for load tests and trying mappings: `noop`, `echo` (answers with the event), `sleep:<ms>` (then succeeds; past `timeout` it times out), `fail:<ratio>` (each invocation fails with that probability).',
      ),
    timeout: z
      .number()
      .int()
      .min(1)
      .max(900)
      .default(3)
      .describe('Seconds an invocation may run before it counts as a function error (Lambda default).'),
    memorySize: z
      .number()
      .int()
      .min(128)
      .max(10240)
      .default(128)
      .describe(
        '`module` targets: MB of JavaScript heap a handler worker may use (Lambda\'s range and default); past it the invocation is a `Runtime.OutOfMemory` function error and the worker is replaced. Also `context.memoryLimitInMB`.',
      ),
    environment: z
      .record(
        z
          .string()
          .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'variable names are letters, digits and _, not starting with a digit' })
          // Reserved, as in Lambda: Sluice sets them (module-target.ts, handlerEnvironment).
          .regex(/^(?!AWS_LAMBDA_)/, { error: 'AWS_LAMBDA_* variables are set by Sluice (reserved, as in Lambda)' }),
        z.string(),
      )
      .default({})
      .describe('`module` targets: environment variables of the handler (over the inherited ones).'),
    inheritEnv: z
      .boolean()
      .default(true)
      .describe(
        "`module` targets: the handler sees Sluice's own environment too; `false`: only `environment` and Lambda's `AWS_LAMBDA_*` variables (keeps Sluice's secrets, AWS keys included, from handlers).",
      ),
    qualifiers: z
      .array(z.string().regex(/^(\$LATEST|[a-zA-Z0-9-_]{1,128})$/, { error: 'must be $LATEST, a version or an alias name' }))
      .min(1)
      .optional()
      .describe(
        'Qualifiers (versions, aliases) mappings may name, e.g. `my-fn:prod`; a FunctionName without one counts as `$LATEST`. Others are refused like an unknown function. Unset: any. A `lambda` target is invoked with the qualifier.',
      ),
  })
  .strict()
  .refine((f) => [f.http, f.module, f.lambda, f.builtin].filter((v) => v !== undefined).length === 1, {
    error: 'needs exactly one target: http, module, lambda or builtin',
  });

/**
 * Who may call the API (README "Authentication"). `mode` has no default on purpose: on a
 * non-loopback `api.host` Sluice refuses to start until it is set (src/api/auth/api-exposure.ts).
 */
const apiAuthSchema = z
  .object({
    mode: z
      .enum(['sigv4', 'none'])
      .optional()
      .describe(
        'Who may call the API: `sigv4` verifies AWS Signature V4 with `api.auth.keys`; `none` serves it unauthenticated. Unset: `none` on a loopback `api.host`, a refused start on any other.',
      ),
    keys: z
      // Access key ids go into `Credential=<id>/<date>/...`: no `/`, and no `:` or `,` (the environment's separators).
      .record(z.string().regex(/^[\w.-]{1,128}$/, { error: 'access key ids are 1-128 characters of a-z A-Z 0-9 _ . -' }), z.string().min(1, { error: 'a secret must not be empty' }))
      .default({})
      .describe('Access key id -> secret access key accepted in `sigv4` mode (environment: `AKID1:secret1,AKID2:secret2`). Secrets are never logged.'),
    openMetrics: z.boolean().default(false).describe('Serve `GET /metrics` to anyone (Prometheus scrapers that cannot sign); otherwise it needs a signature or the browser credential.'),
    browser: z
      .object({
        username: z.string().min(1).optional().describe('User name of the HTTP Basic credential for browsers: `/ui`, and `/metrics` and `/sluice/v1/*` in `sigv4` mode.'),
        password: z.string().min(1).optional().describe('Password of that HTTP Basic credential. Without one, `sigv4` mode refuses `/ui`.'),
      })
      .strict()
      .prefault({})
      .refine((b) => (b.username === undefined) === (b.password === undefined), { error: 'username and password are set together' }),
  })
  .strict()
  .prefault({})
  .refine((auth) => auth.mode !== 'sigv4' || Object.keys(auth.keys).length > 0, {
    error: 'mode sigv4 needs at least one access key (api.auth.keys, or SLUICE_API_AUTH_KEYS=AKID:secret)',
    path: ['keys'],
  });

/**
 * An allow list of ARN patterns (src/mappings/allowed-resources.ts). Unset = allow all;
 * an empty list allows nothing. A pattern must start with `arn:` (or be `*`): a bare
 * queue or stream name would silently match nothing.
 */
function allowListSchema(what: string, example: string) {
  return z
    .array(z.string().regex(/^(arn:|\*)/, { error: `must be an ARN pattern such as ${example}` }))
    .optional()
    .describe(
      `ARN patterns of the ${what} mappings may use; \`*\` matches any run of characters, \`:\` and \`/\` included. Unset: any (a start-up warning when the API listens beyond loopback); empty: none.`,
    );
}

export const configSchema = z
  .object({
    region: z
      .string()
      .regex(/^[a-z0-9-]+$/, { error: 'must be a region name such as us-east-1' })
      .default('us-east-1')
      .describe('Region in the ARNs Sluice builds, and of its SDK clients.'),
    accountId: z.string().regex(/^\d{12}$/, { error: 'must be 12 digits' }).default('000000000000').describe('Account id in the ARNs Sluice builds.'),
    redis: z
      .object({
        url: z
          .string()
          .regex(/^rediss?:\/\//, { error: 'must be a redis:// or rediss:// URL' })
          .default('redis://127.0.0.1:6379')
          .describe('Redis holding mappings, checkpoints, leases and batch jobs (`/<db>` selects a database).'),
        keyPrefix: z
          .string()
          .regex(/^[^{}\s]+$/, { error: 'must not contain braces or whitespace' })
          .default('sluice')
          .describe('Prefix of every Redis key and channel Sluice and its BullMQ queue use; installations sharing one Redis need different prefixes.'),
        username: z.string().min(1).optional().describe('Redis ACL user (overrides one in `url`).'),
        password: z.string().min(1).optional().describe('Password of the ACL user or `requirepass` (overrides one in `url`). Never logged.'),
        tls: redisTlsSchema,
        sentinels: z
          .array(hostPortSchema)
          .min(1)
          .optional()
          .describe('Sentinels (`[{host, port}]`) to ask for the master `sentinelName`; `url` then gives only the scheme (TLS), credentials and database.'),
        sentinelName: z.string().min(1).optional().describe('Name of the master the sentinels watch (`sentinel monitor <name> ...`).'),
        sentinelPassword: z.string().min(1).optional().describe("Password of the sentinels themselves (their `requirepass`), if any. Never logged."),
        cluster: z
          .array(hostPortSchema)
          .min(1)
          .optional()
          .describe('Redis Cluster seed nodes (`[{host, port}]`); keys are then hash-tagged per mapping. `url` gives only the scheme (TLS) and credentials.'),
      })
      .strict()
      .refine((r) => !(r.cluster && r.sentinels), { error: 'redis.cluster and redis.sentinels exclude each other' })
      .refine((r) => !r.cluster || /^rediss?:\/\/[^/]*(\/0?)?$/.test(r.url), { error: 'redis.cluster has only database 0: the url must not select another' })
      .refine((r) => (r.sentinels === undefined) === (r.sentinelName === undefined), {
        error: 'redis.sentinels and redis.sentinelName go together',
      })
      .refine((r) => r.url.startsWith('rediss://') || Object.values(r.tls).every((v) => v === undefined || v === true), {
        error: 'redis.tls settings need a rediss:// URL',
      })
      .prefault({}),
    api: z
      .object({
        host: z.string().min(1).default('127.0.0.1').describe('Address the Lambda-compatible API listens on (`0.0.0.0` in containers).'),
        port: z.number().int().min(0).max(65535).default(7070).describe('Port of the API; 0 picks a free one.'),
        requestTimeoutMs: z
          .number()
          .int()
          .min(100)
          .default(30_000)
          .describe('Milliseconds a client has to send a whole request (head and body); a slower one is answered 408 and dropped.'),
        keepAliveTimeoutMs: z
          .number()
          .int()
          .min(100)
          .default(72_000)
          .describe('Milliseconds an idle keep-alive connection stays open (longer than the 60 s of common load balancers).'),
        auth: apiAuthSchema,
        ui: z
          .object({
            keepJobs: z
              .number()
              .int()
              .min(0)
              .max(10_000)
              .default(100)
              .describe(
                '`/ui` shows the last this many completed and this many failed batch jobs of the BullMQ queue `invoke` (completed ones for an hour, failed ones for a day), their events replaced by a summary once they ended; larger results are not kept. 0 keeps none.',
              ),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    aws: z
      .object({
        endpoint: endpointSchema.optional().describe('Endpoint for every AWS service without its own (LocalStack: `http://localhost:4566`).'),
        httpHandler: httpHandlerSchema
          .default('http1')
          .describe('SDK HTTP handler, `http1` or `http2`. HTTP/1.1 avoids kinesis-local failing on large HTTP/2 requests.'),
        services: z
          .object({
            sqs: serviceSchema.prefault({}),
            kinesis: serviceSchema.prefault({}),
            dynamodbStreams: serviceSchema.prefault({}),
            dynamodb: serviceSchema.prefault({}),
            sns: serviceSchema.prefault({}),
            lambda: serviceSchema.prefault({}),
            // S3: on-failure destinations (`arn:aws:s3:::bucket`, streams.md §14.2).
            s3: serviceSchema.prefault({}),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    log: z
      .object({
        level: z
          .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
          .default('info')
          .describe('Log level of the JSON logs (pino) on stdout.'),
      })
      .strict()
      .prefault({}),
    filters: z
      .object({
        maxPerMapping: z.number().int().min(5).max(10).default(5).describe('Filters allowed per mapping (AWS: 5, raised up to 10 on request).'),
      })
      .strict()
      .prefault({}),
    sqs: z
      .object({
        defaultMaximumConcurrency: z
          .number()
          .int()
          .min(1)
          .max(1000)
          .default(5)
          .describe('Concurrent batches of an SQS mapping without ScalingConfig or ProvisionedPollerConfig (summed over all processes).'),
      })
      .strict()
      .prefault({}),
    streams: z
      .object({
        leaseMs: z
          .number()
          .int()
          .min(1000)
          .default(10000)
          .describe('Milliseconds a shard lease lasts unless renewed: a dead worker\'s shards move to the others after about this long.'),
        // Unset: the source's default (streams.md §4), so one config serves Kinesis and DynamoDB mappings.
        idlePollMs: z
          .number()
          .int()
          .min(0)
          .max(60_000)
          .optional()
          .describe('Milliseconds a shard waits after a read that returned no records and was not behind. Default per source: Kinesis 1000, DynamoDB Streams 250; `sluice dev` uses 100.'),
        minReadIntervalMs: z
          .number()
          .int()
          .min(0)
          .max(60_000)
          .optional()
          .describe('Least milliseconds between two reads of one shard, under backlog too. Default per source: Kinesis 200 (5 GetRecords per shard per second), DynamoDB Streams 0; `sluice dev` uses 0.'),
        readAheadRecords: z
          .number()
          .int()
          .min(1)
          .optional()
          .describe('A shard stops reading while it holds more than this many records read and not yet in a batch. Default: the larger of 10000 and 2 × BatchSize × ParallelizationFactor.'),
        readAheadBytes: z
          .number()
          .int()
          .min(1024)
          .default(16 * 1024 * 1024)
          .describe('A shard stops reading while the records it holds read and not yet in a batch exceed this many bytes (16 MB).'),
        maxBufferedBytes: z
          .number()
          .int()
          .min(1024)
          .default(256 * 1024 * 1024)
          .describe('Every shard of the process stops reading while the records all of them hold read and not yet in a batch exceed this many bytes (256 MB); nothing read is dropped.'),
      })
      .strict()
      .prefault({}),
    pipeline: z
      .object({
        workerConcurrency: z
          .number()
          .int()
          .min(1)
          .max(10000)
          .default(256)
          .describe('Batch jobs this process invokes at once (its own and those it takes from the BullMQ queue `invoke`), for all mappings.'),
        runLocally: z
          .boolean()
          .default(true)
          .describe(
            'Run a batch job in the process that read the batch while it has a free job slot, not as a BullMQ job (about 45 Redis commands each); only the overflow goes through the BullMQ queue `invoke` to any process. `false` sends every job through the queue.',
          ),
      })
      .strict()
      .prefault({}),
    supervisor: z
      .object({
        enabled: z.boolean().default(true).describe('Run mappings in this process; `false` makes an API-only process.'),
        reconcileIntervalMs: z
          .number()
          .int()
          .min(100)
          .default(5000)
          .describe('Milliseconds between full reconciles, the safety net for missed change notifications.'),
        heartbeatIntervalMs: z.number().int().min(100).default(1000).describe('Milliseconds between this worker\'s heartbeats in Redis.'),
        workerTimeoutMs: z
          .number()
          .int()
          .min(500)
          .default(5000)
          .describe('A worker silent this long is dead: its SQS concurrency slots expire, its share of SQS concurrency and its vote on settling go to the others.'),
        shutdownTimeoutMs: z
          .number()
          .int()
          .min(0)
          .default(30000)
          .describe('On SIGTERM, how long in-flight batches, then SQS long polls still open (up to 20 s), may take to end before they are abandoned (messages come back after their visibility timeout); 2 s later the process is gone whatever Redis does.'),
      })
      .strict()
      .prefault({}),
    sources: z
      .object({ allow: allowListSchema('event sources', 'arn:aws:sqs:us-east-1:123456789012:orders-*') })
      .strict()
      .prefault({}),
    destinations: z
      .object({ allow: allowListSchema('on-failure destinations', 'arn:aws:sqs:*:123456789012:failures-*') })
      .strict()
      .prefault({}),
    functions: z
      .record(z.string().regex(/^[a-zA-Z0-9-_]{1,64}$/, { error: 'function names are 1-64 characters of a-z A-Z 0-9 - _' }), functionConfigSchema)
      .default({})
      .describe('Functions by name: the targets mappings invoke. Each has exactly one of `http`, `module`, `lambda`, `builtin`.'),
    mappings: z
      .array(z.record(z.string(), z.unknown()))
      .default([])
      .describe('Declared mappings: CreateEventSourceMapping request bodies, applied at start (matched by EventSourceArn + FunctionName).'),
    // No environment variable (chosen): lists of resources do not fit in one.
    sandbox: sandboxSchema
      .optional()
      .describe('`sluice dev` only: queues, streams, tables to create in the emulators and mappings on them by name (README "Your own handlers"); `sluice start` ignores it.'),
  })
  .strict();

export type SluiceConfig = z.infer<typeof configSchema>;
export type FunctionConfig = SluiceConfig['functions'][string];
export type HttpHandlerKind = z.infer<typeof httpHandlerSchema>;
