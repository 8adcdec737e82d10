/**
 * ParallelizationFactor lanes (streams.md §7): a shard is processed as PF lanes, and a
 * record goes to lane `u32be(MD5(key)[0..4]) mod PF`, `key` being the record's partition
 * key as UTF-8 (Kinesis `partitionKey`; DynamoDB the JSON of the typed hash-key value).
 * The formula is Sluice's choice; what matters is that every process computes the same
 * lane, so records of one key are never processed concurrently or out of order.
 */
import { createHash } from 'node:crypto';

export function laneOf(partitionKey: string, parallelizationFactor: number): number {
  if (parallelizationFactor <= 1) return 0;
  const digest = createHash('md5').update(partitionKey, 'utf8').digest();
  return digest.readUInt32BE(0) % parallelizationFactor;
}
