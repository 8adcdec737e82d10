/**
 * The answers to callers Sluice does not let in, in the words AWS's own front door uses
 * (status 403, `{"message": ...}`, `x-amzn-ErrorType`), so SDKs raise the exception class
 * users already know. Wording is AWS's where it was observed (quoted below); the rest
 * follows its style (chosen).
 */
import { LambdaApiError } from '../../mappings/errors.js';

/**
 * No `Authorization` header at all. AWS answers an unsigned Lambda request with
 * MissingAuthenticationTokenException "Missing Authentication Token" (observed on
 * lambda.us-east-1.amazonaws.com), not UnrecognizedClientException: followed here.
 */
export const missingAuthentication = () => new LambdaApiError('MissingAuthenticationTokenException', 'Missing Authentication Token');

/** An access key id Sluice was not given (AWS: an unknown or revoked key). */
export const unrecognizedClient = () => new LambdaApiError('UnrecognizedClientException', 'The security token included in the request is invalid.');

/** An `Authorization` header that is not a whole SigV4 one (chosen: 403 like the others; AWS wording). */
export const incompleteSignature = (message: string) => new LambdaApiError('IncompleteSignatureException', message);

export const signatureMismatch = () =>
  new LambdaApiError(
    'InvalidSignatureException',
    'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
  );

/** Any other reason the signature cannot be accepted (scope, date); AWS's wording in the callers. */
export const invalidSignature = (message: string) => new LambdaApiError('InvalidSignatureException', message);
