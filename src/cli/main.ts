#!/usr/bin/env node
/**
 * The `sluice` command line.
 */
import { createRequire } from 'node:module';
import { Argument, Command, InvalidArgumentError } from 'commander';
import { loadConfig, ConfigError, DEFAULT_CONFIG_FILE, configReferenceMarkdown } from '../config/index.js';
import { startSluice, StartupError } from '../app.js';
import { ShutdownTimeoutError } from '../shutdown.js';
import { createLogger } from '../observability/logger.js';
import type { LoadtestCliOptions } from '../loadtest/cli/options.js';
import { configuredEndpoint, givenApiEndpoint } from '../config/api-url.js';

// package.json sits two folders up from both src/cli/ and dist/cli/ (and is in the image).
const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

const program = new Command()
  .name('sluice')
  .description('Runs AWS Lambda event source mappings (SQS, Kinesis, DynamoDB Streams) anywhere.')
  .version(version);

program
  .command('start')
  .description('Serve the Lambda-compatible API and run the mappings stored in Redis')
  .option('-c, --config <file>', `config file (default ${DEFAULT_CONFIG_FILE} when it exists)`)
  .action(async (options: { config?: string }) => {
    let config;
    try {
      config = loadConfig({ file: options.config });
    } catch (error) {
      return fail(error);
    }
    const logger = createLogger({ level: config.log.level });
    // A warning, not exit 2 like an invalid config: the process is still of use (it lists,
    // gets, disables and deletes stored mappings, serves /metrics), but no mapping can be
    // created or invoked without a function, which a newcomer should hear at once.
    if (Object.keys(config.functions).length === 0) {
      logger.warn({ config: config.file ?? null }, 'no functions configured: no mapping can be created or invoked until `functions:` names one');
    }
    // One file serves `sluice dev` and `sluice start`; only the sandbox creates what `sandbox:` declares.
    if (config.sandbox) logger.info({ config: config.file ?? null }, 'the sandbox: section is for `sluice dev` only: ignored (no queue, stream, table or mapping is created from it)');
    let running;
    try {
      running = await startSluice(config, logger);
    } catch (error) {
      return fail(error);
    }
    let stopping = false;
    const shutdown = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'shutting down');
      try {
        await running.stop();
        process.exit(0);
      } catch (error) {
        // Out of time (bounded by supervisor.shutdownTimeoutMs, src/shutdown.ts): one line saying what did not finish.
        if (error instanceof ShutdownTimeoutError) logger.error({ unfinished: error.unfinished }, error.message);
        else logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      }
    };
    process.on('SIGTERM', () => void shutdown('SIGTERM'));
    process.on('SIGINT', () => void shutdown('SIGINT'));
  });

program
  .command('store')
  .description("Show Sluice's store in Redis (`status`), or acknowledge that Redis lost it (`ack`: /readyz is ready again)")
  .addArgument(new Argument('<action>').choices(['status', 'ack']))
  .option('-c, --config <file>', `config file (default ${DEFAULT_CONFIG_FILE} when it exists)`)
  .action(async (action: 'status' | 'ack', options: { config?: string }) => {
    const { runStoreCommand } = await import('./store-command.js');
    try {
      process.stdout.write(`${await runStoreCommand(action, loadConfig({ file: options.config }))}\n`);
    } catch (error) {
      fail(error);
    }
    process.exit(0);
  });

/** `--port`: 1-65535 (commander reports the error and exits 1). */
function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port < 1 || port > 65535) throw new InvalidArgumentError('a port is a number from 1 to 65535');
  return port;
}

/** A second signal this long after the first stops `sluice dev` without cleaning up. */
const FORCE_QUIT_AFTER_MS = 1000;

