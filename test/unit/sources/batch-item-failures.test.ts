/**
 * ReportBatchItemFailures (sqs.md §7): every response shape, malformed ones included, and
 * the reason a complete failure carries (it becomes LastProcessingResult and a log line).
 */
import { describe, expect, it } from 'vitest';
import { readBatchItemFailures } from '../../../src/sources/batch-item-failures.js';

const batch = new Set(['m1', 'm2', 'm3']);
const read = (response: unknown, isJson = true) => readBatchItemFailures(response, isJson, batch);

describe('readBatchItemFailures', () => {
  it('a body that is not JSON is a complete failure, whatever it contains', () => {
    expect(read('{"batchItemFailures": []}', false)).toEqual({ kind: 'complete-failure', reason: 'response is not valid JSON' });
  });

  it.each([
    ['null', null],
    ['a string', 'ok'],
    ['an empty string', ''],
    ['a number', 0],
    ['a boolean', false],
    ['an array', [{ itemIdentifier: 'm1' }]],
    ['an object without the key', { other: [{ itemIdentifier: 'm1' }] }],
    ['batchItemFailures: null', { batchItemFailures: null }],
    ['an empty list', { batchItemFailures: [] }],
  ])('%s is a full success', (_label, response) => {
    expect(read(response)).toEqual({ kind: 'full-success' });
  });

  it('reads the key only as an own property, not one inherited', () => {
    const inherited = Object.create({ batchItemFailures: [{ itemIdentifier: 'm1' }] }) as object;
    expect(read(inherited)).toEqual({ kind: 'full-success' });
  });

  it('lists the failed identifiers; the same one twice counts once', () => {
    expect(read({ batchItemFailures: [{ itemIdentifier: 'm2' }, { itemIdentifier: 'm3' }, { itemIdentifier: 'm2' }] })).toEqual({
      kind: 'partial-failure',
      failedIds: new Set(['m2', 'm3']),
    });
  });

  it.each([
    ['a string', 'm1'],
    ['an object', { itemIdentifier: 'm1' }],
    ['a number', 1],
    ['true', true],
  ])('batchItemFailures that is %s (not an array) is a complete failure', (_label, failures) => {
    expect(read({ batchItemFailures: failures })).toEqual({ kind: 'complete-failure', reason: 'batchItemFailures is not an array' });
  });

  it.each([
    ['null', null],
    ['a string', 'm1'],
    ['a number', 7],
    ['an array', ['m1']],
  ])('an entry that is %s is a complete failure, even after a valid one', (_label, entry) => {
    expect(read({ batchItemFailures: [{ itemIdentifier: 'm1' }, entry] })).toEqual({
      kind: 'complete-failure',
      reason: 'a batchItemFailures entry is not an object',
    });
  });

  it.each([
    ['missing', {}],
    ['empty', { itemIdentifier: '' }],
    ['a number', { itemIdentifier: 1 }],
    ['null', { itemIdentifier: null }],
    ['wrongly cased', { ItemIdentifier: 'm1' }],
  ])('an itemIdentifier that is %s is a complete failure', (_label, entry) => {
    expect(read({ batchItemFailures: [entry] })).toEqual({
      kind: 'complete-failure',
      reason: 'an itemIdentifier is missing, empty or not a string',
    });
  });

  it('an identifier not in the batch is a complete failure naming it', () => {
    expect(read({ batchItemFailures: [{ itemIdentifier: 'm1' }, { itemIdentifier: 'm9' }] })).toEqual({
      kind: 'complete-failure',
      reason: 'itemIdentifier m9 is not in the batch',
    });
  });
});
