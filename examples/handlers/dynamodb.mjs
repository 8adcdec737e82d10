// Example DynamoDB Streams handler run by `sluice dev` (a `module` target: see
// sandbox.config.yaml). It logs each change with its new image; an item with an attribute
// whose value contains "fail" is reported as failed (ReportBatchItemFailures): the batch is
// retried from it once (MaximumRetryAttempts 1 on the example mapping), then the shard moves on.

/** @param {{ Records: Array<{ eventName: string, dynamodb: { Keys: object, NewImage?: object, SequenceNumber: string } }> }} event */
export async function handler(event) {
  const batchItemFailures = [];
  for (const { eventName, dynamodb } of event.Records) {
    const image = JSON.stringify(dynamodb.NewImage ?? dynamodb.Keys);
    console.log(`dynamodb ${eventName} ${dynamodb.SequenceNumber}: ${image}`);
    if (image.includes('fail')) batchItemFailures.push({ itemIdentifier: dynamodb.SequenceNumber });
  }
  return { batchItemFailures };
}
