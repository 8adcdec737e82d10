#!/usr/bin/env node
/**
 * The `sluice` command line.
 */
import { Command } from 'commander';
import { loadConfig, ConfigError, DEFAULT_CONFIG_FILE, configReferenceMarkdown } from '../config/index.js';
import { startSluice, StartupError } from '../app.js';
import { createLogger } from '../observability/logger.js';

const program = new Command()
  .name('sluice')
  .description('Runs AWS Lambda event source mappings (SQS, Kinesis, DynamoDB Streams) anywhere.');

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
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      }
    };
    process.on('SIGTERM', () => void shutdown('SIGTERM'));
    process.on('SIGINT', () => void shutdown('SIGINT'));
  });

program
  .command('config-reference')
  .description("Print the configuration reference (the README's table) as Markdown")
  .action(() => {
    process.stdout.write(`${configReferenceMarkdown()}\n`);
  });

/** Known start-up problems print one line and exit 2; anything else is a bug and shows its stack. */
function fail(error: unknown): never {
  if (error instanceof ConfigError || error instanceof StartupError) {
    process.stderr.write(`sluice: ${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`sluice: unexpected error: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
}

await program.parseAsync(process.argv);
