/**
 * The body of `POST /sluice/v1/event-source-mappings/{UUID}/rewind` (issue #16), checked
 * into what a rewind moves each shard to. Either a position for every shard of the stream,
 *
 *   {"Position": "TRIM_HORIZON" | "LATEST"}
 *   {"Position": "AT_TIMESTAMP", "Timestamp": <epoch seconds>}          (Kinesis only)
 *
 * or explicit shards, each resuming AFTER the record named (the shards not named keep their
 * checkpoint):
 *
 *   {"Shards": {"<shardId>": "<sequenceNumber>", ...}}
 *
 * Every refusal is an InvalidParameterValueException (400) whose message says what to send
 * instead; an unparsable body is InvalidRequestContentException, as for Lambda's own routes.
 */
import { invalidParameter, invalidRequestContent } from './errors.js';

export type RewindPosition = 'TRIM_HORIZON' | 'LATEST' | 'AT_TIMESTAMP';

/** What was asked, as stored with the rewind and answered by GET (the body's own member names). */
export interface RewindRequest {
  Position?: RewindPosition;
  /** Epoch seconds (AT_TIMESTAMP only). */
  Timestamp?: number;
  Shards?: Record<string, string>;
}

const POSITIONS: readonly RewindPosition[] = ['TRIM_HORIZON', 'LATEST', 'AT_TIMESTAMP'];
const SEQUENCE_NUMBER = /^[0-9]{1,128}$/;
/** At most this many shards named in one request (chosen: far above a stream's shard count, bounds the work of one request). */
export const MAX_REWIND_SHARDS = 10_000;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

export interface RewindRequestContext {
  sourceType: 'kinesis' | 'dynamodb';
  nowSeconds: number;
}

/** Parses and checks the body (not yet against the stream's shards: RewindService does that). */
export function parseRewindRequest(bodyText: string, context: RewindRequestContext): RewindRequest {
  let body: unknown;
  try {
    body = JSON.parse(bodyText === '' ? '{}' : bodyText);
  } catch (error) {
    throw invalidRequestContent((error as Error).message);
  }
  if (!isObject(body)) throw invalidRequestContent('the body must be a JSON object');
  const { Position, Timestamp, Shards } = body;
  const both = Position !== undefined && Shards !== undefined;
  if (both || (Position === undefined && Shards === undefined)) {
    throw invalidParameter(
      `${both ? 'Both Position and Shards' : 'Neither Position nor Shards'} given: send either {"Position": "TRIM_HORIZON" | "LATEST" | "AT_TIMESTAMP", "Timestamp": <epoch seconds>} or {"Shards": {"<shardId>": "<sequenceNumber>"}}.`,
    );
  }
  if (Shards !== undefined) {
    if (Timestamp !== undefined) throw invalidParameter('Timestamp goes with Position AT_TIMESTAMP, not with Shards.');
    return { Shards: parseShards(Shards) };
  }
  if (typeof Position !== 'string' || !POSITIONS.includes(Position as RewindPosition)) {
    throw invalidParameter(`Position must be one of ${POSITIONS.join(', ')} (got ${JSON.stringify(Position)}).`);
  }
  const position = Position as RewindPosition;
  if (position !== 'AT_TIMESTAMP') {
    if (Timestamp !== undefined) throw invalidParameter(`Timestamp goes with Position AT_TIMESTAMP only, not with ${position}.`);
    return { Position: position };
  }
  // Lambda's StartingPosition AT_TIMESTAMP is Kinesis only; DynamoDB Streams has no such iterator.
  if (context.sourceType !== 'kinesis') throw invalidParameter('Position AT_TIMESTAMP is supported for Kinesis streams only (DynamoDB Streams has no timestamp iterator); use TRIM_HORIZON, LATEST or Shards.');
  if (Timestamp === undefined) throw invalidParameter('Position AT_TIMESTAMP needs a Timestamp (epoch seconds).');
  if (typeof Timestamp !== 'number' || !Number.isFinite(Timestamp) || Timestamp < 0) {
    throw invalidParameter(`Timestamp must be a number of seconds since the epoch (got ${JSON.stringify(Timestamp)}).`);
  }
  // As Lambda's StartingPositionTimestamp (api.md V-rules): a future time would skip what has not been written yet.
  if (Timestamp > context.nowSeconds) throw invalidParameter('Timestamp cannot be in the future.');
  return { Position: 'AT_TIMESTAMP', Timestamp };
}

function parseShards(value: unknown): Record<string, string> {
  if (!isObject(value)) throw invalidParameter('Shards must be an object of shard id to sequence number, e.g. {"shardId-000000000000": "4959..."}.');
  const entries = Object.entries(value);
  if (entries.length === 0) throw invalidParameter('Shards names no shard.');
  if (entries.length > MAX_REWIND_SHARDS) throw invalidParameter(`Shards names ${entries.length} shards; at most ${MAX_REWIND_SHARDS}.`);
  const shards: Record<string, string> = {};
  for (const [shardId, sequenceNumber] of entries) {
    if (shardId === '') throw invalidParameter('Shards has an empty shard id.');
    if (typeof sequenceNumber !== 'string' || !SEQUENCE_NUMBER.test(sequenceNumber)) {
      throw invalidParameter(`Shards.${shardId} must be a sequence number (a string of decimal digits), got ${JSON.stringify(sequenceNumber)}.`);
    }
    shards[shardId] = sequenceNumber;
  }
  return shards;
}
