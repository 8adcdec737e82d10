// Example Kinesis handler run by `sluice dev` (a `module` target: see sandbox.config.yaml).
// It logs each record's data (base64 in the event, as in Lambda); a record whose data
// contains "fail" is reported as failed (ReportBatchItemFailures): the batch is retried
// from it once (MaximumRetryAttempts 1 on the example mapping), then the shard moves on.

/** @param {{ Records: Array<{ kinesis: { data: string, partitionKey: string, sequenceNumber: string } }> }} event */
export async function handler(event) {
  const batchItemFailures = [];
  for (const { kinesis } of event.Records) {
    const data = Buffer.from(kinesis.data, 'base64').toString('utf8');
    console.log(`kinesis record ${kinesis.sequenceNumber} (key ${kinesis.partitionKey}): ${data}`);
    if (data.includes('fail')) batchItemFailures.push({ itemIdentifier: kinesis.sequenceNumber });
  }
  return { batchItemFailures };
}
