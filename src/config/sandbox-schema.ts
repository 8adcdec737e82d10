/**
 * The `sandbox:` section of a config file: the queues, streams and tables `sluice dev`
 * creates in its emulators, and the mappings it creates on them through Sluice's Lambda
 * API. `sluice start` validates the section (one file serves both commands) but creates
 * nothing from it: it logs one line saying it is ignored (chosen: refusing it would force
 * two files for one project, and `sluice start` never creates queues or streams).
 *
 * Resources are named, not given by ARN: a stream's ARN (and a table's stream ARN) exists
 * only once it is created, so mappings name their source by `queue`, `stream` or `table`.
 * Everything else in a mapping is Lambda's own CreateEventSourceMapping field, spelled as
 * Lambda spells it (chosen: the fields copy from Lambda's documentation and from the
 * `mappings:` section as they are; only the keys that do not exist in Lambda are in
 * lower case), and Sluice's API validates them as it validates any request.
 */
import { z } from 'zod';

/** SQS queue names: 1-80 of a-z A-Z 0-9 - _, and `.fifo` at the end of a FIFO queue's. */
const queueName = z.string().regex(/^([A-Za-z0-9_-]{1,80}|[A-Za-z0-9_-]{1,75}\.fifo)$/, {
  error: 'queue names are 1-80 characters of a-z A-Z 0-9 - _ (a FIFO queue\'s end in .fifo)',
});
const streamName = z.string().regex(/^[A-Za-z0-9_.-]{1,128}$/, { error: 'stream names are 1-128 characters of a-z A-Z 0-9 _ . -' });
const tableName = z.string().regex(/^[A-Za-z0-9_.-]{3,255}$/, { error: 'table names are 3-255 characters of a-z A-Z 0-9 _ . -' });

/** A queue is FIFO when it says so, else when its name ends in .fifo. */
export function isFifoQueue(queue: { name: string; fifo?: boolean | undefined }): boolean {
  return queue.fifo ?? queue.name.endsWith('.fifo');
}

const sandboxQueueSchema = z
  .object({
    name: queueName,
    fifo: z.boolean().optional().describe('A FIFO queue; default: the name ends in .fifo.'),
    visibilityTimeout: z.number().int().min(0).max(43200).optional().describe("Seconds (SQS's VisibilityTimeout); SQS's default 30."),
    contentBasedDeduplication: z.boolean().optional(),
    dlq: z
      .object({
        name: queueName,
        maxReceiveCount: z.number().int().min(1).max(1000).default(3),
      })
      .strict()
      .optional()
      .describe('A dead-letter queue created with it, and its RedrivePolicy.'),
  })
  .strict()
  .refine((queue) => isFifoQueue(queue) === queue.name.endsWith('.fifo'), { error: 'a FIFO queue\'s name ends in .fifo, and only a FIFO queue\'s' })
  .refine((queue) => queue.dlq === undefined || queue.dlq.name.endsWith('.fifo') === isFifoQueue(queue), {
    error: "a FIFO queue's dead-letter queue is a FIFO queue (name ending in .fifo), a standard queue's a standard one",
    path: ['dlq', 'name'],
  });

const sandboxStreamSchema = z
  .object({
    name: streamName,
    shards: z.number().int().min(1).max(50).default(1),
  })
  .strict();

const attributeType = z.enum(['S', 'N', 'B']);

const sandboxTableSchema = z
  .object({
    name: tableName,
    // (chosen) DynamoDB's own notation in one line: `{pk: S}` or `{pk: S, sk: N}`, the first
    // attribute the partition key, the second the sort key.
    key: z
      .record(z.string().min(1), attributeType)
      .default({ pk: 'S' })
      .refine((key) => [1, 2].includes(Object.keys(key).length), { error: 'a key is one attribute (partition) or two (partition, sort), e.g. {pk: S}' }),
    streamViewType: z.enum(['NEW_IMAGE', 'OLD_IMAGE', 'NEW_AND_OLD_IMAGES', 'KEYS_ONLY']).default('NEW_AND_OLD_IMAGES'),
  })
  .strict();

const SOURCE_KEYS = ['queue', 'stream', 'table', 'EventSourceArn'] as const;

const sandboxMappingSchema = z
  .object({
    function: z.string().min(1).describe('A function of `functions:`.'),
    queue: z.string().min(1).optional(),
    stream: z.string().min(1).optional(),
    table: z.string().min(1).optional(),
    EventSourceArn: z.string().startsWith('arn:').optional(),
    onFailure: z.string().min(1).optional().describe("A queue of `sandbox.queues`: the stream mapping's on-failure destination."),
    FunctionName: z.never({ error: 'name the function with `function:`' }).optional(),
  })
  // Lambda's other CreateEventSourceMapping fields (BatchSize, StartingPosition, ...), checked by the API.
  .catchall(z.unknown())
  .refine((m) => SOURCE_KEYS.filter((key) => m[key] !== undefined).length === 1, {
    error: 'name exactly one source: queue, stream or table (a resource of this section), or EventSourceArn',
  });

export const sandboxSchema = z
  .object({
    queues: z.array(sandboxQueueSchema).default([]).describe('SQS queues to create: `{name, fifo?, visibilityTimeout?, contentBasedDeduplication?, dlq?: {name, maxReceiveCount}}`.'),
    streams: z.array(sandboxStreamSchema).default([]).describe('Kinesis streams to create: `{name, shards}` (default 1 shard).'),
    tables: z
      .array(sandboxTableSchema)
      .default([])
      .describe('DynamoDB tables to create, each with a stream: `{name, key: {pk: S, sk?: N}, streamViewType}`.'),
    mappings: z
      .array(sandboxMappingSchema)
      .default([])
      .describe(
        'Mappings to create through the API (kept across restarts): `{function, queue, stream or table, onFailure?: <queue>, ...}` plus any CreateEventSourceMapping field (`BatchSize`, `StartingPosition`, ...).',
      ),
  })
  .strict()
  .superRefine((sandbox, ctx) => {
    const names = {
      queue: new Set(sandbox.queues.flatMap((q) => [q.name, ...(q.dlq ? [q.dlq.name] : [])])),
      stream: new Set(sandbox.streams.map((s) => s.name)),
      table: new Set(sandbox.tables.map((t) => t.name)),
    };
    const plural = { queue: 'queues', stream: 'streams', table: 'tables' } as const;
    sandbox.mappings.forEach((mapping, index) => {
      for (const kind of ['queue', 'stream', 'table'] as const) {
        const name = mapping[kind];
        if (name !== undefined && !names[kind].has(name)) {
          ctx.addIssue({ code: 'custom', path: ['mappings', index, kind], message: `no ${kind} named ${name} in sandbox.${plural[kind]}` });
        }
      }
      if (mapping.onFailure !== undefined && !names.queue.has(mapping.onFailure)) {
        ctx.addIssue({ code: 'custom', path: ['mappings', index, 'onFailure'], message: `no queue named ${mapping.onFailure} in sandbox.queues` });
      }
    });
  });

export type SandboxSpec = z.infer<typeof sandboxSchema>;
export type SandboxQueueSpec = SandboxSpec['queues'][number];
export type SandboxMappingSpec = SandboxSpec['mappings'][number];
