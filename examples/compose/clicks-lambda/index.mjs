// The `lambda` function of the docker-compose example, deployed to LocalStack by
// localstack-init/create-resources.sh. Sluice invokes it (Invoke, RequestResponse) with
// batches of the `clicks` Kinesis stream. A record whose data holds `"fail": true` makes
// the whole batch fail: Sluice retries it, bisects it, and sends what still fails to the
// `clicks-failures` queue (the mapping's on-failure destination).
export const handler = async (event) => {
  for (const record of event.Records) {
    const data = JSON.parse(Buffer.from(record.kinesis.data, 'base64').toString('utf8'));
    console.log(JSON.stringify({ sequenceNumber: record.kinesis.sequenceNumber, data }));
    if (data.fail === true) throw new Error(`cannot handle click ${record.kinesis.sequenceNumber}`);
  }
  return {};
};
