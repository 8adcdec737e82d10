/**
 * filtering.md §8, every row: the pattern goes through compileFilterCriteria
 * with its source kind, the record through that source's view function.
 */
import { describe, expect, it } from 'vitest';
import {
  compileFilterCriteria,
  dynamodbFilterView,
  kinesisFilterView,
  sqsFilterView,
  type FilterSourceKind,
} from '../../../src/filtering/index.js';
import { dynamodbRecord, kinesisRecord, sqsRecord } from './records.js';

interface Example {
  readonly n: number;
  readonly source: FilterSourceKind;
  readonly pattern: string;
  /** Records as delivered, with the expected result for each. */
  readonly records: readonly (readonly [record: object, match: boolean])[];
}

function viewOf(source: FilterSourceKind, record: object): unknown {
  switch (source) {
    case 'sqs':
      return sqsFilterView(record as ReturnType<typeof sqsRecord>);
    case 'kinesis':
      return kinesisFilterView(record as ReturnType<typeof kinesisRecord>);
    case 'dynamodb':
      return dynamodbFilterView(record);
  }
}

const sqs = (n: number, pattern: string, body: string, match: boolean): Example => ({
  n,
  source: 'sqs',
  pattern,
  records: [[sqsRecord(body), match]],
});

const kinesis = (n: number, pattern: string, record: object, match: boolean): Example => ({
  n,
  source: 'kinesis',
  pattern,
  records: [[record, match]],
});

const presentKey = dynamodbRecord('INSERT', { NewImage: { presentKey: { S: 'presentValue' } } });

