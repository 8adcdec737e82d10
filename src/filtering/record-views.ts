/**
 * What the matcher sees of each source's record (§5). Views are built for
 * matching only: the record delivered to the target is never altered, so each
 * function returns a new object and leaves its input untouched.
 */
import { parseJsonObject } from './json-value.js';

/** The part of an SQS event record (sqs.md §5) the view depends on. */
export interface SqsRecordLike {
  readonly body: string;
}

/** The part of a Kinesis event record (streams.md §9.1) the view depends on. */
export interface KinesisRecordLike {
  readonly kinesis: { readonly data: string };
}

/** SQS `body` as filters see it: the parsed object when it is a JSON object, else the raw text (§5.1). */
export function sqsBodyForMatching(body: string): unknown {
  return parseJsonObject(body) ?? body;
}

/** The SQS record with `body` parsed as §5.1 says; every other field as delivered. */
export function sqsFilterView<T extends SqsRecordLike>(message: T): Record<string, unknown> {
  // Copy into an index-signature object: record interfaces carry no index signature.
  const view: Record<string, unknown> = {};
  Object.assign(view, message);
  view['body'] = sqsBodyForMatching(message.body);
  return view;
}

// fatal: bytes that are not UTF-8 make the data "not JSON" (§5.2) instead of
// being patched with U+FFFD. ignoreBOM: a leading BOM is kept, so such data is
// not JSON either (chosen: nothing is trimmed or normalised, §4).
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Kinesis `data` as filters see it: base64-decoded, read as UTF-8 and parsed;
 * the object when it is a JSON object, otherwise the original base64 string
 * (§5.2). A pattern's `data` must be an object (V37), and an object pattern
 * never matches a string, so every filter naming `data` then fails.
 */
export function kinesisDataForMatching(base64: string): unknown {
  let text: string;
  try {
    text = strictUtf8.decode(Buffer.from(base64, 'base64'));
  } catch {
    return base64;
  }
  return parseJsonObject(text) ?? base64;
}

/**
 * The flat Kinesis view of §5.2: the `kinesis` fields and the record's
 * metadata side by side, with `data` decoded. There is no nested `kinesis`
 * key, so `{"kinesis": {...}}` patterns find nothing (chosen).
 */
export function kinesisFilterView<T extends KinesisRecordLike>(record: T): Record<string, unknown> {
  const { kinesis, ...metadata } = record;
  // Assigning `data` last keeps its position from `kinesis` but guarantees the
  // decoded value wins over anything of the same name.
  return { ...kinesis, ...metadata, data: kinesisDataForMatching(kinesis.data) };
}

/**
 * DynamoDB Streams records are matched exactly as delivered (§5.3): attribute
 * values keep their type level (`{"S": ...}`), and `N` stays a string.
 */
export function dynamodbFilterView<T extends object>(record: T): T {
  return record;
}
