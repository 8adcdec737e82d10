/** Invokers: run one invocation attempt against a function's target and report its outcome. */
export type {
  InvocationContext,
  InvocationOutcome,
  InvocationErrorReason,
  SuccessOutcome,
  FunctionErrorOutcome,
  InvocationErrorOutcome,
  Target,
} from './target.js';
export { createTarget, describeTarget, type CreateTargetOptions, type TargetDescription, type TargetKind } from './create-target.js';
export { HttpTarget, type HttpTargetOptions } from './http-target.js';
export { ModuleTarget, MODULE_TARGET_DEFAULTS, type ModuleTargetOptions, type ReloadRequest, type ReloadResult } from './module-target.js';
export { LambdaTarget, parseLambdaFunctionRef, type LambdaTargetOptions, type LambdaFunctionRef } from './lambda-target.js';
export { decodeResponseBody } from './response-body.js';
export { findBrokenModuleTargets, type ModuleTargetCheckOptions } from './check-module-targets.js';
