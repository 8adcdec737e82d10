/**
 * Operator objects in a matcher list (§3): exactly one key naming a
 * Lambda-supported operator. Everything else is refused at create/update (§6).
 */
import { invalidPattern } from './errors.js';
import { isJsonObject, type JsonObject, type Scalar } from './json-value.js';
import type { LeafMatcher } from './leaf-matcher.js';
import { compileNumeric } from './numeric-range.js';

/**
 * Ignore-case comparison lower-cases both sides with Unicode's default case
 * mapping (§4, chosen). String.prototype.toLowerCase is locale-independent,
 * unlike toLocaleLowerCase, so a Turkish host locale changes nothing.
 */
function foldCase(text: string): string {
  return text.toLowerCase();
}

function leaf(test: (value: Scalar) => boolean): LeafMatcher {
  return { test, matchesNoLeaf: false };
}

function compileEqualsIgnoreCase(operand: unknown): LeafMatcher {
  if (typeof operand !== 'string') invalidPattern('equals-ignore-case operand must be a string');
  const folded = foldCase(operand);
  return leaf((value) => typeof value === 'string' && foldCase(value) === folded);
}

/**
 * `prefix` / `suffix`: a string, or `{"equals-ignore-case": string}` for the
 * case-insensitive form (chosen; EventBridge Pipes documents it).
 */
function compileAffix(operand: unknown, kind: 'prefix' | 'suffix'): LeafMatcher {
  const at =
    kind === 'prefix'
      ? (value: string, affix: string) => value.startsWith(affix)
      : (value: string, affix: string) => value.endsWith(affix);

  if (typeof operand === 'string') {
    return leaf((value) => typeof value === 'string' && at(value, operand));
  }
  if (isJsonObject(operand)) {
    const keys = Object.keys(operand);
    const inner = operand['equals-ignore-case'];
    if (keys.length === 1 && keys[0] === 'equals-ignore-case' && typeof inner === 'string') {
      const folded = foldCase(inner);
      return leaf((value) => typeof value === 'string' && at(foldCase(value), folded));
    }
  }
  return invalidPattern(`${kind} operand must be a string or {"equals-ignore-case": string}`);
}

type ExcludedValue = string | number | boolean;

function isExcludable(value: unknown): value is ExcludedValue {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

/**
 * `anything-but`: a single value or a non-empty list of values of one type.
 * Refused: null, objects (so every nested operator, including the prefix,
 * suffix, equals-ignore-case and wildcard forms EventBridge has), an empty
 * list, a list mixing types. Booleans are accepted (spec silent; they compare
 * type-strictly like the rest).
 */
function compileAnythingBut(operand: unknown): LeafMatcher {
  const values: unknown[] = Array.isArray(operand) ? operand : [operand];
  if (values.length === 0) invalidPattern('anything-but list is empty');
  const first = values[0];
  if (!isExcludable(first)) invalidPattern('anything-but takes strings, numbers or booleans');
  for (const value of values) {
    if (!isExcludable(value) || typeof value !== typeof first) {
      invalidPattern('anything-but list must hold values of one scalar type');
    }
  }
  // Set uses SameValueZero: type-strict, and numbers compare by value.
  const excluded = new Set<unknown>(values);
  // The field must be a present leaf (matchesNoLeaf false); null is a leaf
  // that equals no operand, so it matches (AWS corpus: anything-but on null).
  return leaf((value) => !excluded.has(value));
}

function compileExists(operand: unknown): LeafMatcher {
  if (typeof operand !== 'boolean') invalidPattern('exists operand must be a boolean');
  // true: any present leaf, null included; false: no leaf at all (§4).
  return operand ? { test: () => true, matchesNoLeaf: false } : { test: () => false, matchesNoLeaf: true };
}

export function compileOperator(operator: JsonObject): LeafMatcher {
  const names = Object.keys(operator);
  if (names.length !== 1) invalidPattern('an operator object must have exactly one key');
  const name = names[0]!;
  const operand = operator[name];
  switch (name) {
    case 'equals-ignore-case':
      return compileEqualsIgnoreCase(operand);
    case 'prefix':
    case 'suffix':
      return compileAffix(operand, name);
    case 'anything-but':
      return compileAnythingBut(operand);
    case 'numeric':
      return leaf(compileNumeric(operand));
    case 'exists':
      return compileExists(operand);
    default:
      // wildcard and cidr exist in EventBridge but not in Lambda filtering (§3);
      // operator names are case-sensitive, so "EXISTS" lands here too.
      return invalidPattern(`unsupported operator ${JSON.stringify(name)}`);
  }
}
