/**
 * Stream positions as Sluice stores them (streams.md §3, §5). Kinesis and DynamoDB
 * Streams sequence numbers are decimal strings that exceed 2^53, so they are compared as
 * arbitrary-precision integers: leading zeros aside, by length, then digit by digit. They
 * are stored exactly as the service gave them: DynamoDB Local pads them with zeros (e.g.
 * `000000000000000000003`) and refuses them unpadded. The Lua scripts (redis-scripts.ts)
 * compare the same way.
 */

/** Checkpoint of a shard read to its end with every record done; it releases the children. */
export const SHARD_END = 'SHARD_END';

/**
 * Pinned LATEST position of a shard that was open and empty when the mapping was created:
 * every record it will ever hold came after the Create call, so read it from its start.
 */
export const SHARD_START = 'SHARD_START';

const DECIMAL = /^[0-9]+$/;

/** A sequence number was not a decimal string. */
export class InvalidSequenceNumberError extends Error {
  override readonly name = 'InvalidSequenceNumberError';
  readonly code = 'SLUICE_ERR_INVALID_SEQUENCE_NUMBER';

  constructor(readonly value: string) {
    super(`Not a sequence number (a decimal string): ${JSON.stringify(value)}`);
  }
}

export function isSequenceNumber(value: string): boolean {
  return DECIMAL.test(value);
}

/** Throws InvalidSequenceNumberError unless `value` is a sequence number. */
export function assertSequenceNumber(value: string): void {
  if (!isSequenceNumber(value)) throw new InvalidSequenceNumberError(value);
}

/**
 * Compares two sequence numbers as integers: negative when a < b, 0 when equal, positive
 * when a > b. Throws InvalidSequenceNumberError for anything else (SHARD_END included).
 */
export function compareSequenceNumbers(a: string, b: string): number {
  assertSequenceNumber(a);
  assertSequenceNumber(b);
  const x = withoutLeadingZeros(a);
  const y = withoutLeadingZeros(b);
  if (x.length !== y.length) return x.length < y.length ? -1 : 1;
  return x < y ? -1 : x > y ? 1 : 0;
}

function withoutLeadingZeros(value: string): string {
  const stripped = value.replace(/^0+/, '');
  return stripped === '' ? '0' : stripped;
}