program
  .command('dev')
  .description(
    'Run a local sandbox: Redis and SQS / Kinesis / DynamoDB emulators (unless configured), Sluice, ' +
      "the functions of a config file and the queues, streams, tables and mappings of its `sandbox:` section, and a live view. Ctrl-C stops it all.",
  )
  .option('-c, --config <file>', 'config file with a sandbox: section (default: the bundled examples/sandbox.config.yaml)')
  .option('--port <n>', "the API's port (default the config's, 7070, else any free one)", parsePort)
  .option('--redis-url <url>', 'use this Redis (e.g. redis://127.0.0.1:6379) and start none')
  .option('--no-dynamodb', "start no DynamoDB Local (nor Java), even when Java is there")
  .option('--fresh', 'start empty: drop the sandbox\'s kept state first (.sluice/data; on --redis-url only Sluice\'s keys)')
  .option('--watch', 'reload module handlers when their files change (new batches run the new code)')
  .action(async (options: { config?: string; port?: number; redisUrl?: string; dynamodb: boolean; fresh?: boolean; watch?: boolean }) => {
    // Loaded here only: `sluice start` never loads the sandbox (nor, through it, the emulators).
    const { startSandbox } = await import('../dev/run-sandbox.js');
    let stopRequested = false;
    let firstSignalAt = 0;
    let stop: (() => Promise<void>) | undefined;
    const shutdown = async (): Promise<void> => {
      if (stopRequested) {
        // A second Ctrl-C leaves at once (the emulators' process groups are killed on exit).
        // Not a repeat within a second: under `npx`, Ctrl-C reaches this process twice, from
        // the terminal and forwarded by npm.
        if (Date.now() - firstSignalAt > FORCE_QUIT_AFTER_MS) process.exit(130);
        return;
      }
      stopRequested = true;
      firstSignalAt = Date.now();
      if (!stop) return; // still starting: stopped as soon as it is up
      try {
        await stop();
        process.exit(0);
      } catch (error) {
        process.stderr.write(`sluice dev: stopping failed: ${(error as Error).message}\n`);
        process.exit(1);
      }
    };
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void shutdown());
    try {
      const sandbox = await startSandbox({
        cwd: process.cwd(),
        out: process.stdout,
        ...(options.config !== undefined ? { configFile: options.config } : {}),
        ...(options.port !== undefined ? { port: options.port } : {}),
        ...(options.redisUrl !== undefined ? { redisUrl: options.redisUrl } : {}),
        noDynamodb: !options.dynamodb,
        fresh: options.fresh === true,
        watch: options.watch === true,
      });
      stop = () => sandbox.stop();
    } catch (error) {
      return fail(error, 'sluice dev');
    }
    if (stopRequested) {
      stopRequested = false;
      await shutdown();
    }
  });

program
  .command('send')
  .description('Send one test record to the running sandbox (`sluice dev` in this folder), or to the queue, stream or table named')
  .addArgument(new Argument('<source>', 'where to send it').choices(['sqs', 'kinesis', 'dynamodb']))
  .argument('<body>', 'the message body / record data; for dynamodb an item in DynamoDB JSON, e.g. \'{"pk":{"S":"order-1"}}\'')
  .option('--queue <name>', "sqs: the sandbox's queue of this name (default its first)")
  .option('--queue-url <url>', 'sqs: this queue instead of the sandbox\'s')
  .option('--group-id <id>', 'sqs FIFO: the message group (default sluice-send)')
  .option('--stream <name>', 'kinesis: this stream instead of the sandbox\'s')
  .option('--partition-key <key>', 'kinesis: the partition key (default: a random UUID)')
  .option('--table <name>', 'dynamodb: this table instead of the sandbox\'s')
  .option('--endpoint <url>', "the service's endpoint (default: the sandbox's, else AWS_ENDPOINT_URL_* or AWS)")
  .option('--region <region>', 'region (default: the sandbox\'s, else AWS_REGION or us-east-1)')
  .action(async (source: 'sqs' | 'kinesis' | 'dynamodb', body: string, options: { queue?: string; queueUrl?: string; groupId?: string; stream?: string; partitionKey?: string; table?: string; endpoint?: string; region?: string }) => {
    const { sendRecord } = await import('../dev/send.js');
    try {
      process.stdout.write(`${await sendRecord(source, body, { ...options, cwd: process.cwd() })}\n`);
    } catch (error) {
      // Whatever went wrong (no sandbox, a refused connection, no credentials, an AWS error)
      // is the user's to fix, not a bug of this command: one line, no stack.
      const { name, message } = error as Error;
      process.stderr.write(`sluice send: ${name === 'SendError' ? '' : `${name}: `}${message}\n`);
      process.exit(1);
    }
  });

