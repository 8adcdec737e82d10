/**
 * Why an on-failure record was not delivered, classified once: a stable error code for
 * `LastProcessingResult` (api.md §6.2) and logs, and whether trying again may help.
 */
import { sdkErrorCode } from '../aws/sdk-errors.js';

/** Codes of Sluice's own refusals (no service call was made). */
export const DestinationErrorCode = {
  /** A FIFO queue or FIFO topic: not supported as a destination (streams.md §14.2, AWS). */
  FifoNotSupported: 'FifoDestinationNotSupported',
  /** Not an SQS queue, SNS topic or S3 bucket ARN (api.md V34 normally prevents it). */
  UnsupportedType: 'UnsupportedDestinationType',
  /** An S3 bucket while this process has no S3 writer configured. */
  S3NotConfigured: 'S3DestinationNotConfigured',
  /** An S3 bucket but the caller gave no payload to store. */
  S3PayloadMissing: 'S3PayloadMissing',
  /** A service answer Sluice cannot use (e.g. GetQueueUrl without QueueUrl). */
  InvalidResponse: 'InvalidDestinationResponse',
} as const;

/** `LastProcessingResult` after a failed delivery (api.md §6.2). */
export function destinationProblem(errorCode: string): string {
  return `PROBLEM: Error sending to on-failure destination: ${errorCode}`;
}

/** A delivery refused before any call, with one of the DestinationErrorCode values. */
export class DestinationDeliveryError extends Error {
  override readonly name = 'DestinationDeliveryError';

  constructor(
    readonly code: string,
    message: string,
    /** Trying again cannot help (FIFO, unsupported type, missing S3 writer). */
    readonly permanent: boolean,
  ) {
    super(message);
  }
}


/**
 * The error code of a failed delivery call: Node's system code for network failures
 * (`ECONNREFUSED`), else the SDK's error code (`QueueDoesNotExist`, `NotFound`,
 * `AccessDenied`...), else `UnknownError` (read by `aws/sdk-errors.ts`).
 */
export function deliveryErrorCode(error: unknown): string {
  if (error instanceof DestinationDeliveryError) return error.code;
  return sdkErrorCode(error);
}

export function deliveryErrorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
