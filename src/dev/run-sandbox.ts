/**
 * `sluice dev`: a working sandbox in one command. Redis and emulators (unless configured),
 * Sluice itself (in this process, as `sluice start` runs it), the queues, streams, tables
 * and mappings of the config's `sandbox:` section (examples/sandbox.config.yaml unless
 * --config), a state file for `sluice send`, a record of its child processes (for the
 * clean-up after a kill -9) and the live view. `stop()` takes it all down again, children
 * included.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { loadConfig, type LoadedConfig } from '../config/index.js';
import { sandboxSchema, type SandboxSpec } from '../config/sandbox-schema.js';
import { BUILTIN_TARGET_PATTERN } from '../targets/builtin-target.js';
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
import { createSandboxResources, ensureMappings, mappingRequests } from './sandbox-resources.js';
import { isProcessAlive, removeStateFile, SANDBOX_DIR, stateFilePath, writeStateFile, type SandboxState } from './state-file.js';
import { ChildrenRecorder, describeCleanup, readChildrenRecord, stopStaleChildren } from './stale-children.js';
import { startOrphanGuard } from './orphan-guard.js';
import { dropSandboxData, dropSluiceKeys, sandboxDataDirs } from './fresh-state.js';
import { SANDBOX_CREDENTIALS, useSandboxCredentialsIfNone } from './sandbox-credentials.js';
import { createDevLogger, type DevLogger } from './dev-logger.js';
import { TerminalView, type ViewOutput } from './live-view/terminal-view.js';
import { startLiveView } from './live-view/live-view.js';
import { headerLines, sendCommandLines } from './live-view/sandbox-text.js';
import { createQueueDepthReader } from './live-view/queue-depth.js';
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
  const starting = readChildrenRecord(cwd)?.ownerPid;
  if (starting !== undefined && isProcessAlive(starting)) throw new SandboxError(`a sandbox already runs in ${cwd} (pid ${starting}); stop it first`);
  try {
    const state = JSON.parse(readFileSync(stateFilePath(cwd), 'utf8')) as SandboxState;
    if (isProcessAlive(state.pid)) throw new SandboxError(`a sandbox already runs in ${cwd} (pid ${state.pid}); stop it first`);
  } catch (error) {
    if (error instanceof SandboxError) throw error;
    // No file, or an unreadable one left behind: it is replaced.
  }
}

export interface SandboxOptions {
  cwd: string;
  out: ViewOutput;
  /** The config file (with its `sandbox:` section); default examples/sandbox.config.yaml. */
  configFile?: string;
  /** The API's port; default the config's when free, else any free one. */
  port?: number;
  /** Use this Redis and start none. */
  redisUrl?: string;
  /** No DynamoDB Local (nor Java), even when Java is there. */
  noDynamodb?: boolean;
  /** Drop the sandbox's kept state first (fresh-state.ts). */
  fresh?: boolean;
  /** Reload module handlers when their files change (watch-handlers.ts). */
  watch?: boolean;
}

function planFor(config: LoadedConfig, options: SandboxOptions): SandboxPlan {
  const plan = planSandbox(config, {
    redisUrl: options.redisUrl || process.env.SLUICE_REDIS_URL || undefined,
    hasRedisServer: findExecutable(redisServerCommand()) !== undefined,
    hasJava: findExecutable(javaCommand()) !== undefined,
    ...(options.noDynamodb ? { noDynamodb: true } : {}),
  });
  if (plan.problems.length > 0) throw new SandboxError(plan.problems.join('; '));
  requireDevPackages(plan.emulate.map((source) => EMULATOR_PACKAGES[source]));
  return plan;
}

/** Mappings must name functions of the file (or builtins): said before anything starts. */
function checkMappingFunctions(config: LoadedConfig): void {
  const known = Object.keys(config.functions);
  const problems = (config.sandbox?.mappings ?? []).flatMap((mapping, index) =>
    known.includes(mapping.function) || BUILTIN_TARGET_PATTERN.test(mapping.function)
      ? []
      : [`sandbox.mappings[${index}].function: no function ${mapping.function} in functions: (${known.length > 0 ? `it has ${known.join(', ')}` : 'none declared'})`],
  );
  if (problems.length > 0) throw new SandboxError(`${config.file ?? 'the config'}: ${problems.join('; ')}`);
}

const NO_SANDBOX_SECTION: SandboxSpec = sandboxSchema.parse({});

