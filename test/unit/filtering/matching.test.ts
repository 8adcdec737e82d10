/** filtering.md §2–§4: how a compiled pattern judges a record view. */
import { describe, expect, it, vi } from 'vitest';
import { compileFilterCriteria, compileFilterPattern } from '../../../src/filtering/index.js';

const matches = (pattern: unknown, view: unknown): boolean =>
  compileFilterPattern(JSON.stringify(pattern))(view);

describe('structure (§2)', () => {
  it('ANDs the keys of one object and ignores fields the pattern does not name', () => {
    const p = { a: ['1'], b: { c: [2] } };
    expect(matches(p, { a: '1', b: { c: 2 }, extra: true })).toBe(true);
    expect(matches(p, { a: '1', b: { c: 3 } })).toBe(false);
    expect(matches(p, { a: '0', b: { c: 2 } })).toBe(false);
  });

  it('ANDs $or with its sibling keys', () => {
    const p = { kind: ['order'], $or: [{ a: ['1'] }, { b: ['2'] }] };
    expect(matches(p, { kind: 'order', b: '2' })).toBe(true);
    expect(matches(p, { kind: 'other', b: '2' })).toBe(false);
    expect(matches(p, { kind: 'order', c: '3' })).toBe(false);
  });

  it('supports nested $or', () => {
    const p = { d: { $or: [{ a: ['1'] }, { $or: [{ b: ['2'] }, { c: ['3'] }] }] } };
    expect(matches(p, { d: { c: '3' } })).toBe(true);
    expect(matches(p, { d: { e: '3' } })).toBe(false);
  });

  it('keeps the last of repeated keys (ordinary JSON parsing)', () => {
    const match = compileFilterPattern('{"a": ["first"], "a": ["second"]}');
    expect(match({ a: 'second' })).toBe(true);
    expect(match({ a: 'first' })).toBe(false);
  });

  it('matches key names exactly, case-sensitively, and only own fields', () => {
    expect(matches({ MY_KEY: ['v'] }, { my_key: 'v' })).toBe(false);
    expect(matches({ constructor: [{ exists: true }] }, {})).toBe(false);
    expect(matches({ toString: [{ exists: false }] }, {})).toBe(true);
    expect(compileFilterPattern('{"__proto__": ["x"]}')(JSON.parse('{"__proto__": "x"}'))).toBe(true);
    expect(compileFilterPattern('{"__proto__": [{"exists": true}]}')({})).toBe(false);
  });

  it('never matches a view that is not an object', () => {
    const match = compileFilterPattern('{"a": [{"exists": false}]}');
    for (const view of [undefined, null, 'a', 1, [], [{}]]) expect(match(view)).toBe(false);
    expect(match({})).toBe(true);
  });
});

describe('type strictness and values (§4)', () => {
  it.each([
    ['"42" never equals 42', { a: ['42'] }, { a: 42 }, false],
    ['42 never equals "42"', { a: [42] }, { a: '42' }, false],
    ['true only matches a boolean', { a: [true] }, { a: 'true' }, false],
    ['false matches false', { a: [false] }, { a: false }, true],
    ['false does not match 0', { a: [false] }, { a: 0 }, false],
    ['null matches JSON null', { a: [null] }, { a: null }, true],
    ['null does not match "null"', { a: [null] }, { a: 'null' }, false],
    ['null does not match a missing field', { a: [null] }, {}, false],
    ['"" matches the empty string', { a: [''] }, { a: '' }, true],
    ['"" does not match null', { a: [''] }, { a: null }, false],
    ['strings are case-sensitive', { a: ['Alice'] }, { a: 'alice' }, false],
    ['no trimming', { a: ['x'] }, { a: 'x ' }, false],
    ['no Unicode normalisation', { a: ['\u00e9'] }, { a: 'e\u0301' }, false],
    ['numbers by value: 300 = 3.0e2', { a: [300] }, { a: 3.0e2 }, true],
    ['numbers by value: 0 = -0', { a: [0] }, { a: -0 }, true],
    ['numbers differ', { a: [300] }, { a: 300.5 }, false],
  ])('%s', (_why, pattern, view, expected) => {
    expect(matches(pattern, view)).toBe(expected);
  });

  it('compares numbers by value even when the text differs (chosen)', () => {
    const match = compileFilterPattern('{"n": [3.0e2]}');
    expect(match(JSON.parse('{"n": 300.0}'))).toBe(true);
    expect(match(JSON.parse('{"n": 300}'))).toBe(true);
  });
});

