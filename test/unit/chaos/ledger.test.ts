/**
 * The chaos suite's judge (chaos/support/ledger.ts): what counts as lost, duplicated and
 * out of order, and catch-up after a fault. The suite fails a run on these numbers, so
 * they are tested at their edges here.
 */
import { describe, expect, it } from 'vitest';
import { catchUpMs, deliveredRecords, firstDeliveries, firstDeliveryAfter, judge, ranksFromSequenceNumbers, type DeliveredRecord } from '../../../chaos/support/ledger.js';
import type { RecordedRequest } from '../../support/recording-target.js';

const produced = (ids: string[], at = 0) => new Map(ids.map((id) => [id, at]));
const delivered = (id: string, at: number, answered = true): DeliveredRecord => ({ id, receivedAt: at, answeredAt: answered ? at : undefined });
/** Keys a and b, three records each, sequence numbers in id order. */
const ranks = ranksFromSequenceNumbers(new Map(['a:0', 'a:1', 'a:2', 'b:0', 'b:1', 'b:2'].map((id, i) => [id, String(100 + i)])));

describe('judge', () => {
  it('counts a record as delivered only when an invocation holding it was answered', () => {
    const verdict = judge(produced(['m1', 'm2', 'm3']), [delivered('m1', 1), delivered('m2', 2, false), delivered('m3', 3)]);
    expect(verdict).toMatchObject({ produced: 3, delivered: 2, lost: 1, lostSample: ['m2'], duplicates: 0 });
  });

  it('counts every answered delivery beyond the first as a duplicate', () => {
    const verdict = judge(produced(['m1', 'm2']), [delivered('m1', 1), delivered('m1', 2), delivered('m1', 3), delivered('m2', 4), delivered('m2', 5, false)]);
    expect(verdict).toMatchObject({ lost: 0, duplicates: 2 });
  });

  it('allows a replay of earlier records (at least once) but not a skip over an undelivered one', () => {
    const inOrderWithReplay = ['a:0', 'a:1', 'a:0', 'a:1', 'a:2', 'b:0'].map((id, i) => delivered(id, i));
    expect(judge(produced(['a:0', 'a:1', 'a:2', 'b:0']), inOrderWithReplay, ranks).orderViolations).toBe(0);

    const skip = ['a:0', 'a:2', 'a:1'].map((id, i) => delivered(id, i));
    expect(judge(produced(['a:0', 'a:1', 'a:2']), skip, ranks).orderViolations).toBe(1);
  });

  it('judges order per key: keys interleave freely', () => {
    const interleaved = ['b:0', 'a:0', 'b:1', 'a:1', 'b:2', 'a:2'].map((id, i) => delivered(id, i));
    expect(judge(produced(['a:0', 'a:1', 'a:2', 'b:0', 'b:1', 'b:2']), interleaved, ranks).orderViolations).toBe(0);
  });

  it('does not count a late replay of a batch as a violation once the key moved on', () => {
    // a stale attempt of [a:0, a:1] arrives after a:2: both already delivered.
    const late = ['a:0', 'a:1', 'a:2', 'a:0', 'a:1'].map((id, i) => delivered(id, i));
    expect(judge(produced(['a:0', 'a:1', 'a:2']), late, ranks).orderViolations).toBe(0);
  });

  it('ranks records by their stream sequence numbers, not by their ids', () => {
    const swapped = ranksFromSequenceNumbers(new Map([['a:0', '200'], ['a:1', '100']]));
    expect(swapped('a:1')).toEqual({ key: 'a', rank: 0 });
    expect(swapped('a:0')).toEqual({ key: 'a', rank: 1 });
    expect(() => swapped('a:9')).toThrow(/never produced/);
  });
});

describe('catch-up', () => {
  it('is the time until everything produced before the fault was delivered', () => {
    const records = [delivered('m1', 900), delivered('m2', 1_500), delivered('m2', 1_200), delivered('m3', 9_000)];
    const first = firstDeliveries(records);
    const when = new Map([['m1', 100], ['m2', 999], ['m3', 1_000]]);
    // m3 was produced at the fault, not before it.
    expect(catchUpMs(1_000, when, first)).toBe(200);
    expect(catchUpMs(1_000, new Map([['m1', 100]]), first)).toBe(0);
    expect(catchUpMs(1_000, new Map([['lost', 100]]), first)).toBeUndefined();
    expect(firstDeliveryAfter(1_300, records)).toBe(200);
    expect(firstDeliveryAfter(10_000, records)).toBeUndefined();
  });
});

describe('deliveredRecords', () => {
  const request = (path: string, body: unknown, aborted = false): RecordedRequest =>
    ({ index: 0, method: 'POST', path, url: path, query: {}, headers: {}, rawBody: '', body, receivedAt: 5, respondedAt: aborted ? undefined : 6, clientAborted: aborted });

  it('reads ids from SQS bodies and Kinesis data, on the given path only', () => {
    const kinesisData = Buffer.from(JSON.stringify({ id: 'k0:3' })).toString('base64');
    const requests = [request('/sqs', { Records: [{ body: '{"id":"m1"}' }] }), request('/kinesis', { Records: [{ kinesis: { data: kinesisData } }] }), request('/sqs', { Records: [{ body: '{"id":"m2"}' }] }, true)];
    expect(deliveredRecords(requests, '/sqs')).toEqual([
      { id: 'm1', receivedAt: 5, answeredAt: 6 },
      { id: 'm2', receivedAt: 5, answeredAt: undefined },
    ]);
    expect(deliveredRecords(requests, '/kinesis')).toEqual([{ id: 'k0:3', receivedAt: 5, answeredAt: 6 }]);
  });
});
