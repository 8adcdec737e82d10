/**
 * `sluice dev`: a working sandbox in one command. Redis and emulators (unless configured),
 * Sluice itself (in this process, as `sluice start` runs it), the example queue, stream,
 * table and mappings, a state file for `sluice send`, and the live view. `stop()` takes it
 * all down again, children included.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { loadConfig, type LoadedConfig } from '../config/index.js';
import { AwsClients } from '../aws/clients.js';
import { startSluice, type RunningSluice } from '../app.js';
import {
  EMULATOR_PACKAGES,
  findExecutable,
  isPortFree,
  javaCommand,
  redisServerCommand,
  requireDevPackages,
  startEmulators,
  type Emulators,
} from './emulators/index.js';
import { planSandbox, sandboxEnvironment, type SandboxPlan } from './sandbox-plan.js';
import { createExampleResources, ensureExampleMappings } from './sandbox-resources.js';
import { isProcessAlive, removeStateFile, SANDBOX_DIR, stateFilePath, writeStateFile, type SandboxState } from './state-file.js';
import { SANDBOX_CREDENTIALS, useSandboxCredentialsIfNone } from './sandbox-credentials.js';
import { createDevLogger, type DevLogger } from './dev-logger.js';
import { TerminalView, type ViewOutput } from './live-view/terminal-view.js';
import { startLiveView } from './live-view/live-view.js';
import { headerLines, sendCommandLines } from './live-view/sandbox-text.js';
import { watchModuleHandlers } from './watch-handlers.js';

/** The Sluice checkout (or installed package) this file belongs to: dist/dev/ or src/dev/ -> root. */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const SANDBOX_CONFIG_FILE = path.join(PACKAGE_ROOT, 'examples', 'sandbox.config.yaml');

/** A problem that stops the sandbox before it starts, said in one line. */
export class SandboxError extends Error {
  override name = 'SandboxError';
}

export interface RunningSandbox {
  state: SandboxState;
  stop(): Promise<void>;
}

/** How to run this CLI from `cwd`: `npx sluice` inside the checkout, else node and the bin's path. */
export function cliCommand(cwd: string): string {
  const relative = path.relative(PACKAGE_ROOT, cwd);
  if (!relative.startsWith('..') && !path.isAbsolute(relative)) return 'npx sluice';
  return `node ${path.join(PACKAGE_ROOT, 'bin', 'sluice.js')}`;
}

function refuseSecondSandbox(cwd: string): void {
  try {
    const state = JSON.parse(readFileSync(stateFilePath(cwd), 'utf8')) as SandboxState;
    if (isProcessAlive(state.pid)) throw new SandboxError(`a sandbox already runs in ${cwd} (pid ${state.pid}); stop it first`);
  } catch (error) {
    if (error instanceof SandboxError) throw error;
    // No file, or an unreadable one left behind: it is replaced.
  }
}

function planFor(config: LoadedConfig): SandboxPlan {
  const plan = planSandbox(config, {
    redisUrl: process.env.SLUICE_REDIS_URL || undefined,
    hasRedisServer: findExecutable(redisServerCommand()) !== undefined,
    hasJava: findExecutable(javaCommand()) !== undefined,
  });
  if (plan.problems.length > 0) throw new SandboxError(plan.problems.join('; '));
  requireDevPackages(plan.emulate.map((source) => EMULATOR_PACKAGES[source]));
  return plan;
}

