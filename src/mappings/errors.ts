/**
 * The errors the control plane answers with, named after Lambda's error types (api.md §8).
 * Each carries its HTTP status; the API turns them into the wire form in one place
 * (src/api/error-response.ts).
 */
export type LambdaErrorType =
  | 'InvalidParameterValueException'
  | 'InvalidRequestContentException'
  | 'RequestTooLargeException'
  | 'ValidationException'
  | 'ResourceInUseException'
  | 'ResourceNotFoundException'
  | 'ResourceConflictException'
  | 'ServiceException'
  // HTTP-level failures of a request no operation could read (src/api/framework-errors.ts).
  | 'UnknownOperationException'
  | 'UnsupportedMediaTypeException'
  | 'RequestTimeoutException'
  // Refused callers (src/api/auth/auth-errors.ts).
  | 'MissingAuthenticationTokenException'
  | 'UnrecognizedClientException'
  | 'IncompleteSignatureException'
  | 'InvalidSignatureException';

export const httpStatusOf: Record<LambdaErrorType, number> = {
  InvalidParameterValueException: 400,
  InvalidRequestContentException: 400,
  RequestTooLargeException: 413,
  ValidationException: 400,
  ResourceInUseException: 400,
  ResourceNotFoundException: 404,
  ResourceConflictException: 409,
  ServiceException: 500,
  UnknownOperationException: 404,
  UnsupportedMediaTypeException: 415,
  RequestTimeoutException: 408,
  MissingAuthenticationTokenException: 403,
  UnrecognizedClientException: 403,
  IncompleteSignatureException: 403,
  InvalidSignatureException: 403,
};

export class LambdaApiError extends Error {
  /** `status` defaults to the type's; HTTP-level errors pick their own (e.g. 431). */
  constructor(
    readonly type: LambdaErrorType,
    message: string,
    /** A status other than the type's own (see storeUnavailable). */
    private readonly statusOverride?: number,
  ) {
    super(message);
    this.name = type;
  }

  get status(): number {
    return this.statusOverride ?? httpStatusOf[this.type];
  }
}

export const invalidParameter = (message: string) => new LambdaApiError('InvalidParameterValueException', message);
export const invalidRequestContent = (detail: string) =>
  new LambdaApiError('InvalidRequestContentException', `Could not parse request body into json: ${detail}`);

/** V1 */
export const mappingNotFound = () => new LambdaApiError('ResourceNotFoundException', 'The resource you requested does not exist.');

/** V2a */
export const requestTooLarge = (limit: number) => new LambdaApiError('RequestTooLargeException', `Request must be smaller than ${limit} bytes.`);

/** Phase C: all model-constraint items of one request in one ValidationException (api.md §8.1). */
export function validationError(items: string[]): LambdaApiError {
  const count = items.length;
  return new LambdaApiError(
    'ValidationException',
    `${count} validation error${count === 1 ? '' : 's'} detected: ${items.join('; ')}`,
  );
}

/** V44 */
export const mappingInUse = (operation: 'update' | 'delete') =>
  new LambdaApiError('ResourceInUseException', `Cannot ${operation} the event source mapping because it is in use.`);

export const serviceError = (message: string) => new LambdaApiError('ServiceException', message);

/**
 * Redis (the store) cannot serve now: ServiceException as api.md §8 says, but with 503
 * rather than its 500 (chosen): the fault is temporary, the same request may succeed once
 * Redis is back, and the SDKs retry a 503 as they do a 500.
 */
export const storeUnavailable = (reason: string) => new LambdaApiError('ServiceException', `Sluice's store (Redis) is unavailable: ${reason}`, 503);
