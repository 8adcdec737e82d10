/**
 * The real run behind `sluice loadtest`: runLoadtest (resources, mapping, producer, trace,
 * backlog) and Sluice's signed client. The only module of the command that loads them, so
 * everything else is tested with fakes; src/cli/main.ts imports it when the command runs.
 */
import { runLoadtest } from '../run-loadtest.js';
import { createSluiceClient } from '../sluice-client.js';
import { runFromCliWith } from './from-cli.js';
import type { LoadtestCliOptions } from './options.js';

export function runFromCli(options: LoadtestCliOptions): Promise<number> {
  return runFromCliWith(options, { runLoadtest, createSluiceClient });
}
