/**
 * The `numeric` operator (§3, §4): `["=", n]`, or at most one lower bound
 * (`>`, `>=`) and at most one upper bound (`<`, `<=`) with lower < upper.
 */
import { invalidPattern } from './errors.js';
import type { Scalar } from './json-value.js';

type Comparator = (value: number) => boolean;

const LOWER: Readonly<Record<string, (bound: number) => Comparator>> = {
  '>': (bound) => (value) => value > bound,
  '>=': (bound) => (value) => value >= bound,
};
const UPPER: Readonly<Record<string, (bound: number) => Comparator>> = {
  '<': (bound) => (value) => value < bound,
  '<=': (bound) => (value) => value <= bound,
};

interface Bound {
  readonly bound: number;
  readonly compare: Comparator;
}

export function compileNumeric(operand: unknown): (value: Scalar) => boolean {
  if (!Array.isArray(operand)) invalidPattern('numeric operand must be an array');
  if (operand.length !== 2 && operand.length !== 4) {
    invalidPattern('numeric takes one or two operator/number pairs');
  }

  if (operand[0] === '=') {
    if (operand.length !== 2) invalidPattern('numeric "=" cannot be combined');
    const expected: unknown = operand[1];
    if (typeof expected !== 'number') invalidPattern('numeric operand must be a number');
    return (value) => typeof value === 'number' && value === expected;
  }

  let lower: Bound | undefined;
  let upper: Bound | undefined;
  for (let i = 0; i < operand.length; i += 2) {
    const op: unknown = operand[i];
    const bound: unknown = operand[i + 1];
    if (typeof op !== 'string') invalidPattern('numeric operator must be a string');
    if (typeof bound !== 'number') invalidPattern('numeric operand must be a number');
    // Own-key lookups so names such as "toString" are unknown operators.
    const makeLower = Object.hasOwn(LOWER, op) ? LOWER[op] : undefined;
    const makeUpper = Object.hasOwn(UPPER, op) ? UPPER[op] : undefined;
    if (makeLower) {
      if (lower) invalidPattern('numeric has two lower bounds');
      lower = { bound, compare: makeLower(bound) };
    } else if (makeUpper) {
      if (upper) invalidPattern('numeric has two upper bounds');
      upper = { bound, compare: makeUpper(bound) };
    } else {
      // Includes "=" in second position: "=" must stand alone.
      invalidPattern(`unknown numeric operator ${JSON.stringify(op)}`);
    }
  }
  // Chosen: the bounds may come in either order (["<", 20, ">", 10] is the same
  // range as [">", 10, "<", 20]); §6 lists no ordering error, only the checks
  // above and lower >= upper.
  if (lower && upper && !(lower.bound < upper.bound)) {
    invalidPattern('numeric lower bound must be below the upper bound');
  }

  const checks = [lower?.compare, upper?.compare].filter((c): c is Comparator => c !== undefined);
  return (value) => typeof value === 'number' && checks.every((check) => check(value));
}
