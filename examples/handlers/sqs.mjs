// Example SQS handler run by `sluice dev` (a `module` target: see sandbox.config.yaml).
// It logs each message; a body containing "fail" is reported as a failed item
// (ReportBatchItemFailures is on for the example mapping), so that message comes back
// after the queue's visibility timeout and, after 2 receives, moves to the dead-letter queue.

/** @param {{ Records: Array<{ messageId: string, body: string }> }} event */
export async function handler(event) {
  const batchItemFailures = [];
  for (const record of event.Records) {
    console.log(`sqs message ${record.messageId}: ${record.body}`);
    if (record.body.includes('fail')) batchItemFailures.push({ itemIdentifier: record.messageId });
  }
  return { batchItemFailures };
}
