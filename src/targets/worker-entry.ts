/**
 * Starting a thread on module-worker, from compiled JavaScript and from TypeScript sources.
 *
 * `npm run build` compiles src/ to dist/, so next to dist/targets/handler-worker.js lies
 * dist/targets/module-worker.js and a plain `new Worker(url)` runs it. Under vitest (or any
 * run straight from src/ through a TS loader), this file is src/targets/worker-entry.ts
 * and the entry is module-worker.ts, which a bare worker thread cannot load: loaders do not
 * follow into worker threads, and `--import tsx` in a worker's execArgv is not applied to
 * its entry on Node 20. So the thread starts from a tiny evaluated bootstrap that registers
 * tsx's ESM hooks in the thread, then imports the .ts entry. tsx is a devDependency: only
 * source runs need it, the built package never takes this path. The alternatives were
 * worse: a worker written as a string loses type checking, and testing against dist/ would
 * test stale code whenever someone forgot to build.
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';

const ownUrl = import.meta.url;
const runningFromSources = ownUrl.endsWith('.ts');
const entryUrl = new URL(runningFromSources ? './module-worker.ts' : './module-worker.js', ownUrl);

/**
 * Workers inherit the process's execArgv; a flag only valid for the main script (such as
 * `--input-type` of `node -e`) would make every worker fail to start.
 */
const workerExecArgv = process.execArgv.filter((arg) => !arg.startsWith('--input-type'));

/** A worker thread running module-worker with `options` (workerData, resourceLimits...). */
export function startModuleWorker(options: WorkerOptions): Worker {
  options = { execArgv: workerExecArgv, ...options };
  if (!runningFromSources) return new Worker(entryUrl, options);
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const bootstrap =
    `import(${JSON.stringify(tsxApi)})` +
    `.then((tsx) => { tsx.register(); return import(${JSON.stringify(entryUrl.href)}); })` +
    // An import failure here would otherwise be an unhandled rejection with a vaguer message.
    `.catch((error) => { setImmediate(() => { throw error; }); });`;
  return new Worker(bootstrap, { ...options, eval: true });
}
