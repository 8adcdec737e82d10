import { describe, expect, it } from 'vitest';
import { decodeResponseBody, lambdaErrorOf } from '../../../src/targets/response-body.js';
import { runtimeExitedMessage, taskTimedOutMessage } from '../../../src/targets/lambda-wording.js';

describe('decodeResponseBody (sqs.md §2 response value)', () => {
  it.each([
    ['', null],
    ['  \n', null],
    ['null', null],
    ['{"batchItemFailures":[]}', { batchItemFailures: [] }],
    ['"text"', 'text'],
    ['42', 42],
    ['[1]', [1]],
  ])('%j is JSON %j', (text, value) => {
    expect(decodeResponseBody(text)).toEqual({ response: value, responseIsJson: true });
  });

  it.each(['OK', '{"a":', "{'a':1}", 'undefined', 'NaN'])('%j is kept as text, not JSON', (text) => {
    expect(decodeResponseBody(text)).toEqual({ response: text, responseIsJson: false });
  });
});

describe('lambdaErrorOf', () => {
  it('reads errorMessage and errorType of a Lambda-like body', () => {
    expect(lambdaErrorOf({ errorType: 'TypeError', errorMessage: 'x is undefined', trace: [] })).toEqual({
      errorType: 'TypeError',
      errorMessage: 'x is undefined',
    });
  });

  it.each([null, 'errorMessage', [{ errorMessage: 'x' }], { message: 'x' }, { errorMessage: 7 }])('finds nothing in %j', (body) => {
    expect(lambdaErrorOf(body)).toEqual({});
  });
});

describe('Lambda wording', () => {
  it.each([
    [3_000, 'Task timed out after 3.00 seconds'],
    [300, 'Task timed out after 0.30 seconds'],
    [900_000, 'Task timed out after 900.00 seconds'],
  ])('timeout of %i ms', (ms, message) => {
    expect(taskTimedOutMessage(ms)).toBe(message);
  });

  it('runtime exits', () => {
    expect(runtimeExitedMessage(1)).toBe('Runtime exited with error: exit status 1');
    expect(runtimeExitedMessage(0)).toBe('Runtime exited without providing a reason');
  });
});
