/**
 * A module target's handler reference, `path/to/file.js#exportName` (config `module`),
 * resolved against the config file's directory. Only the syntax is checked here; whether
 * the file and export exist is checked at start (check-module-targets.ts) and learnt again
 * each time a worker loads it (an invocation error then).
 */
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

export interface HandlerRef {
  /** file: URL of the module. */
  moduleUrl: string;
  exportName: string;
  /** The reference as configured. */
  ref: string;
}

export function resolveHandlerRef(ref: string, baseDir: string): HandlerRef {
  const hash = ref.lastIndexOf('#');
  if (hash <= 0 || hash === ref.length - 1) throw new Error(`module handler must look like path/to/handler.js#exportName, got "${ref}"`);
  const file = ref.slice(0, hash);
  const path = isAbsolute(file) ? file : resolve(baseDir, file);
  return { moduleUrl: pathToFileURL(path).href, exportName: ref.slice(hash + 1), ref };
}
