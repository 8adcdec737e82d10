/**
 * The one schema of Sluice's configuration: types, defaults and documentation live here
 * and nowhere else. The README's configuration reference is checked against it by a test.
 */
import { z } from 'zod';

/** An SDK HTTP handler: `http1` (NodeHttpHandler) or `http2` (NodeHttp2Handler). */
export const httpHandlerSchema = z.enum(['http1', 'http2']);

const endpointSchema = z.url({ error: 'must be a URL such as http://127.0.0.1:4566' });

const serviceSchema = z
  .object({
    /** Endpoint URL for this service; overrides `aws.endpoint`. */
    endpoint: endpointSchema.optional(),
    /** HTTP handler for this service; overrides `aws.httpHandler`. */
    httpHandler: httpHandlerSchema.optional(),
  })
  .strict();

/** The AWS services Sluice talks to, by their config key. */
export const serviceKeys = ['sqs', 'kinesis', 'dynamodbStreams', 'dynamodb', 'sns', 'lambda'] as const;
export type ServiceKey = (typeof serviceKeys)[number];

const functionSchema = z
  .object({
    /** POST the event as JSON to this URL. */
    http: endpointSchema.optional(),
    /** A handler module, `path/to/file.js#exportName` (path relative to the config file). */
    module: z
      .string()
      .regex(/^[^#]+#[A-Za-z_$][\w$]*$/, { error: 'must look like path/to/handler.js#exportName' })
      .optional(),
    /** A real Lambda function (name or ARN), invoked with the SDK. */
    lambda: z.string().min(1).optional(),
    /** Seconds an invocation may run before it counts as a function error (Lambda's default: 3). */
    timeout: z.number().int().min(1).max(900).default(3),
  })
  .strict()
  .refine((f) => [f.http, f.module, f.lambda].filter((v) => v !== undefined).length === 1, {
    error: 'needs exactly one target: http, module or lambda',
  });

export const configSchema = z
  .object({
    /** Region used in the ARNs Sluice builds and for SDK clients. Env: AWS_REGION. */
    region: z.string().regex(/^[a-z0-9-]+$/, { error: 'must be a region name such as us-east-1' }).default('us-east-1'),
    /** Account id used in the ARNs Sluice builds. Env: SLUICE_ACCOUNT_ID. */
    accountId: z.string().regex(/^\d{12}$/, { error: 'must be 12 digits' }).default('000000000000'),
    redis: z
      .object({
        /** Redis holding mappings, checkpoints, leases and batch jobs. Env: SLUICE_REDIS_URL. */
        url: z.string().regex(/^rediss?:\/\//, { error: 'must be a redis:// or rediss:// URL' }).default('redis://127.0.0.1:6379'),
        /** Prefix of every key Sluice writes. */
        keyPrefix: z.string().min(1).default('sluice'),
      })
      .strict()
      .prefault({}),
    api: z
      .object({
        /** Address the Lambda-compatible API listens on. Env: SLUICE_API_HOST. */
        host: z.string().min(1).default('127.0.0.1'),
        /** Port of the API; 0 picks a free one. Env: SLUICE_API_PORT. */
        port: z.number().int().min(0).max(65535).default(7070),
      })
      .strict()
      .prefault({}),
    aws: z
      .object({
        /** Endpoint for every AWS service without its own. Env: AWS_ENDPOINT_URL. */
        endpoint: endpointSchema.optional(),
        /** Default SDK HTTP handler. HTTP/1.1 avoids kinesis-mock's HTTP/2 failures on large requests. Env: SLUICE_AWS_HTTP_HANDLER. */
        httpHandler: httpHandlerSchema.default('http1'),
        /** Per-service settings. Env: AWS_ENDPOINT_URL_SQS, _KINESIS, _DYNAMODB_STREAMS, _DYNAMODB, _SNS, _LAMBDA. */
        services: z
          .object({
            sqs: serviceSchema.prefault({}),
            kinesis: serviceSchema.prefault({}),
            dynamodbStreams: serviceSchema.prefault({}),
            dynamodb: serviceSchema.prefault({}),
            sns: serviceSchema.prefault({}),
            lambda: serviceSchema.prefault({}),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    filters: z
      .object({
        /** Filters allowed per mapping (AWS: 5, raised to 10 on request). */
        maxPerMapping: z.number().int().min(5).max(10).default(5),
      })
      .strict()
      .prefault({}),
    supervisor: z
      .object({
        /** Run the supervisor (pollers) in this process. `false` makes an API-only process. Env: SLUICE_SUPERVISOR. */
        enabled: z.boolean().default(true),
        /** Milliseconds between full reconciles of every mapping, a safety net for missed change notifications. */
        reconcileIntervalMs: z.number().int().min(100).default(5000),
      })
      .strict()
      .prefault({}),
    /** Functions by name: the targets mappings invoke. */
    functions: z.record(z.string().regex(/^[a-zA-Z0-9-_]{1,64}$/, { error: 'function names are 1-64 characters of a-z A-Z 0-9 - _' }), functionSchema).default({}),
    /** Declarative mappings: CreateEventSourceMapping request bodies applied at start (matched by EventSourceArn + FunctionName). */
    mappings: z.array(z.record(z.string(), z.unknown())).default([]),
  })
  .strict();

export type SluiceConfig = z.infer<typeof configSchema>;
export type FunctionConfig = SluiceConfig['functions'][string];
export type HttpHandlerKind = z.infer<typeof httpHandlerSchema>;
