/**
 * Targets by function: one Target per configured function, created on first use and
 * shared by every mapping that names it (whatever qualifier).
 */
import type { AwsClients } from '../aws/clients.js';
import type { FunctionConfig } from '../config/index.js';
import type { FunctionRegistry } from '../functions/index.js';
import type { Logger } from '../observability/logger.js';
import {
  ModuleTarget,
  createTarget,
  describeTarget,
  type InvocationContext,
  type ReloadResult,
  type Target,
  type TargetDescription,
} from '../targets/index.js';
import { LAMBDA_ANSWER_GRACE_MS } from '../targets/lambda-target.js';

export interface ResolvedTarget {
  target: Target;
  context: InvocationContext;
  /** Its kind and endpoint, for the warning when an attempt fails. */
  description: TargetDescription;
}

export class FunctionTargets {
  private readonly targets = new Map<string, Target>();

  constructor(
    private readonly functions: FunctionRegistry,
    private readonly options: { baseDir: string; clients: AwsClients; logger: Logger },
  ) {}

  /** The target behind a FunctionArn, or undefined when the function left the configuration. */
  resolve(functionArn: string): ResolvedTarget | undefined {
    const fn = this.functions.byArn(functionArn);
    if (!fn) return undefined;
    const target = this.targetOf(fn.name, fn.config);
    return {
      target,
      description: describeTarget(fn.config),
      context: {
        functionArn,
        functionName: fn.name,
        ...(fn.qualifier !== undefined ? { qualifier: fn.qualifier } : {}),
        timeoutMs: fn.config.timeout * 1000,
      },
    };
  }

  /**
   * How long one invocation of the function may last: its timeout, and for a lambda target
   * the time Sluice still waits for Lambda's own answer after it (LAMBDA_ANSWER_GRACE_MS).
   * SQS keeps messages invisible at least this long plus a margin (sqs.md §6), so a slow
   * Lambda answer does not see its messages delivered again meanwhile.
   */
  invocationLimitMs(functionArn: string): number {
    const config = this.functions.byArn(functionArn)?.config;
    return this.timeoutMs(functionArn) + (config?.lambda !== undefined ? LAMBDA_ANSWER_GRACE_MS : 0);
  }

  /** Timeout of the function behind a FunctionArn; Lambda's default when it is unknown. */
  timeoutMs(functionArn: string): number {
    return (this.functions.byArn(functionArn)?.config.timeout ?? 3) * 1000;
  }

  /**
   * Load a module function's handler again (`sluice dev --watch`; ModuleTarget.reload):
   * undefined when `functionName` is not a configured module function. A target not used
   * yet is created, so that a handler which no longer loads is reported now.
   */
  async reloadModule(functionName: string, reason: string): Promise<ReloadResult | undefined> {
    const fn = this.functions.resolve(functionName);
    if (!fn || fn.config.module === undefined) return undefined;
    const target = this.targetOf(fn.name, fn.config);
    return target instanceof ModuleTarget ? target.reload({ reason, functionName: fn.name }) : undefined;
  }

  private targetOf(name: string, config: FunctionConfig): Target {
    let target = this.targets.get(name);
    if (!target) {
      target = createTarget(config, { ...this.options, logger: this.options.logger.child({ function: name }) });
      this.targets.set(name, target);
    }
    return target;
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.targets.values()].map((t) => t.close()));
    this.targets.clear();
  }
}
