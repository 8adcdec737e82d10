#!/usr/bin/env node
/**
 * The `sluice` command line.
 */
import { createRequire } from 'node:module';
import { Argument, Command } from 'commander';
import { loadConfig, ConfigError, DEFAULT_CONFIG_FILE, configReferenceMarkdown } from '../config/index.js';
import { startSluice, StartupError } from '../app.js';
import { ShutdownTimeoutError } from '../shutdown.js';
import { createLogger } from '../observability/logger.js';

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

/** A second signal this long after the first stops `sluice dev` without cleaning up. */
const FORCE_QUIT_AFTER_MS = 1000;

program
  .command('dev')
  .description(
    'Run a local sandbox: Redis and SQS / Kinesis / DynamoDB emulators (unless configured), Sluice, ' +
      'example handlers, queue, stream, table and mappings, and a live view. Ctrl-C stops it all.',
  )
  .action(async () => {
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
      const sandbox = await startSandbox({ cwd: process.cwd(), out: process.stdout });
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
  .option('--queue-url <url>', 'sqs: this queue instead of the sandbox\'s')
  .option('--stream <name>', 'kinesis: this stream instead of the sandbox\'s')
  .option('--partition-key <key>', 'kinesis: the partition key (default: a random UUID)')
  .option('--table <name>', 'dynamodb: this table instead of the sandbox\'s')
  .option('--endpoint <url>', "the service's endpoint (default: the sandbox's, else AWS_ENDPOINT_URL_* or AWS)")
  .option('--region <region>', 'region (default: the sandbox\'s, else AWS_REGION or us-east-1)')
  .action(async (source: 'sqs' | 'kinesis' | 'dynamodb', body: string, options: { queueUrl?: string; stream?: string; partitionKey?: string; table?: string; endpoint?: string; region?: string }) => {
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
