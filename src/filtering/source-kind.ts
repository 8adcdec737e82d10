/** The event sources Sluice filters, and the stream payload key each one checks (§5.4, V37). */
export type FilterSourceKind = 'sqs' | 'kinesis' | 'dynamodb';

/**
 * The key whose pattern value must be an object for this source: Kinesis
 * `data`, DynamoDB `dynamodb`. SQS has none (`body` may take a matcher list).
 */
export function payloadKeyOf(source: FilterSourceKind | undefined): string | undefined {
  switch (source) {
    case 'kinesis':
      return 'data';
    case 'dynamodb':
      return 'dynamodb';
    default:
      return undefined;
  }
}
