import type { FunctionConfig } from '../config/index.js';
import { resolveFunctionArn, type ArnContext } from './function-name.js';

/** A FunctionName resolved against the configured functions. */
export interface ResolvedFunction {
  name: string;
  qualifier?: string;
  /** FunctionArn as stored and returned (qualifier kept). */
  functionArn: string;
  config: FunctionConfig;
}

/** Bare function names are at most 64 characters (api.md §4). */
const MAX_NAME_LENGTH = 64;

/** Looks FunctionNames up among the functions of Sluice's configuration. */
export class FunctionRegistry {
  constructor(
    private readonly context: ArnContext,
    private readonly functions: Readonly<Record<string, FunctionConfig>>,
  ) {}

  /** The configured function a FunctionName (any form) names, or undefined (V38). */
  resolve(functionName: string): ResolvedFunction | undefined {
    const resolved = resolveFunctionArn(this.context, functionName);
    if (!resolved || resolved.parts.name.length > MAX_NAME_LENGTH) return undefined;
    const config = Object.hasOwn(this.functions, resolved.parts.name) ? this.functions[resolved.parts.name] : undefined;
    if (!config) return undefined;
    return {
      name: resolved.parts.name,
      ...(resolved.parts.qualifier !== undefined ? { qualifier: resolved.parts.qualifier } : {}),
      functionArn: resolved.arn,
      config,
    };
  }

  /** The configured function behind a stored FunctionArn, or undefined once it left the config. */
  byArn(functionArn: string): ResolvedFunction | undefined {
    return this.resolve(functionArn);
  }
}
