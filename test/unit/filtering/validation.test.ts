/** filtering.md §6: which patterns are refused, and that the refusal is the typed V37 error. */
import { describe, expect, it } from 'vitest';
import {
  compileFilterCriteria,
  InvalidFilterPatternError,
  INVALID_FILTER_PATTERN_MESSAGE,
  isValidFilterPattern,
  validateFilterPattern,
  type FilterSourceKind,
} from '../../../src/filtering/index.js';

function refusal(pattern: unknown, source?: FilterSourceKind): InvalidFilterPatternError {
  try {
    validateFilterPattern(pattern, source);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidFilterPatternError);
    return error as InvalidFilterPatternError;
  }
  throw new Error(`pattern was accepted: ${JSON.stringify(pattern)}`);
}

/** §6 table, one entry per row example (row name → patterns). */
const SPEC_TABLE: readonly (readonly [string, readonly unknown[]])[] = [
  ['Pattern absent or JSON null', [undefined, null]],
  ['not valid JSON', ['simple string', '[{"eventName": ["INSERT"=123}]']],
  ['valid JSON but not an object', ['"simple string"', 'null', '[1]']],
  ['a field value that is a scalar', ['{"eventSource": "aws:sqs"}']],
  ['an empty matcher list', ['{"eventSource": []}']],
  ['empty string or empty object, top level or as a field value', ['', '{}', '{"body": {}}']],
  ['a matcher that is an array', ['{"a": [[1]]}']],
  ['an operator object with zero or several keys', ['{"a": [{"prefix": "x", "suffix": "y"}]}', '{"a": [{}]}']],
  ['an unknown or unsupported operator', ['{"a": [{"wildcard": "x*"}]}', '{"a": [{"cidr": "10.0.0.0/24"}]}']],
  ['a malformed operand (row example)', ['{"a": [{"numeric": [">", "10"]}]}']],
  ['$or not a non-empty array of valid patterns', ['{"$or": {}}']],
];

/** Every item listed in the §6 "malformed operand" row, plus the unsupported forms of §3. */
const MALFORMED: readonly (readonly [string, string])[] = [
  ['exists not boolean', '{"a": [{"exists": "true"}]}'],
  ['exists null', '{"a": [{"exists": null}]}'],
  ['prefix a number', '{"a": [{"prefix": 123}]}'],
  ['prefix a list', '{"a": [{"prefix": ["x"]}]}'],
  ['prefix an object other than equals-ignore-case', '{"a": [{"prefix": {"suffix": "x"}}]}'],
  ['prefix equals-ignore-case with extra key', '{"a": [{"prefix": {"equals-ignore-case": "x", "suffix": "y"}}]}'],
  ['prefix equals-ignore-case not a string', '{"a": [{"prefix": {"equals-ignore-case": 1}}]}'],
  ['suffix a number', '{"a": [{"suffix": 123}]}'],
  ['suffix equals-ignore-case not a string', '{"a": [{"suffix": {"equals-ignore-case": ["x"]}}]}'],
  ['equals-ignore-case not a string', '{"a": [{"equals-ignore-case": 5}]}'],
  ['equals-ignore-case a list', '{"a": [{"equals-ignore-case": ["x"]}]}'],
  ['anything-but null', '{"a": [{"anything-but": null}]}'],
  ['anything-but empty list', '{"a": [{"anything-but": []}]}'],
  ['anything-but list mixing types', '{"a": [{"anything-but": ["x", 1]}]}'],
  ['anything-but list with null', '{"a": [{"anything-but": ["x", null]}]}'],
  ['anything-but list of null', '{"a": [{"anything-but": [null]}]}'],
  ['anything-but list holding objects', '{"a": [{"anything-but": [{"x": 1}]}]}'],
  ['anything-but list holding lists', '{"a": [{"anything-but": [["x"]]}]}'],
  ['anything-but wrapping prefix', '{"a": [{"anything-but": {"prefix": "x"}}]}'],
  ['anything-but wrapping suffix', '{"a": [{"anything-but": {"suffix": "x"}}]}'],
  ['anything-but wrapping equals-ignore-case', '{"a": [{"anything-but": {"equals-ignore-case": "x"}}]}'],
  ['anything-but wrapping wildcard', '{"a": [{"anything-but": {"wildcard": "x*"}}]}'],
  ['anything-but an empty object', '{"a": [{"anything-but": {}}]}'],
  ['numeric not an array', '{"a": [{"numeric": 10}]}'],
  ['numeric empty', '{"a": [{"numeric": []}]}'],
  ['numeric unknown operator', '{"a": [{"numeric": ["!=", 1]}]}'],
  ['numeric operator case', '{"a": [{"numeric": ["GT", 1]}]}'],
  ['numeric inherited name', '{"a": [{"numeric": ["toString", 1]}]}'],
  ['numeric non-number operand', '{"a": [{"numeric": [">", "10"]}]}'],
  ['numeric null operand', '{"a": [{"numeric": ["=", null]}]}'],
  ['numeric missing operand', '{"a": [{"numeric": [">", 0, "<"]}]}'],
  ['numeric two lower bounds', '{"a": [{"numeric": [">", 0, ">=", 1]}]}'],
  ['numeric two upper bounds', '{"a": [{"numeric": ["<", 5, "<=", 9]}]}'],
  ['numeric lower equal to upper', '{"a": [{"numeric": [">=", 5, "<=", 5]}]}'],
  ['numeric lower above upper', '{"a": [{"numeric": [">", 10, "<", 5]}]}'],
  ['numeric = then a bound', '{"a": [{"numeric": ["=", 5, "<", 9]}]}'],
  ['numeric a bound then =', '{"a": [{"numeric": [">", 1, "=", 5]}]}'],
  ['numeric more than 4 elements', '{"a": [{"numeric": [">", 0, "<", 5, "<", 6]}]}'],
  ['numeric 6 elements', '{"a": [{"numeric": [">", 0, "<", 5, ">", 1]}]}'],
  ['unknown operator', '{"a": [{"contains": "x"}]}'],
  ['operator name case-sensitive', '{"a": [{"EXISTS": true}]}'],
  ['wildcard', '{"a": [{"wildcard": "*"}]}'],
  ['cidr', '{"a": [{"cidr": "10.0.0.0/8"}]}'],
  ['$or empty', '{"$or": []}'],
  ['$or holding a non-object', '{"$or": [["x"]]}'],
  ['$or holding an empty pattern', '{"$or": [{}]}'],
  ['$or holding an invalid pattern', '{"$or": [{"a": "x"}]}'],
  ['$or a matcher list of scalars', '{"$or": ["x"]}'],
  ['invalid deep inside nesting', '{"a": {"b": {"c": {"d": [{"numeric": [">", "1"]}]}}}}'],
  ['field value null', '{"a": null}'],
  ['field value number', '{"int": 42}'],
  ['field value boolean', '{"a": true}'],
  ['valid JSON number at top level', '42'],
  ['valid JSON boolean at top level', 'true'],
  ['whitespace only', '   '],
];