program
  .command('loadtest')
  .description('Load-test a mapping: send records at a rate to SQS, Kinesis or DynamoDB, watch Sluice invoke the function, report latency, throughput, missing records')
  .option('--source <source>', 'sqs, sqs-fifo, kinesis or dynamodb')
  .option('--resource <arn>', 'an existing queue / stream / table (default: the run creates one and removes it)')
  .option('--shards <n>', 'kinesis: shards of the stream the run creates')
  .option('--function <name>', "a function Sluice's config declares, or a builtin: noop (default), echo, sleep:<ms>, fail:<ratio 0..1>")
  .option('--batch-size <n>', 'BatchSize of the mapping')
  .option('--window <seconds>', 'MaximumBatchingWindowInSeconds, e.g. 5 or 5s')
  .option('--parallelization-factor <n>', 'kinesis / dynamodb: ParallelizationFactor')
  .option('--report-batch-item-failures', 'FunctionResponseTypes ReportBatchItemFailures')
  .option('--max-concurrency <n>', 'sqs: ScalingConfig.MaximumConcurrency')
  .option('--max-retry-attempts <n>', 'kinesis / dynamodb: MaximumRetryAttempts')
  .option('--bisect', 'kinesis / dynamodb: BisectBatchOnFunctionError')
  .option('--on-failure', 'give the mapping an on-failure destination (streams) or the queue a DLQ (sqs), created by the run, and count what reaches it')
  .option('--payload-size <bytes>', 'records of this size (default 256)')
  .option('--template <text>', 'record bodies from a template with {{seq}}, {{uuid}}, {{now}}')
  .option('--records <file>', 'record bodies from a JSON Lines file, one per line, cycled')
  .option('--rate <r>', 'records per second')
  .option('--duration <d>', 'how long to send, e.g. 30s, 2m (with --rate)')
  .option('--count <n>', 'how many records to send (with --rate)')
  .option('--max-in-flight <n>', 'send requests in flight at once, at most (default 16)')
  .option('--grace <d>', 'how long after the last send a record may still be invoked before it counts as missing (default 10s)')
  .option('--scenario <file>', 'YAML or JSON: these settings (long names) plus phases: [{name, duration, rate} | {name, duration, from, to}]; flags override it')
  .option('--out <dir>', 'report folder (default loadtest-<timestamp> here)')
  .option('--max-p99-ms <ms>', 'fail (exit 1) when the p99 latency is above')
  .option('--min-throughput <r>', 'fail (exit 1) when fewer records per second got through')
  .option('--max-missing <n>', 'fail (exit 1) when more records are missing (default 0)')
  .option('--endpoint-url <url>', "Sluice's API (default AWS_ENDPOINT_URL_LAMBDA, else the sandbox running here)")
  .option('--region <region>', 'region (default the sandbox\'s, else AWS_REGION, else us-east-1)')
  .option('--compare <reports...>', 'print two runs side by side: two report.json files or run folders')
  .addHelpText(
    'after',
    `
It sends only where it is pointed: Sluice at --endpoint-url, AWS_ENDPOINT_URL_LAMBDA or the
sandbox (\`sluice dev\`) found in this folder or a parent; records to the sandbox's emulators
or to AWS_ENDPOINT_URL_SQS / _KINESIS / _DYNAMODB (or AWS_ENDPOINT_URL). It never falls back to
AWS: for AWS itself, set its regional endpoint, e.g. AWS_ENDPOINT_URL_KINESIS=
https://kinesis.us-east-1.amazonaws.com. It stops by itself (--duration, --count or phases)
and removes what it created.
Exit: 0 done, 1 a threshold breached, 2 could not run, 130 interrupted.

Examples:
  sluice loadtest --source kinesis --rate 500 --duration 60s
  sluice loadtest --source sqs --function fail:0.1 --on-failure --count 5000 --rate 1000
  sluice loadtest --scenario examples/loadtest/kinesis-ramp.yaml --max-p99-ms 500
  sluice loadtest --compare loadtest-20261206-120000 loadtest-20261206-123000`,
  )
  .action(async (options: LoadtestCliOptions) => {
    // Loaded here only, like `dev`: `sluice start` never loads the load generator.
    const { runFromCli } = await import('../loadtest/cli/wiring.js');
    process.exit(await runFromCli(options));
  });

