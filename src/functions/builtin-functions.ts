/**
 * Builtin functions under reserved names, available in every Sluice without a config entry
 * (issue #14: `sluice loadtest --function fail:0.1` works against any Sluice, not only one
 * whose config declares that function).
 *
 * A builtin spec cannot be a FunctionName as it is: Lambda reads `fail:0.1` as function
 * `fail`, qualifier `0.1`. So each spec has a name made of FunctionName characters:
 *
 *   noop → builtin-noop   echo → builtin-echo   sleep:50 → builtin-sleep-50   fail:0.1 → builtin-fail-0_1
 *
 * (chosen) They are always on: they reach nothing outside Sluice's process, and a sleep is
 * bounded by the function timeout (Lambda's default, 3 s) like any function. A configured
 * function of the same name wins (FunctionRegistry), so no existing config changes meaning.
 */
import { functionConfigSchema, type FunctionConfig } from '../config/schema.js';
import { BUILTIN_TARGET_PATTERN } from '../targets/builtin-target.js';

const PREFIX = 'builtin-';

/** The reserved FunctionName of a builtin spec (`fail:0.1` → `builtin-fail-0_1`). */
export function builtinFunctionName(spec: string): string {
  if (!BUILTIN_TARGET_PATTERN.test(spec)) throw new Error(`not a builtin function: ${JSON.stringify(spec)} (noop, echo, sleep:<ms>, fail:<ratio 0..1>)`);
  return PREFIX + spec.replace(':', '-').replace('.', '_');
}

/** The builtin spec a reserved FunctionName stands for, or undefined for any other name. */
export function builtinSpecOf(functionName: string): string | undefined {
  if (!functionName.startsWith(PREFIX)) return undefined;
  const spec = functionName.slice(PREFIX.length).replace('-', ':').replace('_', '.');
  return BUILTIN_TARGET_PATTERN.test(spec) && builtinFunctionName(spec) === functionName ? spec : undefined;
}

/** The function a reserved name runs: the builtin with every other setting at its default. */
export function builtinFunctionConfig(functionName: string): FunctionConfig | undefined {
  const spec = builtinSpecOf(functionName);
  return spec === undefined ? undefined : functionConfigSchema.parse({ builtin: spec });
}
