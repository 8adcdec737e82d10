import type { FunctionConfig } from '../config/index.js';
import { resolveFunctionArn, type ArnContext } from './function-name.js';
import { builtinFunctionConfig } from './builtin-functions.js';

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

  /**
   * The configured (or builtin) function a FunctionName (any form) names, or undefined (V38): also
   * when it names a qualifier outside the function's `qualifiers`.
   */
  resolve(functionName: string): ResolvedFunction | undefined {
    const resolved = resolveFunctionArn(this.context, functionName);
    if (!resolved || resolved.parts.name.length > MAX_NAME_LENGTH) return undefined;
    // A configured function first; else a builtin one under its reserved name (builtin-functions.ts).
    const config = Object.hasOwn(this.functions, resolved.parts.name)
      ? this.functions[resolved.parts.name]
      : builtinFunctionConfig(resolved.parts.name);
    if (!config) return undefined;
    if (!qualifierAllowed(config, resolved.parts.qualifier)) return undefined;
    return {
      name: resolved.parts.name,
      ...(resolved.parts.qualifier !== undefined ? { qualifier: resolved.parts.qualifier } : {}),
      functionArn: resolved.arn,
      config,
    };
  }

  /**
   * The configured function behind a stored FunctionArn, or undefined once it left the
   * config or its qualifier left the function's `qualifiers`: such a mapping's invocations
   * then fail as "function not found", so narrowing the list stops a qualifier at once.
   */
  byArn(functionArn: string): ResolvedFunction | undefined {
    return this.resolve(functionArn);
  }
}

/**
 * A qualifier outside the function's `qualifiers` makes the function unknown, as AWS
 * answers a Create naming an alias that does not exist: "Function does not exist" (V38;
 * seen in aws/aws-cdk#2084). Decision: no qualifier means `$LATEST`, which is what Invoke
 * runs then, so a list without `$LATEST` also refuses unqualified names.
 */
function qualifierAllowed(config: FunctionConfig, qualifier: string | undefined): boolean {
  return config.qualifiers === undefined || config.qualifiers.includes(qualifier ?? LATEST_QUALIFIER);
}

const LATEST_QUALIFIER = '$LATEST';