program
  .command('invoke')
  .description('Invoke a configured function once with an event of the shape a mapping delivers; print its response, outcome and time')
  .argument('<function>', 'a function of the config, or a builtin: noop, echo, sleep:<ms>, fail:<ratio>')
  .option('--source <source>', 'sqs, kinesis or dynamodb: build a one-record event of that source')
  .option('--body <text>', "the record's body (dynamodb: the item in DynamoDB JSON)")
  .option('--file <event.json>', 'send this event as it is instead')
  .option('--keys <names>', "dynamodb: the item's key attributes, comma-separated (default its first attribute)")
  .option('-c, --config <file>', `config file (default ${DEFAULT_CONFIG_FILE} when it exists)`)
  .addHelpText(
    'after',
    `
Exit: 0 the function succeeded, 1 it failed (function error or batchItemFailures), 2 it could not be invoked.

Examples:
  sluice invoke orders --source sqs --body '{"order":1}'
  sluice invoke orders --source dynamodb --body '{"pk":{"S":"o-1"},"total":{"N":"42"}}'
  sluice invoke orders --file events/kinesis-batch.json`,
  )
  .action(async (functionName: string, options: { source?: string; body?: string; file?: string; keys?: string; config?: string }) => {
    const { runInvokeCommand, InvokeUsageError } = await import('./invoke-command.js');
    if (options.source !== undefined && !['sqs', 'kinesis', 'dynamodb'].includes(options.source)) {
      process.stderr.write(`sluice invoke: --source must be sqs, kinesis or dynamodb, got ${options.source}\n`);
      process.exit(2);
    }
    try {
      const config = loadConfig({ file: options.config });
      const { config: _file, source, ...rest } = options;
      const code = await runInvokeCommand(functionName, { ...rest, ...(source ? { source: source as 'sqs' | 'kinesis' | 'dynamodb' } : {}) }, config, (line) => process.stdout.write(`${line}\n`));
      process.exit(code);
    } catch (error) {
      if (error instanceof InvokeUsageError || error instanceof ConfigError) {
        process.stderr.write(`sluice invoke: ${error.message}\n`);
        process.exit(2);
      }
      return fail(error, 'sluice invoke');
    }
  });

const mappings = program.command('mappings').description('Sluice operations on stored mappings, beyond the Lambda API');

mappings
  .command('shards')
  .description("A stream mapping's shards: status, checkpoint, lease holder, iterator age, lanes; and the live workers")
  .argument('<uuid>', 'the mapping UUID')
  .option('--endpoint-url <url>', "Sluice's API (default AWS_ENDPOINT_URL_LAMBDA, else the sandbox running in this folder)")
  .option('--region <region>', 'region to sign for (default AWS_REGION, else us-east-1)')
  .option('--json', "print the route's JSON as it came")
  .action(async (uuid: string, options: { endpointUrl?: string; region?: string; json?: boolean }) => {
    const { runShardsCommand } = await import('./mappings-command.js');
    try {
      process.stdout.write(`${await runShardsCommand(uuid, options)}\n`);
    } catch (error) {
      // A usage problem or a refused / failed call: one line, exit 2 (as `sluice loadtest`).
      if (error instanceof Error && (error.name === 'UsageError' || error.name === 'SluiceClientError')) {
        process.stderr.write(`sluice mappings shards: ${error.message}\n`);
        process.exit(2);
      }
      return fail(error, 'sluice mappings shards');
    }
    process.exit(0);
  });

