/**
 * A field's matcher list (`"field": [m1, m2, ...]`, §2) compiled into one
 * function of the field's value.
 */
import { invalidPattern } from './errors.js';
import { isJsonObject, isScalar, someFlattened, type Scalar } from './json-value.js';
import { compileOperator } from './operators.js';

/** One entry of a matcher list, compiled. */
export interface LeafMatcher {
  /** Result for a scalar found at the field. */
  readonly test: (value: Scalar) => boolean;
  /**
   * Result when the field holds no leaf: it is absent, an object, or an empty
   * array. Only `{"exists": false}` says true here (§4 "Leaves only", "exists").
   */
  readonly matchesNoLeaf: boolean;
}

/** Decides whether a field value (anything found in the record, or undefined) matches. */
export type FieldMatcher = (value: unknown) => boolean;

/** Exact value: `===` is already type-strict and compares numbers by value (300 === 300.0), as §4 chooses. */
function exactMatcher(expected: Scalar): LeafMatcher {
  return { test: (value) => value === expected, matchesNoLeaf: false };
}

function compileListEntry(entry: unknown): LeafMatcher {
  if (isScalar(entry)) return exactMatcher(entry);
  if (isJsonObject(entry)) return compileOperator(entry);
  return invalidPattern('a matcher must be a scalar or an operator object, not an array');
}

export function compileMatcherList(list: readonly unknown[]): FieldMatcher {
  if (list.length === 0) invalidPattern('empty matcher list');
  const matchers = list.map(compileListEntry);
  const tests = matchers.map((m) => m.test);
  // The list is an OR, so one matcher accepting "no leaf" makes the list accept it.
  const noLeaf = matchers.some((m) => m.matchesNoLeaf);

  const testLeaf = (value: Scalar): boolean => {
    for (const test of tests) if (test(value)) return true;
    return false;
  };
  // An array matches when any element does (§4 "Arrays in the record"); an
  // empty array holds no leaf, so it is judged like an absent field. Objects
  // inside the array are non-leaves too, so `{"exists": false}` accepts them
  // (chosen: the spec's "any element" rule applied literally).
  const visitElement = (element: unknown): boolean =>
    isScalar(element) ? testLeaf(element) : noLeaf;

  return (value) => {
    if (isScalar(value)) return testLeaf(value);
    if (Array.isArray(value)) return someFlattened(value, visitElement, noLeaf);
    return noLeaf;
  };
}
