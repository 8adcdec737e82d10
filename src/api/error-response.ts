/**
 * The one place Sluice errors become Lambda's REST-JSON error form (api.md §8): the
 * `x-amzn-ErrorType` header the SDK takes the exception class from, and a body whose
 * message key and `Type` member depend on the error type.
 */
import type { FastifyReply } from 'fastify';
import type { LambdaApiError, LambdaErrorType } from '../mappings/errors.js';

const bodyForm: Record<LambdaErrorType, { type?: 'User' | 'Service'; messageKey: 'message' | 'Message' }> = {
  InvalidParameterValueException: { type: 'User', messageKey: 'message' },
  InvalidRequestContentException: { type: 'User', messageKey: 'message' },
  RequestTooLargeException: { type: 'User', messageKey: 'message' },
  ValidationException: { messageKey: 'message' },
  ResourceInUseException: { type: 'User', messageKey: 'Message' },
  ResourceNotFoundException: { type: 'User', messageKey: 'Message' },
  ResourceConflictException: { type: 'User', messageKey: 'message' },
  ServiceException: { type: 'Service', messageKey: 'Message' },
  UnknownOperationException: { type: 'User', messageKey: 'message' },
  UnsupportedMediaTypeException: { type: 'User', messageKey: 'message' },
  RequestTimeoutException: { type: 'User', messageKey: 'message' },
  // AWS's authentication layer answers before any operation: `{"message": ...}`, no `Type`.
  MissingAuthenticationTokenException: { messageKey: 'message' },
  UnrecognizedClientException: { messageKey: 'message' },
  IncompleteSignatureException: { messageKey: 'message' },
  InvalidSignatureException: { messageKey: 'message' },
};

/** The JSON body of an error answer. */
export function lambdaErrorBody(error: LambdaApiError): string {
  const form = bodyForm[error.type];
  const body: Record<string, string> = {};
  if (form.type) body.Type = form.type;
  body[form.messageKey] = error.message;
  return JSON.stringify(body);
}

export function sendLambdaError(reply: FastifyReply, error: LambdaApiError): FastifyReply {
  return reply.code(error.status).header('x-amzn-ErrorType', error.type).type('application/json').send(lambdaErrorBody(error));
}