mappings
  .command('rewind')
  .description('Rewind a stream mapping: move every shard (or the shards named) back or forward, then resume; prints what moved')
  .argument('<uuid>', 'the mapping (Kinesis or DynamoDB Streams)')
  .option('--to <position>', 'trim-horizon, latest, or an ISO time (AT_TIMESTAMP, Kinesis only), for every shard')
  .option('--shard <id=sequence>', 'resume this shard after this record (repeatable)', (value: string, previous: string[] = []) => [...previous, value])
  .option('--no-wait', 'return once the rewind is accepted')
  .option('--timeout <seconds>', 'how long to wait for completion', '300')
  .option('--endpoint-url <url>', "Sluice's API (default AWS_ENDPOINT_URL_LAMBDA, else the config's api.host and api.port)")
  .option('--region <region>', 'region to sign requests for (default AWS_REGION, else the config\'s)')
  .option('-c, --config <file>', `config file (default ${DEFAULT_CONFIG_FILE} when it exists)`)
  .addHelpText(
    'after',
    `
The mapping pauses (batches in flight end), every shard's checkpoint moves, tumbling windows
and saved retries of the moved shards are dropped, and the mapping resumes. Records delivered
again are counted in sluice_replayed_events_total.
Exit: 0 done (or accepted, with --no-wait), 1 refused or failed, 2 wrong usage.

Examples:
  sluice mappings rewind 6d9bfb5e-... --to trim-horizon
  sluice mappings rewind 6d9bfb5e-... --to 2026-12-06T09:30:00Z
  sluice mappings rewind 6d9bfb5e-... --shard shardId-000000000001=49590338271490256608559692538361571095921575989136588898`,
  )
  .action(async (uuid: string, options: { to?: string; shard?: string[]; wait: boolean; timeout: string; endpointUrl?: string; region?: string; config?: string }) => {
    const { runRewindCommand, RewindCommandError } = await import('./rewind-command.js');
    try {
      // The API as `sluice redrive` finds it (config/api-url.ts).
      const givenEndpoint = givenApiEndpoint(options.endpointUrl, process.env);
      const config = givenEndpoint === undefined || options.region === undefined ? loadConfig({ file: options.config }) : undefined;
      const endpointUrl = givenEndpoint ?? configuredEndpoint(config!);
      const timeoutMs = Number(options.timeout) * 1000;
      if (!(timeoutMs > 0)) throw new RewindCommandError(`--timeout must be a positive number of seconds (got ${options.timeout})`, 2);
      await runRewindCommand(
        uuid,
        {
          ...(options.to !== undefined ? { to: options.to } : {}),
          ...(options.shard ? { shard: options.shard } : {}),
          wait: options.wait,
          endpointUrl,
          region: options.region ?? process.env.AWS_REGION ?? config?.region ?? 'us-east-1',
          timeoutMs,
        },
        (line) => process.stdout.write(`${line}\n`),
      );
    } catch (error) {
      if (error instanceof RewindCommandError) {
        process.stderr.write(`sluice mappings rewind: ${error.message}\n`);
        process.exit(error.exitCode);
      }
      return fail(error, 'sluice mappings rewind');
    }
  });

