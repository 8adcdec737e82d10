/** filtering.md §5: what each source's record looks like to the matcher. */
import { describe, expect, it } from 'vitest';
import {
  compileFilterCriteria,
  dynamodbFilterView,
  kinesisDataForMatching,
  kinesisFilterView,
  sqsBodyForMatching,
  sqsFilterView,
} from '../../../src/filtering/index.js';
import { dynamodbRecord, kinesisRecord, sqsRecord } from './records.js';

describe('SQS view (§5.1)', () => {
  it('presents every record field, with a JSON-object body parsed', () => {
    const record = sqsRecord('{"foo": "bar"}', { md5OfMessageAttributes: 'd25a' });
    const view = sqsFilterView(record);
    expect(view).toEqual({ ...record, body: { foo: 'bar' } });
    expect(Object.keys(view)).toEqual(Object.keys(record));
    expect(record.body).toBe('{"foo": "bar"}');
  });

  it.each([
    ['plain text', 'Test message.'],
    ['a JSON string', '"hello"'],
    ['a JSON number', '42'],
    ['JSON true', 'true'],
    ['JSON null', 'null'],
    ['a JSON array', '[{"a": 1}]'],
    ['broken JSON', '{"a": 1'],
    ['an object with a trailing word', '{"a": 1} x'],
    ['the empty string', ''],
    ['a BOM before an object', '\uFEFF{"a": 1}'],
  ])('keeps the raw string for %s', (_what, body) => {
    expect(sqsBodyForMatching(body)).toBe(body);
  });

  it('parses an object surrounded by JSON whitespace', () => {
    expect(sqsBodyForMatching(' \n\t{"a": [1, {"b": null}]}\r\n')).toEqual({ a: [1, { b: null }] });
  });

  it('applies the §5.1 table', () => {
    const plain = sqsFilterView(sqsRecord('Hello'));
    const json = sqsFilterView(sqsRecord('{"a": "x"}'));
    const list = compileFilterCriteria([{ Pattern: '{"body": ["Hello"]}' }], 'sqs');
    const noBody = compileFilterCriteria([{ Pattern: '{"eventSource": ["aws:sqs"]}' }], 'sqs');
    const object = compileFilterCriteria([{ Pattern: '{"body": {"a": ["x"]}}' }], 'sqs');
    const objectExistsFalse = compileFilterCriteria([{ Pattern: '{"body": {"z": [{"exists": false}]}}' }], 'sqs');

    expect(list.matches(plain)).toBe(true);
    expect(noBody.matches(plain)).toBe(true);
    expect(object.matches(plain)).toBe(false);
    // "plain string | object → no match", even for a pattern only asking for absence.
    expect(objectExistsFalse.matches(plain)).toBe(false);

    expect(list.matches(json)).toBe(false);
    expect(noBody.matches(json)).toBe(true);
    expect(object.matches(json)).toBe(true);
    expect(objectExistsFalse.matches(json)).toBe(true);
  });

  it('matches a JSON-array body only as its raw text (chosen)', () => {
    const view = sqsFilterView(sqsRecord('["red"]'));
    expect(compileFilterCriteria([{ Pattern: '{"body": ["red"]}' }]).matches(view)).toBe(false);
    expect(compileFilterCriteria([{ Pattern: '{"body": ["[\\"red\\"]"]}' }]).matches(view)).toBe(true);
  });
});