const EXAMPLES: readonly Example[] = [
  sqs(1, '{"body": {"my-key": ["my-value"]}}', '{"my-key": "my-value"}', true),
  sqs(2, '{"body": {"my-key": ["my-value"]}}', 'my-value', false),
  sqs(3, '{"body": {"my-key": ["my-value", "other"]}}', '{"my-key": "other"}', true),
  sqs(4, '{"body": {"a": ["x"], "b": ["y"]}}', '{"a": "x", "b": "z"}', false),
  sqs(5, '{"body": {"price": [{"numeric": [">", 100]}]}}', '{"price": 101}', true),
  sqs(6, '{"body": {"price": [{"numeric": [">", 100]}]}}', '{"price": "101"}', false),
  {
    n: 7,
    source: 'sqs',
    pattern: '{"body": {"price": [{"numeric": [">=", 100, "<", 200]}]}}',
    records: [
      [sqsRecord('{"price": 200}'), false],
      [sqsRecord('{"price": 100}'), true],
    ],
  },
  sqs(8, '{"body": {"status": [{"prefix": "yes"}]}}', '{"status": "yes-please"}', true),
  sqs(9, '{"body": ["Hello"]}', 'Hello', true),
  sqs(10, '{"body": ["Hello"]}', '{"greeting": "Hello"}', false),
  sqs(11, '{"body": [{"prefix": "Result: "}]}', 'Result: ok', true),
  sqs(12, '{"body": {"tags": ["red"]}}', '{"tags": ["blue", "red"]}', true),
  sqs(13, '{"body": {"user": {"id": [{"exists": true}]}}}', '{"user": {"name": "a"}}', false),
  sqs(14, '{"body": {"user": [{"exists": true}]}}', '{"user": {"id": 7}}', false),
  sqs(15, '{"body": {"deleted": [{"exists": false}]}}', '{"name": "a"}', true),
  sqs(16, '{"body": {"state": [{"anything-but": ["Raining", "Snowing"]}]}}', '{"state": "Sunny"}', true),
  sqs(17, '{"body": {"state": [{"anything-but": ["Raining"]}]}}', '{"city": "Oslo"}', false),
  sqs(18, '{"body": {"name": [{"equals-ignore-case": "alice"}]}}', '{"name": "ALICE"}', true),
  sqs(19, '{"body": {"file": [{"suffix": ".png"}]}}', '{"file": "photo.PNG"}', false),
  sqs(20, '{"body": {"middle": [null]}}', '{"first": "Ann"}', false),
  sqs(21, '{"body": {"last": [""]}}', '{"last": ""}', true),
  sqs(22, '{"$or": [{"body": {"a": ["1"]}}, {"body": {"b": ["2"]}}]}', '{"b": "2"}', true),
  {
    n: 23,
    source: 'sqs',
    pattern: '{"attributes": {"MessageGroupId": ["orders"]}}',
    records: [
      [
        sqsRecord('Test message.', {
          attributes: {
            ApproximateReceiveCount: '1',
            SentTimestamp: '1573251510774',
            SequenceNumber: '18849496460467696128',
            MessageGroupId: 'orders',
            SenderId: 'AIDAIO23YVJENQZJOL4VO',
            MessageDeduplicationId: '1',
            ApproximateFirstReceiveTimestamp: '1573251510774',
          },
          eventSourceARN: 'arn:aws:sqs:us-east-2:123456789012:fifo.fifo',
        }),
        true,
      ],
    ],
  },
  {
    n: 24,
    source: 'sqs',
    pattern: '{"messageAttributes": {"Author": {"stringValue": ["John Grisham"]}}}',
    records: [
      [
        sqsRecord('{"foo": "bar"}', {
          messageAttributes: {
            Author: {
              stringValue: 'John Grisham',
              stringListValues: [],
              binaryListValues: [],
              dataType: 'String',
            },
          },
          md5OfMessageAttributes: 'd25a6aea97eb8f585bfa92d314504a92',
        }),
        true,
      ],
    ],
  },
  sqs(25, '{"body": {"n": [300]}}', '{"n": 300.0}', true),
  kinesis(
    26,
    '{"data": {"event_type": ["function_1"]}}',
    kinesisRecord('{"event_type": "function_1", "temperature": 21.5}'),
    true,
  ),
  kinesis(27, '{"data": {"event_type": ["function_1"]}}', kinesisRecord('hello'), false),
  kinesis(28, '{"data": {"temperature": [{"numeric": [">", 20]}]}}', kinesisRecord('{"temperature": 21.5}'), true),
  kinesis(29, '{"partitionKey": ["test_0"]}', kinesisRecord('hello', 'test_0'), true),
  kinesis(30, '{"kinesis": {"partitionKey": ["test_0"]}}', kinesisRecord('hello', 'test_0'), false),
  { n: 31, source: 'dynamodb', pattern: '{"eventName": ["INSERT"]}', records: [[dynamodbRecord('MODIFY'), false]] },
  {
    n: 32,
    source: 'dynamodb',
    pattern: '{"eventName": ["INSERT", "MODIFY"]}',
    records: [
      [dynamodbRecord('INSERT'), true],
      [dynamodbRecord('MODIFY'), true],
    ],
  },
  {
    n: 33,
    source: 'dynamodb',
    pattern: '{"eventName": ["INSERT"], "eventSource": ["aws:dynamodb"]}',
    records: [[dynamodbRecord('INSERT'), true]],
  },
  {
    n: 34,
    source: 'dynamodb',
    pattern: '{"dynamodb": {"NewImage": {"presentKey": {"S": ["presentValue"]}}}}',
    records: [[presentKey, true]],
  },
  {
    n: 35,
    source: 'dynamodb',
    pattern: '{"dynamodb": {"NewImage": {"presentKey": ["presentValue"]}}}',
    records: [[presentKey, false]],
  },
  {
    n: 36,
    source: 'dynamodb',
    pattern: '{"dynamodb": {"NewImage": {"presentKey": {"S": [{"exists": true}]}}}}',
    records: [[presentKey, true]],
  },
  {
    n: 37,
    source: 'dynamodb',
    pattern: '{"dynamodb": {"NewImage": {"presentKey": [{"exists": false}]}}}',
    records: [
      [dynamodbRecord('INSERT', { NewImage: { presentKey: { S: 'x' } } }), true],
      [dynamodbRecord('INSERT', { NewImage: { other: { S: 'x' } } }), true],
    ],
  },
  {
    n: 38,
    source: 'dynamodb',
    pattern: '{"dynamodb": {"NewImage": {"count": {"N": [{"numeric": [">", 100]}]}}}}',
    records: [[dynamodbRecord('INSERT', { NewImage: { count: { N: '101' } } }), false]],
  },
  {
    n: 39,
    source: 'dynamodb',
    pattern: '{"dynamodb": {"NewImage": {"count": {"N": [{"anything-but": "101"}]}}}}',
    records: [[dynamodbRecord('INSERT', { NewImage: { count: { N: '101' } } }), false]],
  },
  {
    n: 40,
    source: 'dynamodb',
    pattern: '{"dynamodb": {"ApproximateCreationDateTime": [{"numeric": [">", 0]}]}}',
    records: [
      [dynamodbRecord('INSERT'), true],
      [dynamodbRecord('REMOVE', { OldImage: { id: { S: 'id_value' } } }), true],
    ],
  },
  {
    n: 41,
    source: 'dynamodb',
    pattern: '{"dynamodb": {"NewImage": {"Organizations": {"L": {"S": [{"exists": true}]}}}}}',
    records: [[dynamodbRecord('INSERT', { NewImage: { Organizations: { L: [{ S: 'a' }, { S: 'b' }] } } }), true]],
  },
  {
    n: 42,
    source: 'dynamodb',
    pattern: '{"dynamodb": {"Keys": {"pk": {"S": [{"prefix": "user#"}]}}}}',
    records: [[dynamodbRecord('INSERT', { Keys: { pk: { S: 'user#42' } } }), true]],
  },
];

describe('§8 worked examples', () => {
  it('covers all 42 rows', () => {
    expect(EXAMPLES.map((e) => e.n)).toEqual(Array.from({ length: 42 }, (_, i) => i + 1));
  });

  for (const example of EXAMPLES) {
    it(`#${example.n} ${example.source} ${example.pattern}`, () => {
      const compiled = compileFilterCriteria([{ Pattern: example.pattern }], { source: example.source });
      for (const [record, expected] of example.records) {
        const before = JSON.stringify(record);
        expect(compiled.matches(viewOf(example.source, record))).toBe(expected);
        // The view is for matching only; the delivered record is untouched (§7).
        expect(JSON.stringify(record)).toBe(before);
      }
    });
  }
});
