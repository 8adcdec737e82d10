/** DynamoDB stream records to Lambda's event shape (streams.md §9.2) and their lane key (§7). */
import type { _Record as DynamodbStreamRecord, AttributeValue } from '@aws-sdk/client-dynamodb-streams';
import { describe, expect, it } from 'vitest';
import { dynamodbLaneKey, toDynamodbEventRecord, toTypedValue } from '../../../../src/sources/dynamodb/dynamodb-record.js';

const streamArn = 'arn:aws:dynamodb:us-east-1:123456789012:table/my-table/stream/2025-11-25T15:47:00.000';
const context = { streamArn, awsRegion: 'us-east-1' };

// The MODIFY record of §9.2 ("what AWS sends today"), as text.
const awsModify = `{
  "eventID": "eccbc87e4b5ce2fe28308fd9f2a7baf3",
  "eventName": "MODIFY",
  "eventVersion": "1.1",
  "eventSource": "aws:dynamodb",
  "awsRegion": "us-east-1",
  "dynamodb": {
    "ApproximateCreationDateTime": 1732500001.0,
    "Keys": {"id": {"S": "id_value"}},
    "NewImage": {"id2": {"S": "id2_new_value"}, "id": {"S": "id_value"}},
    "OldImage": {"id": {"S": "id_value"}},
    "SequenceNumber": "200000000000000000002",
    "SizeBytes": 46,
    "StreamViewType": "NEW_AND_OLD_IMAGES"
  },
  "eventSourceARN": "${streamArn}"
}`;

/** As the SDK hands it over: Dates, typed unions, keys in whatever order. */
function sdkModify(): DynamodbStreamRecord {
  return {
    awsRegion: 'us-east-1',
    eventSource: 'aws:dynamodb',
    eventVersion: '1.1',
    eventName: 'MODIFY',
    eventID: 'eccbc87e4b5ce2fe28308fd9f2a7baf3',
    dynamodb: {
      StreamViewType: 'NEW_AND_OLD_IMAGES',
      SizeBytes: 46,
      SequenceNumber: '200000000000000000002',
      OldImage: { id: { S: 'id_value' } },
      NewImage: { id2: { S: 'id2_new_value' }, id: { S: 'id_value' } },
      Keys: { id: { S: 'id_value' } },
      ApproximateCreationDateTime: new Date(1732500001000),
    },
  };
}

describe('toDynamodbEventRecord', () => {
  it("serialises to AWS's MODIFY example, keys in AWS's order whatever the SDK's", () => {
    expect(JSON.stringify(toDynamodbEventRecord(sdkModify(), context))).toBe(JSON.stringify(JSON.parse(awsModify)));
  });

  it('takes awsRegion and eventSourceARN from the mapping, and always says eventVersion 1.1', () => {
    const event = toDynamodbEventRecord({ ...sdkModify(), awsRegion: 'ddblocal', eventVersion: '1.0' }, context);
    expect(event).toMatchObject({ awsRegion: 'us-east-1', eventVersion: '1.1', eventSourceARN: streamArn });
  });

  it('leaves out what the record lacks: images by view type, userIdentity', () => {
    const record = sdkModify();
    record.eventName = 'REMOVE';
    delete record.dynamodb!.NewImage;
    const remove = toDynamodbEventRecord(record, context);
    expect(Object.keys(remove.dynamodb)).toEqual(['ApproximateCreationDateTime', 'Keys', 'OldImage', 'SequenceNumber', 'SizeBytes', 'StreamViewType']);
    expect(remove).not.toHaveProperty('userIdentity');
    const keysOnly = toDynamodbEventRecord({ eventID: 'x', eventName: 'INSERT', dynamodb: { Keys: { id: { N: '1' } }, SequenceNumber: '1', SizeBytes: 3, StreamViewType: 'KEYS_ONLY' } }, context);
    expect(Object.keys(keysOnly.dynamodb)).toEqual(['Keys', 'SequenceNumber', 'SizeBytes', 'StreamViewType']);
  });

  it('adds userIdentity of a TTL deletion after eventSourceARN, as {type, principalId}', () => {
    const record = { ...sdkModify(), eventName: 'REMOVE' as const, userIdentity: { PrincipalId: 'dynamodb.amazonaws.com', Type: 'Service' } };
    const event = toDynamodbEventRecord(record, context);
    expect(Object.keys(event)).toEqual(['eventID', 'eventName', 'eventVersion', 'eventSource', 'awsRegion', 'dynamodb', 'eventSourceARN', 'userIdentity']);
    expect(JSON.stringify(event.userIdentity)).toBe('{"type":"Service","principalId":"dynamodb.amazonaws.com"}');
  });

  it('prints ApproximateCreationDateTime as epoch seconds', () => {
    const record = sdkModify();
    record.dynamodb!.ApproximateCreationDateTime = new Date(1732500000000);
    expect(JSON.stringify(toDynamodbEventRecord(record, context))).toContain('"ApproximateCreationDateTime":1732500000,');
  });
});

describe('toTypedValue', () => {
  it('gives back typed JSON, binary as base64, nested lists and maps included, member order kept', () => {
    const bytes = (...b: number[]) => Uint8Array.from(b);
    const value: AttributeValue = {
      M: {
        s: { S: 'text' },
        n: { N: '-1.5e3' },
        b: { B: bytes(0, 255) },
        bs: { BS: [bytes(1), bytes(2, 3)] },
        ss: { SS: ['a', 'b'] },
        ns: { NS: ['1', '2'] },
        t: { BOOL: true },
        f: { BOOL: false },
        z: { NULL: true },
        l: { L: [{ B: bytes(9) }, { M: { deep: { L: [] } } }] },
      },
    };
    expect(JSON.stringify(toTypedValue(value))).toBe(
      '{"M":{"s":{"S":"text"},"n":{"N":"-1.5e3"},"b":{"B":"AP8="},"bs":{"BS":["AQ==","AgM="]},"ss":{"SS":["a","b"]},' +
        '"ns":{"NS":["1","2"]},"t":{"BOOL":true},"f":{"BOOL":false},"z":{"NULL":true},"l":{"L":[{"B":"CQ=="},{"M":{"deep":{"L":[]}}}]}}}',
    );
  });

  it('passes a type the SDK does not know through as it came', () => {
    expect(toTypedValue({ $unknown: ['VECTOR', [1, 2]] })).toEqual({ VECTOR: [1, 2] });
  });
});

describe('dynamodbLaneKey', () => {
  const withKeys = (Keys: Record<string, AttributeValue>) =>
    toDynamodbEventRecord({ eventID: 'e', eventName: 'INSERT', dynamodb: { Keys, SequenceNumber: '1' } }, context);

  it('is the JSON text of the typed hash-key value, whatever its type', () => {
    expect(dynamodbLaneKey(withKeys({ sk: { S: 'range' }, id: { S: 'abc' } }), 'id')).toBe('{"S":"abc"}');
    expect(dynamodbLaneKey(withKeys({ id: { N: '101' } }), 'id')).toBe('{"N":"101"}');
    expect(dynamodbLaneKey(withKeys({ id: { B: Uint8Array.from([0, 1]) } }), 'id')).toBe('{"B":"AAE="}');
  });

  it("is '' while the hash key is unknown, or when the record lacks it", () => {
    expect(dynamodbLaneKey(withKeys({ id: { S: 'abc' } }), undefined)).toBe('');
    expect(dynamodbLaneKey(withKeys({ other: { S: 'abc' } }), 'id')).toBe('');
  });
});
