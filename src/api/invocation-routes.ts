/**
 * One invocation of a configured function through its target, under Sluice's own routes
 * (issue #16, for `sluice redrive`: the targets live in the Sluice process, so a command run
 * elsewhere invokes them through here):
 *
 *   POST /sluice/v1/functions/{FunctionName}/invocations[?mapping=<UUID>]
 *       body: the event, e.g. `{"Records":[...]}`, sent to the target byte for byte
 *       200 {"FunctionArn", "Outcome": "success" | "function-error" | "invocation-error",
 *            "DurationMs", then per outcome: "Response" (the parsed response; the text when
 *            it is not JSON) and "ResponseIsJson"; "FunctionError", "ErrorType",
 *            "ErrorMessage", "StatusCode"; "Reason", "ErrorCode", "ErrorMessage"}
 *
 * FunctionName takes every form Lambda's API takes (name, ARN, partial ARN, qualifier),
 * URL-encoded. An unknown function is a 404 ResourceNotFoundException, a body that is not
 * JSON a 400 InvalidRequestContentException, in Lambda's shape. `mapping` (chosen) names the
 * mapping the invocation is for: it must exist (404 otherwise), and the attempt is counted
 * and its failure warned about under that mapping's labels, like the mapping's own attempts.
 * The body may be as large as an invocation payload (6 MB), not only the API's 1 MiB.
 * Protected like every `/sluice/v1` route (auth/register-auth.ts).
 */
import type { FastifyInstance } from 'fastify';
import { invalidRequestContent, LambdaApiError, mappingNotFound } from '../mappings/errors.js';
import { MAX_PAYLOAD_BYTES, PAYLOAD_ENVELOPE_BYTES } from '../pipeline/payload-limit.js';
import type { InvocationOutcome } from '../targets/index.js';

export const INVOCATION_ROUTE = '/sluice/v1/functions/:name/invocations';

/** What the route asks of the process: resolve and invoke once. */
export interface InvocationRoutesDependencies {
  /**
   * One attempt at the target of `functionName` with `payload`; `function-not-found` when no
   * configured function has that name, `mapping-not-found` when `mappingId` names none.
   */
  invoke(request: { functionName: string; payload: string; mappingId?: string }): Promise<
    { functionArn: string; outcome: InvocationOutcome } | 'function-not-found' | 'mapping-not-found'
  >;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The answer's body: the outcome in the API's PascalCase, only the members it has. */
export function invocationAnswer(functionArn: string, outcome: InvocationOutcome): Record<string, unknown> {
  const common = { FunctionArn: functionArn, Outcome: outcome.kind, DurationMs: Math.round(outcome.durationMs) };
  switch (outcome.kind) {
    case 'success':
      return { ...common, Response: outcome.response, ResponseIsJson: outcome.responseIsJson, RequestId: outcome.requestId };
    case 'function-error':
      return {
        ...common,
        FunctionError: outcome.functionError,
        ...(outcome.errorType !== undefined ? { ErrorType: outcome.errorType } : {}),
        ErrorMessage: outcome.errorMessage,
        ...(outcome.statusCode !== undefined ? { StatusCode: outcome.statusCode } : {}),
      };
    case 'invocation-error':
      return {
        ...common,
        Reason: outcome.reason,
        ...(outcome.errorCode !== undefined ? { ErrorCode: outcome.errorCode } : {}),
        ErrorMessage: outcome.errorMessage,
        ...(outcome.statusCode !== undefined ? { StatusCode: outcome.statusCode } : {}),
      };
  }
}

export function registerInvocationRoutes(app: FastifyInstance, deps: InvocationRoutesDependencies): void {
  app.post<{ Params: { name: string }; Querystring: { mapping?: string | string[] } }>(
    INVOCATION_ROUTE,
    // A payload of 6 MB plus room for nothing else: the event is the whole body.
    { bodyLimit: MAX_PAYLOAD_BYTES + PAYLOAD_ENVELOPE_BYTES },
    async (request, reply) => {
      const raw = request.query.mapping;
      const mappingId = (Array.isArray(raw) ? raw[0] : raw)?.toLowerCase();
      if (mappingId !== undefined && !UUID.test(mappingId)) throw mappingNotFound();
      const payload = typeof request.body === 'string' ? request.body : '';
      try {
        JSON.parse(payload);
      } catch (error) {
        throw invalidRequestContent((error as Error).message);
      }
      const result = await deps.invoke({ functionName: request.params.name, payload, ...(mappingId ? { mappingId } : {}) });
      if (result === 'mapping-not-found') throw mappingNotFound();
      if (result === 'function-not-found') {
        throw new LambdaApiError('ResourceNotFoundException', `Function not found: ${request.params.name} (not among the functions of Sluice's configuration)`);
      }
      return reply.type('application/json').send(JSON.stringify(invocationAnswer(result.functionArn, result.outcome)));
    },
  );
}
