/**
 * A fresh clone runs its own tests with nothing beside it: no file under src/, test/, bench/ or
 * chaos/ names a path outside the repository (the spec and data folders that sit next to
 * the lead's checkout are not part of a clone; fixtures are copied into test/fixtures/).
 */
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repositoryRoot as root, textFilesUnder } from './repository-files.js';

const SCANNED_FOLDERS = ['src', 'test', 'bench', 'chaos'];

/** The folders beside the lead's checkout, named in any form (`../shared/...`, `/work/shared/...`). */
const OUTSIDE_FOLDER = /\bshared\/(?:data|spec)\b/;
/** A relative path as written in code or Markdown: `../` one or more times, then the rest. */
const RELATIVE_PATH = /(?<![\w.])((?:\.\.\/)+[\w.\-/]*)/g;

const isInsideRoot = (path: string): boolean => path === root || path.startsWith(root + sep);

/** `file:line: text` for every line of `file` that reaches outside the repository. */
function referencesOutside(file: string, text: string): string[] {
  const found: string[] = [];
  text.split('\n').forEach((line, index) => {
    const where = `${relative(root, file)}:${index + 1}`;
    if (OUTSIDE_FOLDER.test(line)) found.push(`${where}: ${line.trim()}`);
    for (const [, path] of line.matchAll(RELATIVE_PATH)) {
      if (!isInsideRoot(resolve(dirname(file), path!))) found.push(`${where}: ${path} leaves the repository`);
    }
  });
  return found;
}

describe('repository boundary', () => {
  it('no file under src/, test/, bench/ or chaos/ references a path outside the repository', () => {
    const files = SCANNED_FOLDERS.flatMap((folder) => textFilesUnder(join(root, folder)));
    expect(files.length).toBeGreaterThan(100);
    const outside = files.flatMap((file) => referencesOutside(file, readFileSync(file, 'utf8')));
    expect(outside).toEqual([]);
  });

  it('catches the forms a reference outside takes', () => {
    const file = join(root, 'test/unit/filtering/corpus.ts');
    // Built, not written out, so this file does not reference outside itself.
    const up = (levels: number): string => '../'.repeat(levels);
    expect(referencesOutside(file, `new URL('${up(4)}${'shared'}/data/event-patterns/', import.meta.url)`)).toHaveLength(2);
    expect(referencesOutside(file, `readFileSync('/work/${'shared'}/spec/sqs.md')`)).toHaveLength(1);
    expect(referencesOutside(file, `resolve(import.meta.dirname, '${up(4)}bench')`)).toHaveLength(1);
    expect(referencesOutside(file, `new URL('../../fixtures/event-patterns/', import.meta.url)`)).toEqual([]);
    expect(referencesOutside(file, `import { x } from '../../../src/filtering/index.js';`)).toEqual([]);
  });
});