describe('§6 validation table', () => {
  for (const [row, patterns] of SPEC_TABLE) {
    it.each(patterns.map((p) => [JSON.stringify(p) ?? 'undefined', p] as const))(`${row}: %s`, (_label, pattern) => {
      const error = refusal(pattern);
      expect(error.message).toBe('Invalid filter pattern definition.');
      expect(error.name).toBe('InvalidFilterPatternError');
    });
  }

  it('refuses a stream payload key whose value is not an object (§6 last row, §5.4)', () => {
    for (const value of ['["abc"]', '[{"exists": true}]', '"abc"', '123', 'null', '{}']) {
      refusal(`{"data": ${value}}`, 'kinesis');
      refusal(`{"dynamodb": ${value}}`, 'dynamodb');
    }
    // Inside a top-level $or the key still addresses the record's top level (chosen).
    refusal('{"$or": [{"data": ["abc"]}, {"partitionKey": ["1"]}]}', 'kinesis');
    refusal('{"$or": [{"eventName": ["INSERT"]}, {"dynamodb": [{"exists": true}]}]}', 'dynamodb');
  });

  it('applies the payload-key rule only to its own source, and only at the top level', () => {
    expect(isValidFilterPattern('{"data": ["abc"]}', 'sqs')).toBe(true);
    expect(isValidFilterPattern('{"data": ["abc"]}', 'dynamodb')).toBe(true);
    expect(isValidFilterPattern('{"dynamodb": ["abc"]}', 'kinesis')).toBe(true);
    expect(isValidFilterPattern('{"data": ["abc"]}')).toBe(true);
    expect(isValidFilterPattern('{"data": {"x": {"data": ["abc"]}}}', 'kinesis')).toBe(true);
    expect(isValidFilterPattern('{"data": {"event_type": ["x"]}}', 'kinesis')).toBe(true);
    expect(isValidFilterPattern('{"dynamodb": {"Keys": {"pk": {"S": ["x"]}}}}', 'dynamodb')).toBe(true);
    // SQS body may take a matcher list (§5.1).
    expect(isValidFilterPattern('{"body": ["Hello"]}', 'sqs')).toBe(true);
  });
});

