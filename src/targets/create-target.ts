/**
 * One Target per configured function, chosen by which of `http`, `module`, `lambda`,
 * `builtin` the function has (the config schema guarantees exactly one).
 */
import type { FunctionConfig } from '../config/index.js';
import type { AwsClients } from '../aws/clients.js';
import type { Logger } from '../observability/logger.js';
import type { Target } from './target.js';
import { HttpTarget, type HttpTargetOptions } from './http-target.js';
import { ModuleTarget, moduleOptionsOf, type HandlerSettings, type ModuleTargetOptions } from './module-target.js';
import { LambdaTarget, type LambdaTargetOptions } from './lambda-target.js';
import { BuiltinTarget } from './builtin-target.js';

export interface CreateTargetOptions {
  /** Directory `module` paths are relative to (the config file's directory). */
  baseDir: string;
  clients: AwsClients;
  /** Logger for the target (e.g. a child with the function name); handler output goes here. */
  logger: Logger;
  /** Tuning of http targets; defaults suit most uses. */
  http?: HttpTargetOptions;
  /** Tuning of module targets (worker cap, idle time); memory and environment come from the function. */
  module?: ModuleTargetOptions;
  /** Tuning of lambda targets. */
  lambda?: LambdaTargetOptions;
}

export type TargetKind = 'http' | 'module' | 'lambda' | 'builtin';

/** Which kind of target a function has, and where it points as configured (logs). */
export interface TargetDescription {
  kind: TargetKind;
  /** The URL, `path#export`, Lambda function name / ARN, or builtin behaviour (`sleep:50`). */
  endpoint: string;
}

export function describeTarget(fn: FunctionConfig): TargetDescription {
  if (fn.http !== undefined) return { kind: 'http', endpoint: fn.http };
  if (fn.module !== undefined) return { kind: 'module', endpoint: fn.module };
  if (fn.builtin !== undefined) return { kind: 'builtin', endpoint: fn.builtin };
  return { kind: 'lambda', endpoint: fn.lambda ?? '' };
}

/** A function's config as createTarget reads it: the handler settings may be left to their defaults. */
export type TargetConfig = Omit<FunctionConfig, keyof HandlerSettings> & HandlerSettings;

export function createTarget(fn: TargetConfig, options: CreateTargetOptions): Target {
  if (fn.http !== undefined) return new HttpTarget(fn.http, options.http);
  if (fn.module !== undefined) {
    return new ModuleTarget(fn.module, {
      baseDir: options.baseDir,
      logger: options.logger,
      // The function's own settings (memory, environment) over the tuning defaults.
      options: { ...options.module, ...moduleOptionsOf(fn) },
    });
  }
  if (fn.lambda !== undefined) return new LambdaTarget(fn.lambda, options.clients, options.lambda);
  if (fn.builtin !== undefined) return new BuiltinTarget(fn.builtin);
  throw new Error('function has no target: one of http, module, lambda or builtin is required');
}
