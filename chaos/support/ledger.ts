/**
 * What the recording target saw, judged against what was produced: lost records,
 * duplicates, per-key order violations, and catch-up times after a fault.
 *
 * A record counts as delivered when an invocation holding it was answered (the function
 * finished it); an invocation cut off by a kill delivered nothing, its records must come
 * again. Order is judged on every invocation that reached the target, in arrival order:
 * at-least-once allows a record to come again (a replay after a failure), but a record
 * must never reach the function before every earlier record of its key reached it at
 * least once (a skip), which is what "in order per key" promises (design.md, Ordering).
 */
import type { RecordedRequest } from '../../test/support/recording-target.js';

export interface DeliveredRecord {
  id: string;
  /** When the target received the invocation. */
  receivedAt: number;
  /** When the target answered it; undefined when the client went away first. */
  answeredAt: number | undefined;
}

type EventRecord = { body?: string; kinesis?: { data: string } };

/** Records of every invocation on `path`, in arrival order, with their ids. */
export function deliveredRecords(requests: readonly RecordedRequest[], path: string): DeliveredRecord[] {
  return requests
    .filter((request) => request.path === path)
    .flatMap((request) => {
      const records = (request.body as { Records?: EventRecord[] } | undefined)?.Records ?? [];
      const answeredAt = request.clientAborted ? undefined : request.respondedAt;
      return records.map((record) => {
        const text = record.kinesis ? Buffer.from(record.kinesis.data, 'base64').toString('utf8') : (record.body ?? '');
        return { id: (JSON.parse(text) as { id: string }).id, receivedAt: request.receivedAt, answeredAt };
      });
    });
}

export interface Verdict {
  produced: number;
  /** Distinct records delivered. */
  delivered: number;
  lost: number;
  /** Deliveries beyond the first, of answered invocations. */
  duplicates: number;
  /** Records that reached the function before an earlier record of their key (streams only). */
  orderViolations: number;
  /** A few lost ids, for a look. */
  lostSample: string[];
}

/**
 * Judges `records` against `produced`. `rankOf` (streams) gives a record's key and its
 * place in that key's order (from the stream's sequence numbers); without it order is
 * not judged (standard SQS promises none).
 */
export function judge(produced: ReadonlyMap<string, number>, records: readonly DeliveredRecord[], rankOf?: (id: string) => { key: string; rank: number }): Verdict {
  const answered = new Map<string, number>();
  for (const record of records) if (record.answeredAt !== undefined) answered.set(record.id, (answered.get(record.id) ?? 0) + 1);
  const lost = [...produced.keys()].filter((id) => !answered.has(id));
  let duplicates = 0;
  for (const count of answered.values()) duplicates += count - 1;

  let orderViolations = 0;
  if (rankOf) {
    // Per key: which ranks reached the function, and the longest prefix 0..n-1 all reached.
    const seen = new Map<string, Set<number>>();
    const prefix = new Map<string, number>();
    for (const record of records) {
      const { key, rank } = rankOf(record.id);
      const ranks = seen.get(key) ?? new Set<number>();
      seen.set(key, ranks);
      let done = prefix.get(key) ?? 0;
      if (!ranks.has(rank) && rank > done) orderViolations++;
      ranks.add(rank);
      while (ranks.has(done)) done++;
      prefix.set(key, done);
    }
  }
  return {
    produced: produced.size,
    delivered: [...produced.keys()].filter((id) => answered.has(id)).length,
    lost: lost.length,
    duplicates,
    orderViolations,
    lostSample: lost.slice(0, 5),
  };
}

/** Each record's place in its key's order, from the stream sequence numbers the producer got. */
export function ranksFromSequenceNumbers(sequenceNumbers: ReadonlyMap<string, string>): (id: string) => { key: string; rank: number } {
  const byKey = new Map<string, { id: string; sequence: bigint }[]>();
  for (const [id, sequence] of sequenceNumbers) {
    const key = id.slice(0, id.lastIndexOf(':'));
    const list = byKey.get(key) ?? [];
    list.push({ id, sequence: BigInt(sequence) });
    byKey.set(key, list);
  }
  const ranks = new Map<string, { key: string; rank: number }>();
  for (const [key, list] of byKey) {
    list.sort((a, b) => (a.sequence < b.sequence ? -1 : a.sequence > b.sequence ? 1 : 0));
    list.forEach((entry, rank) => ranks.set(entry.id, { key, rank }));
  }
  return (id) => {
    const found = ranks.get(id);
    if (!found) throw new Error(`a record that was never produced was delivered: ${id}`);
    return found;
  };
}

/** Epoch ms of each record's first answered delivery. */
export function firstDeliveries(records: readonly DeliveredRecord[]): Map<string, number> {
  const first = new Map<string, number>();
  for (const record of records) {
    if (record.answeredAt === undefined) continue;
    const known = first.get(record.id);
    if (known === undefined || record.answeredAt < known) first.set(record.id, record.answeredAt);
  }
  return first;
}

/**
 * Catch-up after a fault at `at`: how long until every record the source had accepted
 * before `at` was delivered. Undefined when one of them never was (it is lost).
 */
export function catchUpMs(at: number, produced: ReadonlyMap<string, number>, first: ReadonlyMap<string, number>): number | undefined {
  let latest = at;
  for (const [id, producedAt] of produced) {
    if (producedAt >= at) continue;
    const delivered = first.get(id);
    if (delivered === undefined) return undefined;
    latest = Math.max(latest, delivered);
  }
  return latest - at;
}

/** The first answered delivery at or after `at` (ms after it), or undefined. */
export function firstDeliveryAfter(at: number, records: readonly DeliveredRecord[]): number | undefined {
  let best: number | undefined;
  for (const record of records) {
    if (record.answeredAt !== undefined && record.answeredAt >= at && (best === undefined || record.answeredAt < best)) best = record.answeredAt;
  }
  return best === undefined ? undefined : best - at;
}

/** Resolves once every produced record was delivered, or after `timeoutMs` (then some are lost). */
export async function waitForAll(produced: () => ReadonlyMap<string, number>, records: () => readonly DeliveredRecord[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const first = firstDeliveries(records());
    if ([...produced().keys()].every((id) => first.has(id))) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