describe('Kinesis view (§5.2)', () => {
  it('is flat: kinesis fields and metadata side by side, data decoded', () => {
    const record = kinesisRecord('{"event_type": "function_1", "temperature": 21.5}');
    const view = kinesisFilterView(record);
    expect(view).toEqual({
      kinesisSchemaVersion: '1.0',
      partitionKey: '1',
      sequenceNumber: '49590338271490256608559692538361571095921575989136588898',
      data: { event_type: 'function_1', temperature: 21.5 },
      approximateArrivalTimestamp: 1545084650.987,
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: 'shardId-000000000006:49590338271490256608559692538361571095921575989136588898',
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: 'arn:aws:iam::123456789012:role/lambda-role',
      awsRegion: 'us-east-2',
      eventSourceARN: 'arn:aws:kinesis:us-east-2:123456789012:stream/lambda-stream',
    });
    // Same key order as the spec's example.
    expect(Object.keys(view).slice(0, 5)).toEqual([
      'kinesisSchemaVersion',
      'partitionKey',
      'sequenceNumber',
      'data',
      'approximateArrivalTimestamp',
    ]);
    expect('kinesis' in view).toBe(false);
    // The delivered record keeps its base64 data.
    expect(record.kinesis.data).toBe(
      Buffer.from('{"event_type": "function_1", "temperature": 21.5}').toString('base64'),
    );
  });

  it.each([
    ['plain text', Buffer.from('hello')],
    ['a JSON array', Buffer.from('[1, 2]')],
    ['a JSON string', Buffer.from('"x"')],
    ['a JSON number', Buffer.from('7')],
    ['JSON null', Buffer.from('null')],
    ['bytes that are not UTF-8', Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0xff, 0x7d])],
    ['UTF-8 with a BOM', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a": 1}')])],
    ['no bytes', Buffer.alloc(0)],
  ])('keeps the original base64 for %s', (_what, bytes) => {
    const base64 = bytes.toString('base64');
    expect(kinesisDataForMatching(base64)).toBe(base64);
  });

  it('decodes UTF-8 text beyond ASCII', () => {
    const base64 = Buffer.from('{"city": "Zürich 🚀"}').toString('base64');
    expect(kinesisDataForMatching(base64)).toEqual({ city: 'Zürich 🚀' });
  });

  it('applies the §5.4 table', () => {
    const json = kinesisFilterView(kinesisRecord('{"t": 1}', 'pk'));
    const notJson = kinesisFilterView(kinesisRecord('hello', 'pk'));
    const named = compileFilterCriteria([{ Pattern: '{"data": {"t": [1]}}' }], 'kinesis');
    const namedAbsence = compileFilterCriteria([{ Pattern: '{"data": {"z": [{"exists": false}]}}' }], 'kinesis');
    const other = compileFilterCriteria([{ Pattern: '{"partitionKey": ["pk"]}' }], 'kinesis');
    const dataPresent = compileFilterCriteria([{ Pattern: '{"partitionKey": ["pk"]}' }, { Pattern: '{"data": {"t": [1]}}' }], 'kinesis');

    expect(named.matches(json)).toBe(true);
    expect(other.matches(json)).toBe(true);
    // Not a JSON object: every filter naming data fails, even one asking for absence.
    expect(named.matches(notJson)).toBe(false);
    expect(namedAbsence.matches(notJson)).toBe(false);
    expect(namedAbsence.matches(json)).toBe(true);
    expect(other.matches(notJson)).toBe(true);
    // OR across filters still lets the other filter keep it.
    expect(dataPresent.matches(notJson)).toBe(true);
  });

  it('shows non-JSON data as the base64 string to filters that do not name it as data', () => {
    const record = kinesisRecord('hello');
    const view = kinesisFilterView(record);
    expect(view['data']).toBe(record.kinesis.data);
  });
});

describe('DynamoDB view (§5.3)', () => {
  it('is the record exactly as delivered', () => {
    const record = dynamodbRecord('INSERT', { NewImage: { n: { N: '5' } } });
    expect(dynamodbFilterView(record)).toBe(record);
  });

  it('keeps the type level and N as a string', () => {
    const view = dynamodbFilterView(dynamodbRecord('INSERT', { NewImage: { n: { N: '5' } } }));
    const byString = compileFilterCriteria([{ Pattern: '{"dynamodb": {"NewImage": {"n": {"N": ["5"]}}}}' }], 'dynamodb');
    const byNumber = compileFilterCriteria([{ Pattern: '{"dynamodb": {"NewImage": {"n": {"N": [5]}}}}' }], 'dynamodb');
    const byPrefix = compileFilterCriteria([{ Pattern: '{"dynamodb": {"NewImage": {"n": {"N": [{"prefix": "5"}]}}}}' }], 'dynamodb');
    expect(byString.matches(view)).toBe(true);
    expect(byNumber.matches(view)).toBe(false);
    expect(byPrefix.matches(view)).toBe(true);
  });
});
