/** V37 (filtering.md §6): every filter pattern must compile, else Lambda's one message. */
import { describe, expect, it } from 'vitest';
import { LambdaApiError } from '../../../src/mappings/errors.js';
import { checkFilterPatterns } from '../../../src/mappings/filter-rules.js';

describe('checkFilterPatterns', () => {
  it('accepts no filters and valid patterns', () => {
    expect(() => checkFilterPatterns([], 'sqs')).not.toThrow();
    expect(() => checkFilterPatterns([{ Pattern: '{"body":{"a":[1]}}' }], 'sqs')).not.toThrow();
    expect(() => checkFilterPatterns([{ Pattern: '{"data":{"a":["x"]}}' }], 'kinesis')).not.toThrow();
  });

  it.each([
    ['a JSON syntax error', '{"body":'],
    ['a scalar field value', '{"eventSource":"aws:sqs"}'],
    ['an empty matcher list', '{"eventSource":[]}'],
    ['an empty object', '{}'],
  ])('%s is "Invalid filter pattern definition."', (_label, pattern) => {
    let caught: unknown;
    try {
      checkFilterPatterns([{ Pattern: '{"body":{"a":[1]}}' }, { Pattern: pattern }], 'sqs');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(LambdaApiError);
    expect({ type: (caught as LambdaApiError).type, message: (caught as LambdaApiError).message }).toEqual({
      type: 'InvalidParameterValueException',
      message: 'Invalid filter pattern definition.',
    });
  });

  it('a missing Pattern fails too', () => {
    expect(() => checkFilterPatterns([{}], 'dynamodb')).toThrow('Invalid filter pattern definition.');
  });
});
