/**
 * The start-up check of module targets: a function whose handler file or export does not
 * exist (or whose file cannot even be parsed) stops `sluice start`, instead of failing
 * every invocation later. http and lambda targets cannot be checked before they are
 * called; their first failure is a warning (pipeline/invoke-job.ts).
 *
 * Decision: each module is loaded in a worker thread, exactly as an invocation loads it
 * (HandlerWorker: same resolution against the config's directory, same `file.js#export`
 * lookup, CommonJS `default` included), and the thread is stopped as soon as the export is
 * found; the handler itself never runs. Not in the main thread: loading a module runs its
 * top level, which may open connections, start timers that keep the process alive, or
 * call process.exit(); in a worker it stays isolated, as it is at every cold start (Lambda
 * runs that init code the same way). Not a static parse of the file's exports: CommonJS
 * modules build `module.exports` at run time and `export *` follows other files.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FunctionConfig } from '../config/index.js';
import type { Logger } from '../observability/logger.js';
import { HandlerWorker } from './handler-worker.js';
import { resolveHandlerRef, type HandlerRef } from './handler-ref.js';
import { MODULE_TARGET_DEFAULTS, handlerWorkerSpec, moduleOptionsOf, type ModuleTargetOptions } from './module-target.js';

export interface ModuleTargetCheckOptions {
  /** Directory `module` paths are relative to (the config file's). */
  baseDir: string;
  logger: Logger;
  /** Worker settings of the module targets (init timeout); memory and environment come from each function. */
  module?: ModuleTargetOptions;
}

/**
 * Load errors that can never go away by themselves: the file or a module it imports is
 * missing, the export is missing or not a function, the file does not parse. Others (the
 * module's top level threw, exited or took too long) may depend on what is up right now,
 * such as a database: they are warned about, and each invocation tries the load again.
 */
const PERMANENT_LOAD_ERRORS = new Set(['Runtime.ImportModuleError', 'Runtime.HandlerNotFound', 'Runtime.UserCodeSyntaxError']);

/**
 * Loads every module target once; resolves with one line naming each function whose
 * module cannot load (file, export), or undefined when all can.
 */
export async function findBrokenModuleTargets(functions: Record<string, FunctionConfig>, options: ModuleTargetCheckOptions): Promise<string | undefined> {
  const modules = Object.entries(functions).filter((entry): entry is [string, FunctionConfig & { module: string }] => entry[1].module !== undefined);
  const problems = await Promise.all(modules.map(([name, fn]) => checkModule(name, fn, options)));
  const found = problems.filter((problem): problem is string => problem !== undefined);
  return found.length > 0 ? found.join('; ') : undefined;
}

async function checkModule(name: string, fn: FunctionConfig & { module: string }, options: ModuleTargetCheckOptions): Promise<string | undefined> {
  const module = fn.module;
  let handler: HandlerRef;
  try {
    handler = resolveHandlerRef(module, options.baseDir);
  } catch (error) {
    return `function "${name}": ${(error as Error).message}`;
  }
  const file = fileURLToPath(handler.moduleUrl);
  if (!existsSync(file)) return `function "${name}": module file ${file} does not exist (module: ${module})`;

  const logger = options.logger.child({ function: name });
  const worker = new HandlerWorker(handlerWorkerSpec(handler, name, { ...MODULE_TARGET_DEFAULTS, ...options.module, ...moduleOptionsOf(fn) }, logger));
  const loaded = await worker.ready;
  worker.terminate();
  if (loaded.ok) return undefined;
  if (loaded.errorCode === 'Runtime.HandlerNotFound') {
    return `function "${name}": ${file} has no function export "${handler.exportName}" (${oneLine(loaded.errorMessage)})`;
  }
  if (PERMANENT_LOAD_ERRORS.has(loaded.errorCode)) return `function "${name}": ${loaded.errorCode}: ${oneLine(loaded.errorMessage)} (file ${file})`;
  logger.warn(
    { module, errorCode: loaded.errorCode, errorMessage: loaded.errorMessage },
    `module target of function ${name} failed to load at start (${loaded.errorCode}); each invocation tries again`,
  );
  return undefined;
}

/** Error messages (stack-like ones, say) on a single line: the start error is one line. */
function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
