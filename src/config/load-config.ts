import { readFileSync, existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import { configSchema, type SluiceConfig } from './schema.js';
import { environmentOverrides, readEnvironmentValue, EnvironmentValueError } from './environment.js';
import { suggestKey } from './key-suggestion.js';

export const DEFAULT_CONFIG_FILE = './sluice.config.yaml';

/** A configuration that cannot be used; its message names the key and the problem. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

export interface LoadedConfig extends SluiceConfig {
  /** Directory module handler paths are resolved against (the config file's, else the cwd). */
  baseDir: string;
  /** The file read, if any. */
  file?: string;
}

export interface LoadConfigOptions {
  /** Path given with --config; when absent the default file is used if it exists. */
  file?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const explicit = options.file !== undefined;
  const file = resolve(cwd, options.file ?? DEFAULT_CONFIG_FILE);

  let raw: Record<string, unknown> = {};
  if (existsSync(file)) raw = readYamlObject(file);
  else if (explicit) throw new ConfigError(`Config file ${file} does not exist`);

  const fromEnv = new Map<string, string>();
  for (const override of environmentOverrides) {
    const value = env[override.env];
    if (value === undefined || value === '') continue;
    try {
      setPath(raw, override.key, readEnvironmentValue(override, value));
    } catch (error) {
      if (error instanceof EnvironmentValueError) throw new ConfigError(`Invalid configuration: ${error.message}`);
      throw error;
    }
    fromEnv.set(override.key, override.env);
  }

  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(`Invalid configuration${existsSync(file) ? ` in ${file}` : ''}: ${describeIssues(parsed.error.issues, fromEnv)}`);
  }
  return { ...parsed.data, baseDir: existsSync(file) ? dirname(file) : cwd, ...(existsSync(file) ? { file } : {}) };
}

function readYamlObject(file: string): Record<string, unknown> {
  let document: unknown;
  try {
    document = parseYaml(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError(`Config file ${file} is not valid YAML${describeYamlError(error as Error)}`);
  }
  if (document === null || document === undefined) return {};
  if (typeof document !== 'object' || Array.isArray(document)) throw new ConfigError(`Config file ${file} must hold a YAML mapping at the top level`);
  return document as Record<string, unknown>;
}

/**
 * The yaml library's message is "<reason> at line 5, column 1:" followed by an excerpt of
 * the file and a caret; on one line only the position and the reason are kept.
 */
function describeYamlError(error: Error): string {
  const firstLine = error.message.split('\n')[0]!;
  if (!(error instanceof YAMLParseError) || !error.linePos) return `: ${firstLine.replace(/:$/, '')}`;
  const { line, col } = error.linePos[0];
  const reason = firstLine.replace(/ at line \d+, column \d+:?$/, '');
  return ` at line ${line}, column ${col}: ${reason}`;
}

function describeIssues(issues: z.core.$ZodIssue[], fromEnv: Map<string, string>): string {
  return issues
    .map((issue) => {
      const keys = issue.code === 'unrecognized_keys' ? issue.keys.map((k) => [...issue.path, k]) : [issue.path];
      return keys
        .map((path) => {
          const key = path.map(String).join('.') || '(top level)';
          // A list item (`sources.allow.0`) came from its list's variable.
          const env = fromEnv.get(key) ?? fromEnv.get(path.slice(0, -1).map(String).join('.'));
          // A record key that fails its own rule: zod says "Invalid key in record"; the rule says why.
          const problem =
            issue.code === 'unrecognized_keys'
              ? unknownKeyProblem(path.map(String))
              : issue.code === 'invalid_key'
                ? issue.issues.map((inner) => inner.message).join('; ')
                : issue.message;
          return `${key}${env ? ` (from ${env})` : ''}: ${problem}`;
        })
        .join('; ');
    })
    .join('; ');
}

function unknownKeyProblem(path: string[]): string {
  const suggestion = suggestKey(path);
  return `is not a known setting${suggestion ? ` (did you mean \`${suggestion}\`?)` : ''}`;
}

function setPath(target: Record<string, unknown>, dottedKey: string, value: unknown): void {
  const parts = dottedKey.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts[parts.length - 1]!] = value;
}