describe('numeric (§4)', () => {
  const cases: readonly (readonly [unknown[], number | string | null, boolean])[] = [
    [['=', 100], 100, true],
    [['=', 100], 100.0001, false],
    [['=', 100], '100', false],
    [['<', 10], 9.99, true],
    [['<', 10], 10, false],
    [['<=', 10], 10, true],
    [['>', 10], 10, false],
    [['>=', 10], 10, true],
    [['>', 0, '<=', 5], 5, true],
    [['>', 0, '<=', 5], 0, false],
    [['>=', 100, '<', 200], 100, true],
    [['>=', 100, '<', 200], 200, false],
    [['<', 200, '>=', 100], 150, true],
    [['<', 200, '>=', 100], 99, false],
    [['>', -1e3], -999.5, true],
    [['>', 100], null, false],
  ];
  it.each(cases)('%j against %j → %s', (operand, value, expected) => {
    expect(matches({ v: [{ numeric: operand }] }, { v: value })).toBe(expected);
  });

  it('never matches a missing field or an object', () => {
    expect(matches({ v: [{ numeric: ['>', 0] }] }, {})).toBe(false);
    expect(matches({ v: [{ numeric: ['>', 0] }] }, { v: { n: 1 } })).toBe(false);
  });
});

describe('string operators (§3, §4)', () => {
  it.each([
    ['prefix', { prefix: 'us-' }, 'us-east-1', true],
    ['prefix is case-sensitive', { prefix: 'US-' }, 'us-east-1', false],
    ['empty prefix matches any string', { prefix: '' }, 'x', true],
    ['empty prefix does not match a number', { prefix: '' }, 5, false],
    ['prefix ignoring case', { prefix: { 'equals-ignore-case': 'US-' } }, 'us-east-1', true],
    ['prefix ignoring case, no match', { prefix: { 'equals-ignore-case': 'EU-' } }, 'us-east-1', false],
    ['suffix', { suffix: '.png' }, 'a.png', true],
    ['suffix is case-sensitive', { suffix: '.png' }, 'a.PNG', false],
    ['suffix ignoring case', { suffix: { 'equals-ignore-case': '.PNG' } }, 'a.png', true],
    ['suffix ignoring case, no match', { suffix: { 'equals-ignore-case': '.PNG' } }, 'a.jpg', false],
    ['equals-ignore-case', { 'equals-ignore-case': 'alice' }, 'ALICE', true],
    ['equals-ignore-case is whole-string', { 'equals-ignore-case': 'alice' }, 'ALICES', false],
    ['equals-ignore-case on a number', { 'equals-ignore-case': '5' }, 5, false],
    ['equals-ignore-case, Unicode rules', { 'equals-ignore-case': 'straße' }, 'STRASSE', false],
    ['equals-ignore-case, Greek', { 'equals-ignore-case': 'σοφία' }, 'ΣΟΦΊΑ', true],
    ['equals-ignore-case, dotted I is not locale-folded', { 'equals-ignore-case': 'i' }, 'İ', false],
    ['equals-ignore-case, plain I', { 'equals-ignore-case': 'i' }, 'I', true],
  ])('%s', (_why, operator, value, expected) => {
    expect(matches({ v: [operator] }, { v: value })).toBe(expected);
  });
});

describe('anything-but (§3, §4)', () => {
  it.each([
    ['a value not listed', ['Raining'], 'Sunny', true],
    ['a listed value', ['Raining', 'Snowing'], 'Snowing', false],
    ['a single value', 'Raining', 'Raining', false],
    ['a single value, other', 'Raining', 'Sunny', true],
    ['numbers by value', [100, 200], 100.0, false],
    ['numbers, other', [100, 200], 150, true],
    ['type-strict: number vs excluded string', '101', 101, true],
    ['type-strict: string vs excluded number', [101], '101', true],
    ['null is a present leaf', ['x'], null, true],
    ['booleans', true, true, false],
    ['booleans, other', true, false, true],
  ])('%s', (_why, operand, value, expected) => {
    expect(matches({ v: [{ 'anything-but': operand }] }, { v: value })).toBe(expected);
  });

  it('needs the field present as a leaf', () => {
    const p = { v: [{ 'anything-but': ['x'] }] };
    expect(matches(p, {})).toBe(false);
    expect(matches(p, { v: { w: 'y' } })).toBe(false);
    expect(matches(p, { v: [] })).toBe(false);
  });

  it('matches an array when any element is not excluded', () => {
    const p = { v: [{ 'anything-but': ['x'] }] };
    expect(matches(p, { v: ['x', 'y'] })).toBe(true);
    expect(matches(p, { v: ['x', 'x'] })).toBe(false);
  });
});

describe('exists and leaves (§4)', () => {
  const T = { v: [{ exists: true }] };
  const F = { v: [{ exists: false }] };
  it.each([
    ['a string', { v: 's' }, true],
    ['null', { v: null }, true],
    ['false', { v: false }, true],
    ['an empty string', { v: '' }, true],
    ['a non-empty array of scalars', { v: [1, 2] }, true],
    ['an absent field', {}, false],
    ['an object', { v: { w: 1 } }, false],
    ['an empty object', { v: {} }, false],
    ['an empty array', { v: [] }, false],
    ['an array of objects', { v: [{ w: 1 }] }, false],
    ['an array of empty arrays', { v: [[], []] }, false],
  ])('exists true/false on %s', (_what, view, present) => {
    expect(matches(T, view)).toBe(present);
    expect(matches(F, view)).toBe(!present);
  });

  it('exists false also accepts an object element inside a mixed array (any element, chosen)', () => {
    expect(matches(F, { v: [1, { w: 1 }] })).toBe(true);
    expect(matches(T, { v: [1, { w: 1 }] })).toBe(true);
  });

  it('a matcher list on an object never matches, except exists false', () => {
    const view = { v: { S: 'x' } };
    expect(matches({ v: ['x'] }, view)).toBe(false);
    expect(matches({ v: [{ prefix: '' }] }, view)).toBe(false);
    expect(matches({ v: [null] }, view)).toBe(false);
    expect(matches({ v: ['x', { exists: false }] }, view)).toBe(true);
  });

  it('ORs exists with other matchers of the list', () => {
    const p = { S: [{ 'anything-but': ['roses'] }, { exists: false }] };
    expect(matches(p, { S: 'tulips' })).toBe(true);
    expect(matches(p, {})).toBe(true);
    expect(matches(p, { S: 'roses' })).toBe(false);
  });
});