describe('§6 malformed operands and unsupported operators', () => {
  it.each(MALFORMED)('%s: %s', (_why, pattern) => {
    expect(refusal(pattern).message).toBe(INVALID_FILTER_PATTERN_MESSAGE);
  });
});

describe('patterns that are valid', () => {
  it.each([
    '{"Name": ["Alice"]}',
    '{"Count": [5]}',
    '{"Active": [true]}',
    '{"UserID": [null]}',
    '{"LastName": [""]}',
    '{"PaymentType": ["Credit", "Debit"]}',
    '{"$or": [{"Location": ["New York"]}, {"Day": ["Monday"]}]}',
    '{"Name": [{"equals-ignore-case": "alice"}]}',
    '{"Name": [{"equals-ignore-case": ""}]}',
    '{"Region": [{"prefix": "us-"}]}',
    '{"Region": [{"prefix": ""}]}',
    '{"Region": [{"prefix": {"equals-ignore-case": "US-"}}]}',
    '{"FileName": [{"suffix": ".png"}]}',
    '{"FileName": [{"suffix": {"equals-ignore-case": ".PNG"}}]}',
    '{"Weather": [{"anything-but": ["Raining"]}]}',
    '{"Weather": [{"anything-but": "Raining"}]}',
    '{"Weather": [{"anything-but": [100, 200]}]}',
    '{"Weather": [{"anything-but": 0}]}',
    '{"Flag": [{"anything-but": true}]}',
    '{"Price": [{"numeric": ["=", 100]}]}',
    '{"Price": [{"numeric": [">", 10, "<=", 20]}]}',
    '{"Price": [{"numeric": ["<", 20, ">", 10]}]}',
    '{"Price": [{"numeric": [">=", -1.5e3]}]}',
    '{"ProductName": [{"exists": true}]}',
    '{"ProductName": [{"exists": false}]}',
    '{"a": [{"exists": true}, {"prefix": "x"}, "y", 1, null, false]}',
    '{"a": {"$or": [{"b": ["1"]}, {"c": {"$or": [{"d": ["2"]}, {"e": ["3"]}]}}]}}',
    '  {"a": ["x"]}\n',
    '{"a.b": ["x"]}',
    '{"__proto__": ["x"], "constructor": {"y": ["z"]}}',
  ])('%s', (pattern) => {
    expect(() => validateFilterPattern(pattern)).not.toThrow();
    expect(() => validateFilterPattern(pattern, 'sqs')).not.toThrow();
  });
});

describe('compileFilterCriteria validation', () => {
  it('refuses a filter without Pattern or with a null Pattern', () => {
    expect(() => compileFilterCriteria([{}])).toThrow(InvalidFilterPatternError);
    expect(() => compileFilterCriteria([{ Pattern: null }])).toThrow(INVALID_FILTER_PATTERN_MESSAGE);
  });

  it('reports the index of the first invalid filter', () => {
    let caught: unknown;
    try {
      compileFilterCriteria([{ Pattern: '{"a": ["x"]}' }, { Pattern: '{"a": "x"}' }, { Pattern: '{}' }]);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidFilterPatternError);
    expect((caught as InvalidFilterPatternError).filterIndex).toBe(1);
    expect((caught as InvalidFilterPatternError).message).toBe(INVALID_FILTER_PATTERN_MESSAGE);
    expect((caught as InvalidFilterPatternError).reason).toMatch(/matcher list or an object/);
  });

  it('applies the source rule given as options or as the bare source kind', () => {
    const filters = [{ Pattern: '{"data": ["abc"]}' }];
    expect(() => compileFilterCriteria(filters, { source: 'kinesis' })).toThrow(InvalidFilterPatternError);
    expect(() => compileFilterCriteria(filters, 'kinesis')).toThrow(InvalidFilterPatternError);
    expect(() => compileFilterCriteria(filters, 'sqs')).not.toThrow();
  });

  it('turns a pathologically deep pattern into the pattern error, not a crash', () => {
    const depth = 20_000;
    const deep = '{"a":'.repeat(depth) + '["x"]' + '}'.repeat(depth);
    const outcome = (() => {
      try {
        validateFilterPattern(deep);
        return 'accepted';
      } catch (error) {
        return error instanceof InvalidFilterPatternError ? 'refused' : error;
      }
    })();
    // Either is acceptable for an over-long pattern (the API refuses > 4096
    // characters first, V13); what matters is that nothing else escapes.
    expect(['accepted', 'refused']).toContain(outcome);
  });

  it('never puts the reason in the message', () => {
    expect(refusal('{"a": [{"wildcard": "x"}]}').message).toBe(INVALID_FILTER_PATTERN_MESSAGE);
    expect(refusal('{"a": [{"wildcard": "x"}]}').reason).toMatch(/wildcard/);
  });
});
