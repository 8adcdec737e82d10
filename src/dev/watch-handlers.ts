/**
 * `sluice dev --watch`: when a module handler's file changes, the function's handler is
 * loaded again (ModuleTarget.reload: new workers for new batches, running ones finish on
 * the old code), and the live view says so in one line.
 *
 * What counts as the handler's code (chosen): every script file under the handler file's
 * folder, sub-folders included, but not node_modules or hidden folders. What a module
 * imports is only known once it runs (dynamic imports, CommonJS requires), and reloading
 * for a file the handler does not import costs only a worker start; a handler importing
 * from outside its folder (a shared ../lib) is not followed: put the handler in the folder
 * that holds its code. One exception: a file that is itself a configured handler reloads
 * only the functions it is the handler of, not its neighbours (handlers are entry points,
 * not imported by one another, and the sandbox's examples share one folder).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FunctionConfig } from '../config/index.js';
import type { Logger } from '../observability/logger.js';
import type { ReloadResult } from '../targets/index.js';
import { resolveHandlerRef } from '../targets/handler-ref.js';
import { watchTree, type TreeWatcher } from './watch-tree.js';

/** Changes closer together than this make one reload (an editor saving, a build writing several files). */
export const RELOAD_DEBOUNCE_MS = 200;

/**
 * Files whose change reloads (chosen): scripts Node can load as a handler or import, and
 * JSON. Not every file: editors write swap and backup files (`.swp`, `~`, vim's `4913`)
 * beside the one being edited, and those would reload twice per save.
 */
const CODE_FILE = /\.(?:[cm]?js|[cm]?ts|json)$/;

export interface HandlerWatchDependencies {
  /** The configured functions (module ones are watched) and the folder their paths are relative to. */
  config: { functions: Readonly<Record<string, FunctionConfig>>; baseDir: string };
  /** Reload one function's handler (RunningSluice.reloadModule). */
  reload(functionName: string, reason: string): Promise<ReloadResult | undefined>;
  /** The live view: one line per reload. */
  view: { message(line: string): void };
  logger: Logger;
  /** Paths in messages are relative to this folder (the sandbox's). */
  cwd: string;
  debounceMs?: number;
}

interface WatchedFunction {
  name: string;
  /** The handler file. */
  file: string;
  /** The handler file's folder: a change below it reloads this function. */
  folder: string;
  /** The latest change not reloaded yet. */
  changed?: string;
  timer?: NodeJS.Timeout;
  reloading: boolean;
  /** A change came while reloading: reload once more after. */
  again: boolean;
}

/** Local wall-clock time, HH:MM:SS, as the live view's line shows it. */
export function clockTime(date: Date): string {
  return date.toTimeString().slice(0, 8);
}

const isInside = (file: string, folder: string): boolean => file === folder || file.startsWith(folder + path.sep);

/** Starts watching every module function's folder; the result stops it. */
export function watchModuleHandlers(deps: HandlerWatchDependencies): () => void {
  const debounceMs = deps.debounceMs ?? RELOAD_DEBOUNCE_MS;
  const logger = deps.logger;
  const relative = (file: string): string => path.relative(deps.cwd, file) || file;
  const functions: WatchedFunction[] = Object.entries(deps.config.functions).flatMap(([name, fn]) => {
    if (fn.module === undefined) return [];
    const file = fileURLToPath(resolveHandlerRef(fn.module, deps.config.baseDir).moduleUrl);
    return [{ name, file, folder: path.dirname(file), reloading: false, again: false }];
  });
  let stopped = false;

  const report = (fn: WatchedFunction, file: string, result: ReloadResult | undefined): void => {
    const at = clockTime(new Date());
    if (result === undefined || result.ok) {
      deps.view.message(`reloaded ${fn.name} (${relative(file)}) at ${at}`);
      return;
    }
    // The target logged it at error with the whole message; the view gets one short line.
    const cause = `${result.errorCode}: ${result.errorMessage.replace(/\s*\n\s*/g, ' ')}`;
    deps.view.message(
      `reload of ${fn.name} (${relative(file)}) at ${at}: the handler does not load: ${cause.length > 200 ? `${cause.slice(0, 199)}…` : cause}` +
        ' (its batches fail and are retried until the file is fixed)',
    );
  };

  const reload = async (fn: WatchedFunction): Promise<void> => {
    if (stopped || fn.changed === undefined) return;
    if (fn.reloading) {
      fn.again = true;
      return;
    }
    const file = fn.changed;
    fn.changed = undefined;
    fn.reloading = true;
    try {
      const result = await deps.reload(fn.name, `${relative(file)} changed`);
      if (!stopped) report(fn, file, result);
    } catch (error) {
      logger.error({ err: error, function: fn.name, file }, `reloading function ${fn.name} failed: ${(error as Error).message}`);
      deps.view.message(`reload of ${fn.name} (${relative(file)}) failed: ${(error as Error).message}`);
    } finally {
      fn.reloading = false;
      if (fn.again) {
        fn.again = false;
        void reload(fn);
      }
    }
  };

  const onChange = (file: string): void => {
    if (stopped || !CODE_FILE.test(file)) return;
    const isHandler = functions.some((fn) => fn.file === file);
    for (const fn of functions) {
      if (isHandler ? fn.file !== file : !isInside(file, fn.folder)) continue;
      logger.debug({ function: fn.name, file }, 'handler file changed');
      fn.changed = file;
      clearTimeout(fn.timer);
      fn.timer = setTimeout(() => void reload(fn), debounceMs);
    }
  };

  // One tree per outermost folder: a folder inside another one is already watched with it.
  const folders = [...new Set(functions.map((fn) => fn.folder))].sort();
  const roots = folders.filter((folder) => !folders.some((other) => other !== folder && isInside(folder, other)));
  const trees: TreeWatcher[] = roots.map((root) =>
    watchTree(root, {
      onChange,
      onError: (folder, error) => {
        logger.warn({ err: error, folder }, `cannot watch ${folder} for handler changes: ${error.message}`);
        deps.view.message(`not watching ${relative(folder)} for changes: ${error.message}`);
      },
    }),
  );
  if (roots.length > 0) {
    logger.info({ folders: roots, functions: functions.map((fn) => fn.name) }, 'watching module handlers for changes');
    deps.view.message(`Watching ${roots.map(relative).join(', ')}: module handlers reload when their files change.`);
  } else {
    deps.view.message('--watch: no function has a module handler, nothing to watch.');
  }

  return () => {
    stopped = true;
    for (const fn of functions) clearTimeout(fn.timer);
    for (const tree of trees) tree.close();
  };
}
