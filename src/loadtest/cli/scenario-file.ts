/**
 * `--scenario FILE`: the command line's settings in a YAML or JSON file (YAML is a superset
 * of JSON, so one parser reads both), plus `phases` for a load shape with ramps and spikes:
 *
 *   source: kinesis
 *   batch-size: 100
 *   phases:
 *     - { name: ramp-up, duration: 30s, from: 0, to: 500 }
 *     - { name: steady,  duration: 2m,  rate: 500 }
 *
 * Keys are the long flag names, kebab-case (`batch-size`) or camelCase (`batchSize`)
 * (chosen: the file reads like the command line it replaces, and camelCase is what a JSON
 * file written by a program tends to have). Values are checked with the flags' own rules
 * in options.ts; here only the file's shape and its keys.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { UsageError } from './usage-error.js';

export interface ScenarioFile {
  /** The settings, camelCase keys as commander gives the flags. */
  settings: Record<string, unknown>;
  /** Folder of the file: a relative `records:` path is read from there. */
  dir: string;
}

const camel = (key: string) => key.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** What the file must not set: they make no sense there. */
const NOT_IN_FILE = new Set(['scenario', 'compare']);

export function readScenarioFile(file: string, cwd: string, knownKeys: ReadonlySet<string>): ScenarioFile {
  const full = path.resolve(cwd, file);
  let text: string;
  try {
    text = readFileSync(full, 'utf8');
  } catch (error) {
    throw new UsageError(`--scenario ${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (error) {
    // The yaml library's messages carry the line and column; keep only the first line.
    throw new UsageError(`--scenario ${file}: not valid YAML or JSON: ${(error as Error).message.split('\n')[0]}`);
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new UsageError(`--scenario ${file}: expected a mapping of settings (source:, rate:, phases: ...)`);
  }
  const settings: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data)) {
    const name = camel(key);
    if (NOT_IN_FILE.has(name) || !knownKeys.has(name)) {
      throw new UsageError(`--scenario ${file}: unknown setting "${key}" (the file takes the long flag names, e.g. batch-size, and phases)`);
    }
    if (name in settings) throw new UsageError(`--scenario ${file}: "${key}" is given twice`);
    settings[name] = value;
  }
  return { settings, dir: path.dirname(full) };
}