program
  .command('redrive')
  .description("Bring back what a mapping failed on: a stream mapping's on-failure records (SQS, S3) re-read from the stream and invoked again; an SQS mapping's DLQ moved back to its queue")
  .option('--mapping <uuid>', 'the mapping (required)')
  .option('--from <arn>', "read this queue / bucket instead of the mapping's on-failure destination (SQS: instead of the queue's DLQ)")
  .option('--dry-run', 'list what would be done; invoke, move and remove nothing')
  .option('--limit <n>', 'at most this many on-failure records (SQS: messages)')
  .option('--endpoint-url <url>', "Sluice's API (default AWS_ENDPOINT_URL_LAMBDA, else api.host and api.port of the config)")
  .option('-c, --config <file>', `config file of the Sluice it talks to: Redis, AWS endpoints (default ${DEFAULT_CONFIG_FILE} when it exists)`)
  .addHelpText(
    'after',
    `
A range is removed from the destination only after every batch of it succeeded, and a range
that succeeded is never invoked twice (kept in Redis). Records the stream no longer holds are
reported as trimmed. An SNS destination cannot be read back.
Exit: 0 all done, 1 some failed again or were trimmed, 2 could not start.

Examples:
  sluice redrive --mapping 6f1c... --dry-run
  sluice redrive --mapping 6f1c... --limit 10
  sluice redrive --mapping 6f1c... --from arn:aws:s3:::my-failures`,
  )
  .action(async (options: { mapping?: string; from?: string; dryRun?: boolean; limit?: string; endpointUrl?: string; config?: string }) => {
    const { runRedrive, RedriveStartError } = await import('../redrive/run-redrive.js');
    // Checked here rather than by commander, whose refusal exits 1: a run that cannot start exits 2.
    const mapping = options.mapping;
    if (mapping === undefined) {
      process.stderr.write('sluice redrive: --mapping <uuid> is required\n');
      process.exit(2);
    }
    const limit = options.limit === undefined ? undefined : Number(options.limit);
    if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) {
      process.stderr.write(`sluice redrive: --limit must be a whole number above 0, got ${options.limit}\n`);
      process.exit(2);
    }
    try {
      const config = loadConfig({ file: options.config });
      const code = await runRedrive(
        {
          mapping,
          ...(options.from !== undefined ? { from: options.from } : {}),
          ...(options.dryRun ? { dryRun: true } : {}),
          ...(limit !== undefined ? { limit } : {}),
          ...(options.endpointUrl !== undefined ? { endpointUrl: options.endpointUrl } : {}),
        },
        config,
        { out: (line) => process.stdout.write(`${line}\n`), ...(process.stderr.isTTY ? { tty: process.stderr } : {}) },
      );
      process.exit(code);
    } catch (error) {
      if (error instanceof RedriveStartError || error instanceof ConfigError) {
        process.stderr.write(`sluice redrive: ${error.message}\n`);
        process.exit(2);
      }
      // Stopped half-way (an AWS or Redis error while redriving): what was done stays done.
      const { name, message } = error as Error;
      process.stderr.write(`sluice redrive: stopped: ${name}: ${message}\n`);
      process.exit(1);
    }
  });

program
  .command('config-reference')
  .description("Print the configuration reference (the README's table) as Markdown")
  .action(() => {
    process.stdout.write(`${configReferenceMarkdown()}\n`);
  });

/** Errors of `dev` that explain themselves: one line (or one per emulator), exit 1. */
const EXPLAINED_ERRORS = new Set(['SandboxError', 'MissingPackageError', 'EmulatorsStartError']);

/**
 * Known start-up problems print one line and exit 2; the known problems of `dev` (and the
 * AWS errors it meets creating the examples) print one line and exit 1; anything else is a
 * bug and shows its stack.
 */
function fail(error: unknown, command = 'sluice'): never {
  if (error instanceof ConfigError || error instanceof StartupError) {
    process.stderr.write(`${command}: ${error.message}\n`);
    process.exit(2);
  }
  const name = (error as Error | undefined)?.name ?? '';
  const fromAws = typeof (error as { $metadata?: unknown } | undefined)?.$metadata === 'object';
  if (EXPLAINED_ERRORS.has(name) || fromAws) {
    process.stderr.write(`${command}: ${fromAws ? `${name}: ` : ''}${(error as Error).message}\n`);
    process.exit(1);
  }
  process.stderr.write(`${command}: unexpected error: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
}

await program.parseAsync(process.argv);
