/**
 * Assertions on the control plane's errors (api.md §8, §9): the SDK exception a call
 * raises, and the raw wire form (status, `x-amzn-ErrorType`, JSON body) for requests the
 * SDK cannot send.
 *
 *   await expectLambdaError(lambda.send(new CreateEventSourceMappingCommand({...})),
 *     'InvalidParameterValueException', 'Unrecognized event source.');
 */
import { expect } from 'vitest';
import {
  InvalidParameterValueException,
  InvalidRequestContentException,
  LambdaServiceException,
  RequestTooLargeException,
  ResourceConflictException,
  ResourceInUseException,
  ResourceNotFoundException,
  ServiceException,
} from '@aws-sdk/client-lambda';

export type LambdaErrorName =
  | 'InvalidParameterValueException'
  | 'InvalidRequestContentException'
  | 'RequestTooLargeException'
  | 'ValidationException'
  | 'ResourceInUseException'
  | 'ResourceNotFoundException'
  | 'ResourceConflictException'
  | 'ServiceException';

/** HTTP status per error type (api.md §8). */
export const STATUS_OF: Record<LambdaErrorName, number> = {
  InvalidParameterValueException: 400,
  InvalidRequestContentException: 400,
  RequestTooLargeException: 413,
  ValidationException: 400,
  ResourceInUseException: 400,
  ResourceNotFoundException: 404,
  ResourceConflictException: 409,
  ServiceException: 500,
};

/**
 * The SDK class each error type deserialises to. Lambda's model has no
 * ValidationException: the SDK raises its base service exception with that name.
 */
const CLASS_OF: Record<LambdaErrorName, abstract new (...args: never[]) => Error> = {
  InvalidParameterValueException,
  InvalidRequestContentException,
  RequestTooLargeException,
  ValidationException: LambdaServiceException,
  ResourceInUseException,
  ResourceNotFoundException,
  ResourceConflictException,
  ServiceException,
};

/** The error a call rejects with; fails the test (showing the answer) when it succeeds. */
export async function rejectionOf(call: Promise<unknown>): Promise<LambdaServiceException> {
  let result: unknown;
  try {
    result = await call;
  } catch (error) {
    return error as LambdaServiceException;
  }
  throw new Error(`expected the call to fail, but it succeeded with ${JSON.stringify(result)}`);
}

/** The call fails with exactly this error type, HTTP status and message. */
export async function expectLambdaError(call: Promise<unknown>, type: LambdaErrorName, message: string): Promise<LambdaServiceException> {
  const error = await rejectionOf(call);
  expect({ name: error.name, message: error.message }).toEqual({ name: type, message });
  expect(error).toBeInstanceOf(CLASS_OF[type]);
  expect(error).toBeInstanceOf(LambdaServiceException);
  expect(error.$metadata.httpStatusCode).toBe(STATUS_OF[type]);
  return error;
}

/** Shorthands for the two most common types. */
export const expectInvalidParameter = (call: Promise<unknown>, message: string) =>
  expectLambdaError(call, 'InvalidParameterValueException', message);

/** A phase-C ValidationException with these items, in this order (api.md §8.1). */
export function expectValidation(call: Promise<unknown>, items: string[]) {
  const count = items.length;
  return expectLambdaError(
    call,
    'ValidationException',
    `${count} validation error${count === 1 ? '' : 's'} detected: ${items.join('; ')}`,
  );
}

/** The wire form of api.md §8: status, `x-amzn-ErrorType`, JSON content type, exact body. */
export async function expectRawError(response: Response, type: LambdaErrorName, body: Record<string, string>): Promise<void> {
  const text = await response.text();
  expect({ status: response.status, type: response.headers.get('x-amzn-errortype') }).toEqual({ status: STATUS_OF[type], type });
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  expect(JSON.parse(text)).toEqual(body);
}

/** The body of each error type on the wire: which message key, and whether `Type` is sent (api.md §8). */
export function errorBody(type: LambdaErrorName, message: string): Record<string, string> {
  switch (type) {
    case 'ValidationException':
      return { message };
    case 'ResourceInUseException':
    case 'ResourceNotFoundException':
      return { Type: 'User', Message: message };
    case 'ServiceException':
      return { Type: 'Service', Message: message };
    default:
      return { Type: 'User', message };
  }
}

/** A phase-C item (api.md §8.1). */
export const item = (value: string | null, path: string, constraint: string): string =>
  `Value ${value === null ? 'null' : `'${value}'`} at '${path}' failed to satisfy constraint: ${constraint}`;
