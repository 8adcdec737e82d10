/** The repository's own text files, for tests that check what they say. */
import { readdirSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';

export const repositoryRoot = resolve(import.meta.dirname, '../../..');

const TEXT_EXTENSIONS = new Set(['.ts', '.js', '.mjs', '.cjs', '.json', '.json5', '.yaml', '.yml', '.md', '.sh']);

/** Every text file under `folder` (absolute), node_modules left out. */
export function textFilesUnder(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : textFilesUnder(path);
    return TEXT_EXTENSIONS.has(extname(entry.name)) ? [path] : [];
  });
}