export async function startSandbox(options: SandboxOptions): Promise<RunningSandbox> {
  const startedAt = performance.now();
  const { cwd } = options;
  const view = new TerminalView(options.out);
  // A sandbox killed here earlier (kill -9) may have left its children running.
  const stale = await stopStaleChildren(cwd);
  if (stale) view.message(describeCleanup(stale));
  refuseSecondSandbox(cwd);
  const configFile = options.configFile === undefined ? SANDBOX_CONFIG_FILE : path.resolve(cwd, options.configFile);
  const userEnv: NodeJS.ProcessEnv = { ...process.env, ...(options.redisUrl ? { SLUICE_REDIS_URL: options.redisUrl } : {}) };
  // Process warnings (e.g. the SDK's about Node versions) would print over the view: they
  // are kept, and logged once the log exists.
  const warnings: Error[] = [];
  process.removeAllListeners('warning');
  let onWarning = (warning: Error): void => void warnings.push(warning);
  process.on('warning', (warning) => onWarning(warning));
  const base = loadConfig({ file: configFile, env: userEnv });
  checkMappingFunctions(base);
  const plan = planFor(base, options);
  const spec = base.sandbox ?? NO_SANDBOX_SECTION;
  if (!base.sandbox) plan.notes.push(`${path.relative(cwd, configFile) || configFile} has no sandbox: section: nothing is created (README "Your own handlers")`);
  const dataDirs = sandboxDataDirs(cwd);
  if (options.fresh && plan.startRedis) plan.notes.unshift(dropSandboxData(cwd));
  else if (options.fresh) plan.notes.unshift(dropSandboxData(cwd), await dropSluiceKeys(base));

  // --port, else SLUICE_API_PORT, else the config's port (7070, as in the README's
  // examples) when it is free, else any free port (the view and the state file say which).
  // Decided before the emulators start: a port found free is kept from them (ports.ts).
  if (options.port !== undefined && !(await isPortFree(options.port))) throw new SandboxError(`--port ${options.port}: the port is in use`);
  const keepPort = options.port === undefined && (Boolean(process.env.SLUICE_API_PORT) || (await isPortFree(base.api.port)));
  const apiPort = options.port ?? (keepPort ? undefined : 0);

  // Undo list, run last-in first-out by stop() or when a step fails.
  const cleanups: Array<() => Promise<void> | void> = [];
  const cleanUp = async (): Promise<void> => {
    for (const cleanup of cleanups.splice(0).reverse()) await Promise.resolve(cleanup()).catch(() => undefined);
  };

  try {
    // Recorded before the first child starts, so a kill -9 at any point leaves a trace to clean up.
    const recorder = new ChildrenRecorder(cwd);
    cleanups.push(() => recorder.close());
    const guard = startOrphanGuard(cwd);
    if (guard !== undefined) recorder.setGuard(guard);

    const starting = [...(plan.startRedis ? ['redis-server'] : []), ...plan.emulate.map((source) => EMULATOR_PACKAGES[source])];
    if (starting.length > 0) view.message(`Starting ${starting.join(', ')}...`);
    const emulators: Emulators = await startEmulators(
      {
        redis: plan.startRedis && { dataDir: dataDirs.redis },
        sqs: plan.emulate.includes('sqs'),
        kinesis: plan.emulate.includes('kinesis') && { dataDir: dataDirs.kinesis },
        dynamodb: plan.emulate.includes('dynamodb') && { dataDir: dataDirs.dynamodb },
      },
      { region: base.region, accountId: base.accountId, onSpawn: recorder.add },
    );
    cleanups.push(() => emulators.stop());
    if (plan.emulate.length > 0) useSandboxCredentialsIfNone();

    const config = loadConfig({
      file: configFile,
      env: { ...userEnv, ...sandboxEnvironment({ redisUrl: emulators.redis?.url, sqs: emulators.sqs, kinesis: emulators.kinesis, dynamodb: emulators.dynamodb, apiPort }) },
    });

    const devLogger: DevLogger = createDevLogger({ file: path.join(cwd, SANDBOX_DIR, 'dev.log'), level: config.log.level });
    cleanups.push(() => devLogger.close());
    const logger = devLogger.logger.child({ component: 'dev' });
    onWarning = (warning) => logger.warn({ warning: warning.name }, warning.message);
    for (const warning of warnings.splice(0)) onWarning(warning);
    if (stale) logger.warn({ deadSandboxPid: stale.ownerPid, stopped: stale.stopped.map(({ name, pid }) => ({ name, pid })), leftAlone: stale.leftAlone.length }, describeCleanup(stale));

    const running: RunningSluice = await startSluice(config, devLogger.logger);
    cleanups.push(() => running.stop());
    if (options.watch) cleanups.push(watchModuleHandlers({ config, reload: running.reloadModule, view, logger, cwd }));
    const clients = new AwsClients(config);
    cleanups.push(() => clients.destroy());
    const lambda = new LambdaClient({ endpoint: running.url, region: config.region, credentials: SANDBOX_CREDENTIALS });
    cleanups.push(() => lambda.destroy());

    const resources = await createSandboxResources(clients, spec, plan.sources);
    const requests = mappingRequests(spec, resources);
    const mappings = await ensureMappings(lambda, requests);
    const mappingIds = mappings.map((mapping) => mapping.uuid);
    for (const entry of requests) if ('skipped' in entry) plan.notes.push(entry.skipped);
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
    logger.info({ config: configFile, mappings: mappings.map(({ uuid, label, action }) => ({ uuid, label, action })), stateFile: stateFilePath(cwd) }, 'sandbox ready');

    const header = headerLines({
      state,
      configFile: configFile.startsWith(`${cwd}${path.sep}`) ? path.relative(cwd, configFile) : configFile,
      redisUrl: config.redis.url,
      logFile: path.relative(cwd, devLogger.file) || devLogger.file,
      startedInMs: performance.now() - startedAt,
      notes: plan.notes,
    });
    const viewErrorsLoggedAt = new Map<string, number>();
    const stopView = startLiveView({
      view,
      lambda,
      metrics: () => running.metrics.registry.getMetricsAsJSON(),
      header,
      footer: sendCommandLines(cliCommand(cwd), resources, configFile === SANDBOX_CONFIG_FILE),
      queueDepth: createQueueDepthReader(clients),
      logTail: () => devLogger.tail(),
      firstMappings: mappingIds,
      onError: (error, context) => {
        // At most once a minute per mapping, cause and message: the view retries every second.
        const key = `${context?.mapping ?? ''}|${context?.cause ?? ''}|${(error as Error | undefined)?.message ?? String(error)}`;
        const now = Date.now();
        if ((viewErrorsLoggedAt.get(key) ?? -Infinity) > now - 60_000) return;
        viewErrorsLoggedAt.set(key, now);
        logger.warn({ err: error, ...(context ?? {}) }, 'live view update failed');
      },
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
