/**
 * FilterCriteria on stream mappings (streams.md §5, §8; filtering.md): records the filter
 * rejects are never delivered, and they move the checkpoint like processed records once no
 * earlier record of the shard is pending, so a restart does not read them again.
 */
import { describe, it } from 'vitest';
import { DeleteItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { createStream, createTableWithStream, dynamoDBClient } from '../support/index.js';
import { createMapping } from '../support/sqs-e2e.js';
import { useStreamTestbed, CheckpointWatch, dataOf, dynamoChanges, putKinesis, type DynamoEvent } from '../support/streams-e2e.js';

const bed = useStreamTestbed('echo');

const keepOnly = { Filters: [{ Pattern: JSON.stringify({ data: { type: ['keep'] } }) }] };
const json = (type: string, n: number) => JSON.stringify({ type, n });

describe.concurrent('stream filtering', () => {
  it('Kinesis: rejected records are skipped and checkpointed past, trailing ones included', async ({ expect, onTestFinished }) => {
    const stream = await createStream({ shardCount: 1 });
    onTestFinished(stream.cleanup);
    const types = ['keep', 'drop', 'drop', 'keep', 'drop', 'keep', 'drop', 'drop'];
    const written = await putKinesis(
      stream.streamName,
      types.map((type, n) => ({ key: 'k', data: json(type, n) })),
    );
    const uuid = await createMapping(bed.sluice.lambda, {
      FunctionName: 'echo',
      EventSourceArn: stream.streamArn,
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 10,
      FilterCriteria: keepOnly,
    });
    const watch = new CheckpointWatch(bed.db, uuid);
    onTestFinished(() => watch.close());
    // The last record is rejected: the checkpoint still reaches it (§5).
    const last = written.at(-1)!.sequenceNumber;
    await watch.until((checkpoints) => checkpoints.get(stream.shardIds[0]!) === last, `checkpoint at the last (rejected) record ${last}`);
    expect(bed.router.records(stream.streamArn).map(dataOf)).toEqual([json('keep', 0), json('keep', 3), json('keep', 5)]);
    await watch.expectNeverBackwards();
  });

  it('Kinesis: a shard holding only rejected records is checkpointed without any invocation', async ({ expect, onTestFinished }) => {
    const stream = await createStream({ shardCount: 1 });
    onTestFinished(stream.cleanup);
    const written = await putKinesis(
      stream.streamName,
      [0, 1, 2].map((n) => ({ key: 'k', data: json('drop', n) })),
    );
    const uuid = await createMapping(bed.sluice.lambda, { FunctionName: 'echo', EventSourceArn: stream.streamArn, StartingPosition: 'TRIM_HORIZON', FilterCriteria: keepOnly });
    const watch = new CheckpointWatch(bed.db, uuid);
    onTestFinished(() => watch.close());
    await watch.until((checkpoints) => checkpoints.get(stream.shardIds[0]!) === written.at(-1)!.sequenceNumber, 'checkpoint at the last record');
    // A matching record written afterwards is delivered alone.
    await putKinesis(stream.streamName, [{ key: 'k', data: json('keep', 3) }]);
    await bed.router.waitForRecords(stream.streamArn, 1);
    expect(bed.router.records(stream.streamArn).map(dataOf)).toEqual([json('keep', 3)]);
  });

  it('DynamoDB: a filter on eventName delivers INSERTs only, and the checkpoint passes the MODIFY and REMOVE records', async ({ expect, onTestFinished }) => {
    const table = await createTableWithStream();
    onTestFinished(table.cleanup);
    const uuid = await createMapping(bed.sluice.lambda, {
      FunctionName: 'echo',
      EventSourceArn: table.streamArn,
      StartingPosition: 'TRIM_HORIZON',
      FilterCriteria: { Filters: [{ Pattern: JSON.stringify({ eventName: ['INSERT'] }) }] },
    });
    const ddb = dynamoDBClient();
    for (const pk of ['a', 'b']) {
      await ddb.send(new PutItemCommand({ TableName: table.tableName, Item: { pk: { S: pk }, v: { N: '1' } } }));
      await ddb.send(new UpdateItemCommand({ TableName: table.tableName, Key: { pk: { S: pk } }, UpdateExpression: 'SET v = :v', ExpressionAttributeValues: { ':v': { N: '2' } } }));
      await ddb.send(new DeleteItemCommand({ TableName: table.tableName, Key: { pk: { S: pk } } }));
    }
    const changes = await dynamoChanges(table.streamArn);
    expect(changes.map((c) => c.eventName)).toEqual(['INSERT', 'MODIFY', 'REMOVE', 'INSERT', 'MODIFY', 'REMOVE']);
    const watch = new CheckpointWatch(bed.db, uuid);
    onTestFinished(() => watch.close());
    // The last change (REMOVE b) is rejected: the checkpoint still reaches it.
    await watch.until((checkpoints) => checkpoints.get(changes[5]!.shardId) === changes[5]!.sequenceNumber, 'checkpoint at the REMOVE of b');
    expect(bed.router.records<DynamoEvent>(table.streamArn).map((r) => `${r.eventName} ${r.dynamodb.Keys.pk!.S}`)).toEqual(['INSERT a', 'INSERT b']);
    await watch.expectNeverBackwards();
  });
});
