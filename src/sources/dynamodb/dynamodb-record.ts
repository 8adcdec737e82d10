/**
 * A DynamoDB stream record as Lambda delivers it (streams.md §9.2): `eventID, eventName,
 * eventVersion "1.1", eventSource, awsRegion, dynamodb, eventSourceARN`, then
 * `userIdentity` when the stream record has one (TTL deletions). Inside `dynamodb` the
 * order AWS sends today: ApproximateCreationDateTime (epoch seconds), Keys, NewImage,
 * OldImage, SequenceNumber, SizeBytes, StreamViewType, each only when the record has it.
 * Attribute values stay typed JSON with binary values in base64.
 */
import type { _Record as DynamodbStreamRecord, AttributeValue } from '@aws-sdk/client-dynamodb-streams';

/** DynamoDB typed JSON: `{"S": "x"}`, `{"N": "1"}`, `{"B": "<base64>"}`, `{"M": {...}}`, ... */
export type TypedValue = { readonly [type: string]: unknown };
export type TypedItem = Record<string, TypedValue>;

export type DynamodbEventRecord = {
  eventID: string;
  eventName: string;
  eventVersion: '1.1';
  eventSource: 'aws:dynamodb';
  awsRegion: string;
  dynamodb: {
    ApproximateCreationDateTime?: number;
    Keys?: TypedItem;
    NewImage?: TypedItem;
    OldImage?: TypedItem;
    SequenceNumber: string;
    SizeBytes?: number;
    StreamViewType?: string;
  };
  eventSourceARN: string;
  userIdentity?: { type: string; principalId: string };
};

export interface DynamodbEventContext {
  streamArn: string;
  /** Region of the stream ARN (`ddblocal` for DynamoDB Local). */
  awsRegion: string;
}

const base64 = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');

/** An SDK AttributeValue back to the typed JSON the stream sent (binary as base64). */
export function toTypedValue(value: AttributeValue): TypedValue {
  if (value.B !== undefined) return { B: base64(value.B) };
  if (value.BS !== undefined) return { BS: value.BS.map(base64) };
  if (value.L !== undefined) return { L: value.L.map(toTypedValue) };
  if (value.M !== undefined) return { M: toTypedItem(value.M) };
  if (value.$unknown !== undefined) {
    const [type, raw] = value.$unknown as [string, unknown];
    return { [type]: raw };
  }
  // S, N, SS, NS, BOOL, NULL: already JSON; copy the one member the SDK set.
  const out: Record<string, unknown> = {};
  for (const [type, raw] of Object.entries(value)) if (raw !== undefined) out[type] = raw;
  return out;
}

export function toTypedItem(item: Record<string, AttributeValue>): TypedItem {
  const out: TypedItem = {};
  for (const [name, value] of Object.entries(item)) out[name] = toTypedValue(value);
  return out;
}

export function toDynamodbEventRecord(record: DynamodbStreamRecord, context: DynamodbEventContext): DynamodbEventRecord {
  const stream = record.dynamodb ?? {};
  const dynamodb: DynamodbEventRecord['dynamodb'] = {
    ...(stream.ApproximateCreationDateTime ? { ApproximateCreationDateTime: stream.ApproximateCreationDateTime.getTime() / 1000 } : {}),
    ...(stream.Keys ? { Keys: toTypedItem(stream.Keys) } : {}),
    ...(stream.NewImage ? { NewImage: toTypedItem(stream.NewImage) } : {}),
    ...(stream.OldImage ? { OldImage: toTypedItem(stream.OldImage) } : {}),
    SequenceNumber: stream.SequenceNumber ?? '',
    ...(stream.SizeBytes !== undefined ? { SizeBytes: stream.SizeBytes } : {}),
    ...(stream.StreamViewType !== undefined ? { StreamViewType: stream.StreamViewType } : {}),
  };
  const event: DynamodbEventRecord = {
    eventID: record.eventID ?? '',
    eventName: record.eventName ?? '',
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: context.awsRegion,
    dynamodb,
    eventSourceARN: context.streamArn,
  };
  if (record.userIdentity) {
    event.userIdentity = { type: record.userIdentity.Type ?? '', principalId: record.userIdentity.PrincipalId ?? '' };
  }
  return event;
}

/**
 * The lane key of §7: the JSON text of the typed hash-key value in `Keys`
 * (`{"S":"abc"}`); '' when the hash key is unknown or missing from the record.
 */
export function dynamodbLaneKey(event: DynamodbEventRecord, hashKey: string | undefined): string {
  const value = hashKey === undefined ? undefined : event.dynamodb.Keys?.[hashKey];
  return value === undefined ? '' : JSON.stringify(value);
}
