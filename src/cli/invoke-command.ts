/**
 * `sluice invoke FUNCTION` (issue #15): one invocation of a configured function through its
 * target, with an event of the exact shape a mapping would deliver (or one from a file), for
 * trying a handler without a queue. Prints the response, the outcome as Sluice classifies it
 * and the time.
 *
 * Exit codes (chosen): 0 the function succeeded; 1 it failed (a function error, or a
 * response whose batchItemFailures name records); 2 it could not be invoked, or the command
 * was wrong.
 */
import { readFileSync } from 'node:fs';
import type { SluiceConfig } from '../config/index.js';
import { AwsClients } from '../aws/clients.js';
import { builtinFunctionName, FunctionRegistry } from '../functions/index.js';
import { BUILTIN_TARGET_PATTERN } from '../targets/builtin-target.js';
import { FunctionTargets } from '../pipeline/index.js';
import { createLogger } from '../observability/logger.js';
import { readBatchItemFailures } from '../sources/batch-item-failures.js';
import type { SourceType } from '../mappings/event-source-arn.js';
import type { InvocationOutcome } from '../targets/index.js';
import { sampleEvent } from '../dev/sample-event.js';

export interface InvokeOptions {
  source?: SourceType;
  /** The record's body (DynamoDB: the item in DynamoDB JSON). */
  body?: string;
  /** A whole event in a JSON file, sent as it is. */
  file?: string;
  /** DynamoDB: the item's key attribute names, comma-separated. */
  keys?: string;
}

export class InvokeUsageError extends Error {}

const DEFAULT_BODY: Record<SourceType, string> = { sqs: 'hello from sluice invoke', kinesis: '{"from":"sluice invoke"}', dynamodb: '{"pk":{"S":"sluice-invoke"}}' };

/** Runs the invocation, writes the report to `out`, returns the exit code. */
export async function runInvokeCommand(functionName: string, options: InvokeOptions, config: SluiceConfig & { baseDir: string }, out: (line: string) => void): Promise<number> {
  const registry = new FunctionRegistry({ region: config.region, accountId: config.accountId }, config.functions);
  // A configured function first (the sandbox's `noop`), else a builtin spec's reserved name (`fail:0.1`).
  const fn = registry.resolve(functionName) ?? (BUILTIN_TARGET_PATTERN.test(functionName) ? registry.resolve(builtinFunctionName(functionName)) : undefined);
  if (!fn) {
    const known = Object.keys(config.functions);
    throw new InvokeUsageError(
      `function ${functionName} is not configured (${known.length > 0 ? `functions: ${known.join(', ')}` : 'the config has no functions'}; or a builtin: noop, echo, sleep:<ms>, fail:<ratio>)`,
    );
  }
  const { event, recordIds, what } = buildEvent(options, config);
  // Targets log at warn (a failed attempt, a worker that crashed) to stderr: stdout is the report.
  const logger = createLogger({ level: 'warn', destination: process.stderr });
  const clients = new AwsClients(config);
  const targets = new FunctionTargets(registry, { baseDir: config.baseDir, clients, logger });
  const resolved = targets.resolve(fn.functionArn)!;
  let outcome: InvocationOutcome;
  try {
    outcome = await resolved.target.invoke(JSON.stringify(event), resolved.context);
  } finally {
    await targets.close();
    clients.destroy();
  }
  out(`function  ${fn.name} (${resolved.description.kind} target ${resolved.description.endpoint})`);
  out(`event     ${what}`);
  return report(outcome, recordIds, out);
}

function buildEvent(options: InvokeOptions, config: SluiceConfig): { event: unknown; recordIds: string[]; what: string } {
  if (options.file !== undefined) {
    if (options.body !== undefined) throw new InvokeUsageError('give --body or --file, not both');
    let event: unknown;
    try {
      event = JSON.parse(readFileSync(options.file, 'utf8'));
    } catch (error) {
      throw new InvokeUsageError(`--file ${options.file}: ${(error as Error).message}`);
    }
    const records = (event as { Records?: unknown[] } | null)?.Records;
    const recordIds = Array.isArray(records) ? records.map(recordIdOf).filter((id): id is string => id !== undefined) : [];
    return { event, recordIds, what: `from ${options.file}, ${Array.isArray(records) ? `${records.length} record(s)` : 'no Records'}` };
  }
  if (!options.source) throw new InvokeUsageError('--source sqs|kinesis|dynamodb is required to build the event (or give one with --file)');
  const keys = options.keys?.split(',').map((key) => key.trim()).filter(Boolean);
  const sample = sampleEvent(options.source, options.body ?? DEFAULT_BODY[options.source], { region: config.region, accountId: config.accountId }, keys);
  return { event: sample.event, recordIds: [sample.recordId], what: `${options.source}, 1 record (the shape a mapping delivers)` };
}

/** The id batchItemFailures names a record by: SQS messageId, a stream record's sequence number. */
function recordIdOf(record: unknown): string | undefined {
  const r = record as { messageId?: string; kinesis?: { sequenceNumber?: string }; dynamodb?: { SequenceNumber?: string } } | null;
  return r?.messageId ?? r?.kinesis?.sequenceNumber ?? r?.dynamodb?.SequenceNumber;
}

function report(outcome: InvocationOutcome, recordIds: string[], out: (line: string) => void): number {
  const ms = `${Math.round(outcome.durationMs)} ms`;
  if (outcome.kind === 'invocation-error') {
    out(`outcome   invocation error (${outcome.reason}${outcome.errorCode ? `, ${outcome.errorCode}` : ''}) · ${ms}`);
    out(`error     ${outcome.errorMessage}`);
    return 2;
  }
  if (outcome.kind === 'function-error') {
    out(`outcome   function error (${outcome.functionError}${outcome.errorType ? `, ${outcome.errorType}` : ''}) · ${ms}`);
    out(`error     ${outcome.errorMessage}`);
    return 1;
  }
  const response = outcome.responseIsJson ? JSON.stringify(outcome.response) : String(outcome.response);
  const mentionsFailures = outcome.responseIsJson && typeof outcome.response === 'object' && outcome.response !== null && Object.hasOwn(outcome.response, 'batchItemFailures');
  // Read as with ReportBatchItemFailures on: only then does the response decide anything.
  const verdict = mentionsFailures ? readBatchItemFailures(outcome.response, true, new Set(recordIds)) : { kind: 'full-success' as const };
  if (verdict.kind === 'partial-failure') {
    out(`outcome   partial failure: ${verdict.failedIds.size} of ${recordIds.length} record(s) failed (with ReportBatchItemFailures) · ${ms}`);
  } else if (verdict.kind === 'complete-failure') {
    out(`outcome   the whole batch fails with ReportBatchItemFailures: ${verdict.reason} · ${ms}`);
  } else {
    out(`outcome   success · ${ms}`);
  }
  out(`response  ${response}`);
  return verdict.kind === 'full-success' ? 0 : 1;
}
