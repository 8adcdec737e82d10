/**
 * Re-reads the records of one on-failure record's range from the stream: GetShardIterator
 * AT_SEQUENCE_NUMBER `startSequenceNumber`, then reads until past `endSequenceNumber`, each
 * record already in the event shape the mapping delivers (the adapters of sources/ build it,
 * so the re-invoked event is the one the mapping built).
 *
 * Which records of the range were the discarded part: those the mapping's FilterCriteria
 * keep (filtered-out records were never in a batch, streams.md §5) and, with
 * ParallelizationFactor > 1, those of the part's lane (§7: a lane's batch interleaves with
 * other lanes' records in the shard, and those succeeded), the lane of its first record (its
 * last when the first is gone). The count is checked against the record's `batchSize`: the
 * shortfall is what the stream no longer holds (trimmed, reported, never skipped silently).
 */
import type { CompiledFilter } from '../filtering/index.js';
import { compareSequenceNumbers } from '../sources/streams/checkpoints/sequence-numbers.js';
import { laneOf } from '../sources/streams/shard/lanes.js';
import { streamErrorKind } from '../sources/streams/stream-errors.js';
import type { StreamRecord, StreamSource } from '../sources/streams/stream-source.js';

export interface RangeToRead {
  shardId: string;
  startSequenceNumber: string;
  endSequenceNumber: string;
  /** Records in the discarded part (the on-failure record's `batchSize`). */
  batchSize: number;
}

export interface ReadSettings {
  parallelizationFactor: number;
  filter?: CompiledFilter;
}

export interface RangeRead {
  /** The part's records still in the stream, in order. */
  records: StreamRecord[];
  /** Records of the part the stream no longer holds (batchSize − found, at least 0). */
  trimmed: number;
  /** Why records are missing, when some are. */
  trimmedBecause?: string;
}

/**
 * Empty reads in a row after which an open shard counts as read to its tip (chosen):
 * DynamoDB Streams may answer empty pages before the records that follow, Kinesis says how
 * far behind the read is (millisBehindLatest 0 = at the tip) and ends sooner.
 */
const EMPTY_READS_AT_TIP = 5;

export async function readRange(source: StreamSource, range: RangeToRead, settings: ReadSettings): Promise<RangeRead> {
  const { shardId, startSequenceNumber: start, endSequenceNumber: end } = range;
  let iterator: string | undefined;
  try {
    iterator = await source.getIterator(shardId, { type: 'AT_SEQUENCE_NUMBER', sequenceNumber: start });
  } catch (error) {
    const kind = streamErrorKind(error);
    // The shard or the position is gone: nothing of the range can be read.
    if (kind === 'trimmed' || kind === 'positionNotFound' || kind === 'notFound') {
      return { records: [], trimmed: range.batchSize, trimmedBecause: `the stream no longer holds ${shardId} at ${start}: ${(error as Error).message}` };
    }
    throw error;
  }
  const inRange: StreamRecord[] = [];
  let emptyReads = 0;
  let past = false;
  while (iterator !== undefined && !past) {
    const page = await source.read(shardId, iterator, source.traits.maxRecordsPerRead);
    iterator = page.nextIterator;
    for (const record of page.records) {
      if (compareSequenceNumbers(record.sequenceNumber, end) > 0) {
        past = true;
        break;
      }
      if (compareSequenceNumbers(record.sequenceNumber, start) >= 0) inRange.push(record);
    }
    if (page.records.length > 0) emptyReads = 0;
    else if (page.millisBehindLatest === 0 || ++emptyReads >= EMPTY_READS_AT_TIP) break;
  }
  const kept = settings.filter && !settings.filter.acceptsAll ? inRange.filter((r) => settings.filter!.matches(source.filterView(r.event))) : inRange;
  const records = sameLane(kept, start, end, settings.parallelizationFactor);
  const trimmed = Math.max(0, range.batchSize - records.length);
  if (trimmed === 0) return { records, trimmed };
  const first = inRange[0]?.sequenceNumber;
  const because =
    first === undefined
      ? `no record of ${start}..${end} is left in ${shardId} (trimmed: older than the stream's retention)`
      : compareSequenceNumbers(first, start) !== 0
        ? `${shardId} starts at ${first} now, after ${start} (the records before were trimmed)`
        : `${records.length} of ${range.batchSize} records of ${start}..${end} found in ${shardId}`;
  return { records, trimmed, trimmedBecause: because };
}

/** The records of the part's lane: the lane of the range's first record, else of its last. */
function sameLane(records: StreamRecord[], start: string, end: string, parallelizationFactor: number): StreamRecord[] {
  if (parallelizationFactor <= 1) return records;
  const at = (sequenceNumber: string) => records.find((r) => compareSequenceNumbers(r.sequenceNumber, sequenceNumber) === 0);
  const anchor = at(start) ?? at(end);
  if (!anchor) return [];
  const lane = laneOf(anchor.partitionKey, parallelizationFactor);
  return records.filter((r) => laneOf(r.partitionKey, parallelizationFactor) === lane);
}
