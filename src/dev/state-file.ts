/**
 * `.sluice/dev.json`: how `sluice send` (another process) finds the running sandbox. Written
 * by `sluice dev` once everything is ready, removed when it stops. Looked up from the
 * current directory upwards, so `sluice send` works from any folder below the sandbox's.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { SourceType } from '../mappings/event-source-arn.js';

export const SANDBOX_DIR = '.sluice';
export const STATE_FILE_NAME = 'dev.json';

export type { SourceType };

export interface SandboxState {
  /** Process id of `sluice dev`. */
  pid: number;
  /** Sluice's API. */
  apiUrl: string;
  region: string;
  /** Endpoint per service, when not real AWS. */
  endpoints: Partial<Record<SourceType, string>>;
  /** Services whose endpoint is an emulator the sandbox started (any credentials work). */
  emulated: SourceType[];
  resources: SandboxResources;
}

/** What the config's `sandbox:` section made, in the order declared (`sluice send` takes the first of a kind). */
export interface SandboxResources {
  /** A queue with a DLQ is followed by its DLQ. */
  queues?: Array<{ name: string; url: string; arn: string; deadLetterQueue?: string; deadLetterOf?: string }>;
  streams?: Array<{ name: string; arn: string }>;
  /** `key`: attribute name -> type, the partition key first. */
  tables?: Array<{ name: string; streamArn: string; key: Record<string, string> }>;
}

export function stateFilePath(dir: string): string {
  return path.join(dir, SANDBOX_DIR, STATE_FILE_NAME);
}

/** Writes `value` as JSON to `file` (its folder made), then renames it in: a reader never sees half a file. */
export function writeJsonFile(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, `${JSON.stringify(value, null, 2)}\n`);
  fs.renameSync(temp, file);
}

export function writeStateFile(dir: string, state: SandboxState): string {
  const file = stateFilePath(dir);
  writeJsonFile(file, state);
  return file;
}

/** Removes the file if it is this process's (a second sandbox's file is left alone). */
export function removeStateFile(dir: string, pid = process.pid): void {
  const file = stateFilePath(dir);
  const state = readStateFileAt(file);
  if (state && state.pid !== pid) return;
  fs.rmSync(file, { force: true });
}

function readStateFileAt(file: string): SandboxState | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return JSON.parse(text) as SandboxState;
}

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The state of a live sandbox in `from` or a parent folder; a file left by a dead process is ignored. */
export function findSandboxState(from: string): { file: string; state: SandboxState } | undefined {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    const file = stateFilePath(dir);
    const state = readStateFileAt(file);
    if (state && isProcessAlive(state.pid)) return { file, state };
    if (path.dirname(dir) === dir) return undefined;
  }
}
