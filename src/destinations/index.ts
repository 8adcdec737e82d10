export {
  buildOnFailureRecord,
  buildS3OnFailureObject,
  formatArrivalTime,
  formatTimestamp,
  type BuildOnFailureRecordOptions,
  type DiscardCondition,
  type DiscardedPart,
  type OnFailureBatchInfo,
  type OnFailureRecord,
  type OnFailureRecordContext,
  type OnFailureRequestContext,
  type OnFailureResponseContext,
  type S3OnFailureObject,
} from './on-failure-record.js';
export { parseDestinationArn, type DestinationArn, type DestinationType } from './destination-arn.js';
export {
  OnFailureDestinations,
  type DeliverContext,
  type DeliveryOutcome,
  type OnFailureDestinationsOptions,
  type S3ObjectWriter,
} from './on-failure-destination.js';
export { createS3ObjectWriter } from './s3-object-writer.js';
export { DestinationDeliveryError, DestinationErrorCode, deliveryErrorCode, destinationProblem } from './errors.js';
