/** Lambda's synchronous invocation payload limit: 6 MB of `{"Records":[...]}` in UTF-8 (sqs.md §4, streams.md §8). */
export const MAX_PAYLOAD_BYTES = 6_291_456;
/** Bytes of `{"Records":[]}` around the records of a payload. */
export const PAYLOAD_ENVELOPE_BYTES = Buffer.byteLength('{"Records":[]}');
