// The `http` functions of the docker-compose example: Sluice POSTs each batch's event here
// as JSON (README "Concepts", targets). It logs one line per record and answers with
// `batchItemFailures` (the mappings use ReportBatchItemFailures): a record whose JSON body
// (SQS) or new image (DynamoDB) holds `"fail": true` is reported as failed.
import http from 'node:http';

const port = Number(process.env.PORT ?? 3000);

/** The record's id for batchItemFailures, and whether it asks to fail. */
function inspect(record) {
  if (record.eventSource === 'aws:sqs') {
    let body;
    try {
      body = JSON.parse(record.body);
    } catch {
      body = record.body;
    }
    return { id: record.messageId, summary: body, fail: body?.fail === true };
  }
  // DynamoDB Streams: attribute values keep their type level ({"BOOL": true}).
  const image = record.dynamodb?.NewImage ?? {};
  return { id: record.dynamodb?.SequenceNumber, summary: { eventName: record.eventName, keys: record.dynamodb?.Keys }, fail: image.fail?.BOOL === true };
}

http
  .createServer((req, res) => {
    if (req.method !== 'POST') return void res.end('ok'); // health checks
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => (text += chunk));
    req.on('end', () => {
      const event = JSON.parse(text || '{}');
      const batchItemFailures = [];
      for (const record of event.Records ?? []) {
        const { id, summary, fail } = inspect(record);
        console.log(JSON.stringify({ function: req.url, id, record: summary, fail }));
        if (fail) batchItemFailures.push({ itemIdentifier: id });
      }
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ batchItemFailures }));
    });
  })
  .listen(port, '0.0.0.0', () => console.log(`example function listening on :${port}`));