export async function startSandbox(options: { cwd: string; out: ViewOutput; watch?: boolean }): Promise<RunningSandbox> {
  const startedAt = performance.now();
  const { cwd } = options;
  const view = new TerminalView(options.out);
  refuseSecondSandbox(cwd);
  // Process warnings (e.g. the SDK's about Node versions) would print over the view: they
  // are kept, and logged once the log exists.
  const warnings: Error[] = [];
  process.removeAllListeners('warning');
  let onWarning = (warning: Error): void => void warnings.push(warning);
  process.on('warning', (warning) => onWarning(warning));
  const base = loadConfig({ file: SANDBOX_CONFIG_FILE });
  const plan = planFor(base);

  // Undo list, run last-in first-out by stop() or when a step fails.
  const cleanups: Array<() => Promise<void> | void> = [];
  const cleanUp = async (): Promise<void> => {
    for (const cleanup of cleanups.splice(0).reverse()) await Promise.resolve(cleanup()).catch(() => undefined);
  };

  try {
    const starting = [...(plan.startRedis ? ['redis-server'] : []), ...plan.emulate.map((source) => EMULATOR_PACKAGES[source])];
    if (starting.length > 0) view.message(`Starting ${starting.join(', ')}...`);
    const emulators: Emulators = await startEmulators(
      { redis: plan.startRedis, sqs: plan.emulate.includes('sqs'), kinesis: plan.emulate.includes('kinesis'), dynamodb: plan.emulate.includes('dynamodb') },
      { region: base.region, accountId: base.accountId },
    );
    cleanups.push(() => emulators.stop());
    if (plan.emulate.length > 0) useSandboxCredentialsIfNone();

    // SLUICE_API_PORT wins; else the config's port (7070, as in the README's examples) when
    // it is free, else any free port (the view and the state file say which).
    const keepPort = Boolean(process.env.SLUICE_API_PORT) || (await isPortFree(base.api.port));
    const apiPort = keepPort ? undefined : 0;
    const config = loadConfig({
      file: SANDBOX_CONFIG_FILE,
      env: { ...process.env, ...sandboxEnvironment({ redisUrl: emulators.redis?.url, sqs: emulators.sqs, kinesis: emulators.kinesis, dynamodb: emulators.dynamodb, apiPort }) },
    });

    const devLogger: DevLogger = createDevLogger({ file: path.join(cwd, SANDBOX_DIR, 'dev.log'), level: config.log.level });
    cleanups.push(() => devLogger.close());
    const logger = devLogger.logger.child({ component: 'dev' });
    onWarning = (warning) => logger.warn({ warning: warning.name }, warning.message);
    for (const warning of warnings.splice(0)) onWarning(warning);

    const running: RunningSluice = await startSluice(config, devLogger.logger);
    cleanups.push(() => running.stop());
    if (options.watch) cleanups.push(watchModuleHandlers({ config, reload: running.reloadModule, view, logger, cwd }));
    const clients = new AwsClients(config);
    cleanups.push(() => clients.destroy());
    const lambda = new LambdaClient({ endpoint: running.url, region: config.region, credentials: SANDBOX_CREDENTIALS });
    cleanups.push(() => lambda.destroy());

    const resources = await createExampleResources(clients, plan.sources);
    const mappingIds = await ensureExampleMappings(lambda, resources);
    const state: SandboxState = {
      pid: process.pid,
      apiUrl: running.url,
      region: config.region,
      endpoints: Object.fromEntries(
        plan.sources.flatMap((source) => {
          const endpoint = clients.endpointOf(source);
          return endpoint === undefined ? [] : [[source, endpoint] as const];
        }),
      ),
      emulated: plan.emulate,
      resources,
    };
    writeStateFile(cwd, state);
    cleanups.push(() => removeStateFile(cwd));
    logger.info({ mappings: mappingIds, stateFile: stateFilePath(cwd) }, 'sandbox ready');

    const header = headerLines({
      state,
      redisUrl: config.redis.url,
      logFile: path.relative(cwd, devLogger.file) || devLogger.file,
      startedInMs: performance.now() - startedAt,
      notes: plan.notes,
    });
    const stopView = startLiveView({
      view,
      lambda,
      metrics: () => running.metrics.registry.getMetricsAsJSON(),
      header,
      footer: sendCommandLines(cliCommand(cwd), plan.sources),
      logTail: () => devLogger.tail(),
      firstMappings: mappingIds,
      onError: (error) => logger.warn({ err: error }, 'live view update failed'),
    });
    cleanups.push(stopView);

    return {
      state,
      async stop() {
        view.message('Stopping the sandbox...');
        await cleanUp();
        options.out.write('Sandbox stopped.\n');
      },
    };
  } catch (error) {
    await cleanUp();
    throw error;
  }
}
