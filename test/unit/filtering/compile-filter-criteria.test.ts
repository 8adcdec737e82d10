/**
 * compileFilterCriteria (src/filtering/compile-filter-criteria.ts): a filter that is not an
 * object, and which filter of the list a refusal names.
 */
import { describe, expect, it } from 'vitest';
import { compileFilterCriteria, InvalidFilterPatternError } from '../../../src/filtering/index.js';

function refusal(filters: unknown[]): InvalidFilterPatternError {
  try {
    compileFilterCriteria(filters as never, 'sqs');
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidFilterPatternError);
    return error as InvalidFilterPatternError;
  }
  throw new Error('expected the filters to be refused');
}

describe('compileFilterCriteria', () => {
  it.each([[null], ['{"body":{"a":[1]}}'], [7]])('a filter that is %j (not an object) is refused, naming its index', (filter) => {
    const error = refusal([{ Pattern: '{"body":{"a":[1]}}' }, filter]);
    expect([error.reason, error.filterIndex, error.message]).toEqual(['a filter must be an object', 1, 'Invalid filter pattern definition.']);
  });

  it('an invalid pattern is refused with the index of its filter', () => {
    const error = refusal([{ Pattern: '{"body":{"a":[1]}}' }, { Pattern: '{"body":{"a":[1]}}' }, { Pattern: '{' }]);
    expect(error.filterIndex).toBe(2);
    expect(error.reason).not.toBe('');
  });

  it('no filters accept everything; one filter matches what it says', () => {
    expect(compileFilterCriteria([], 'sqs')).toMatchObject({ size: 0, acceptsAll: true });
    const compiled = compileFilterCriteria([{ Pattern: '{"body":{"a":[1]}}' }], 'sqs');
    expect([compiled.size, compiled.acceptsAll]).toEqual([1, false]);
  });
});