describe('nesting into absent values, scalars and arrays (§4, chosen)', () => {
  it('evaluates a nested pattern under an absent field as all-absent', () => {
    expect(matches({ a: { b: { c: [{ exists: false }] } } }, {})).toBe(true);
    expect(matches({ a: { b: { c: [{ exists: true }] } } }, {})).toBe(false);
    expect(matches({ a: { b: { $or: [{ c: ['1'] }, { d: [{ exists: false }] }] } } }, {})).toBe(true);
  });

  it('never matches a nested pattern against a present scalar, null included', () => {
    for (const value of ['text', 5, true, null]) {
      expect(matches({ a: { b: [{ exists: false }] } }, { a: value })).toBe(false);
    }
  });

  it('tries each object of an array, one match being enough', () => {
    const p = { automations: { id: [{ exists: true }] } };
    expect(matches(p, { automations: [{ key1: 'v' }, { id: 'x' }] })).toBe(true);
    expect(matches(p, { automations: [{ key1: 'v' }, { key2: 'w' }] })).toBe(false);
  });

  it('needs all keys of a nested pattern to match within the same element', () => {
    const p = { items: { sku: ['A'], qty: [2] } };
    expect(matches(p, { items: [{ sku: 'A', qty: 1 }, { sku: 'B', qty: 2 }] })).toBe(false);
    expect(matches(p, { items: [{ sku: 'B', qty: 2 }, { sku: 'A', qty: 2 }] })).toBe(true);
  });

  it('skips scalar elements and treats an empty array as absent', () => {
    const p = { a: { b: [{ exists: false }] } };
    expect(matches(p, { a: ['x', 1] })).toBe(false);
    expect(matches(p, { a: ['x', {}] })).toBe(true);
    expect(matches(p, { a: [] })).toBe(true);
  });

  it('follows the spec example {"L": {"S": [{"exists": true}]}}', () => {
    expect(matches({ L: { S: [{ exists: true }] } }, { L: [{ S: 'a' }, { N: '1' }] })).toBe(true);
    expect(matches({ L: { S: [{ exists: true }] } }, { L: [{ N: '1' }] })).toBe(false);
  });

  it('flattens nested arrays in the record', () => {
    expect(matches({ a: ['x'] }, { a: [['y'], [['x']]] })).toBe(true);
    expect(matches({ a: { b: ['x'] } }, { a: [[{ b: 'y' }], [{ b: 'x' }]] })).toBe(true);
  });

  it('does not overflow the stack on a hostile deeply nested array', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 200_000; i++) deep = [deep];
    expect(matches({ a: ['x'] }, { a: deep })).toBe(true);
    expect(matches({ a: { b: ['x'] } }, { a: deep })).toBe(false);
  });
});

describe('FilterCriteria as a whole (§1)', () => {
  it('keeps a record when any filter matches', () => {
    const compiled = compileFilterCriteria([{ Pattern: '{"a": ["1"]}' }, { Pattern: '{"b": ["2"]}' }]);
    expect(compiled.size).toBe(2);
    expect(compiled.acceptsAll).toBe(false);
    expect(compiled.matches({ a: '1' })).toBe(true);
    expect(compiled.matches({ b: '2' })).toBe(true);
    expect(compiled.matches({ a: '2', b: '1' })).toBe(false);
  });

  it('with no filters keeps every record', () => {
    const compiled = compileFilterCriteria([]);
    expect(compiled.acceptsAll).toBe(true);
    expect(compiled.size).toBe(0);
    expect(compiled.matches({})).toBe(true);
    expect(compiled.matches('anything')).toBe(true);
  });

  it('parses each pattern once, at compile time', () => {
    const compiled = compileFilterCriteria([
      { Pattern: '{"a": {"b": [{"numeric": [">", 1]}]}}' },
      { Pattern: '{"c": [{"prefix": "x"}]}' },
    ]);
    const parse = vi.spyOn(JSON, 'parse');
    try {
      for (let i = 0; i < 100; i++) {
        compiled.matches({ a: { b: i }, c: 'y' });
      }
      expect(parse).not.toHaveBeenCalled();
    } finally {
      parse.mockRestore();
    }
  });
});
