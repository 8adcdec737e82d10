/**
 * One filter pattern: parse its JSON text once, validate it (§6) and compile it
 * into closures, so matching a record never re-reads the pattern.
 */
import { InvalidFilterPatternError, invalidPattern } from './errors.js';
import { isJsonObject, ownField, someFlattened, type JsonObject } from './json-value.js';
import { compileMatcherList } from './leaf-matcher.js';
import { payloadKeyOf, type FilterSourceKind } from './source-kind.js';

/** Decides whether a record view (§5) matches one pattern. */
export type PatternMatcher = (view: unknown) => boolean;

type ObjectMatcher = (object: JsonObject) => boolean;
type NodeMatcher = (value: unknown) => boolean;

const NO_FIELDS: JsonObject = Object.freeze({});

interface Context {
  /** Key that must hold an object pattern at the record's top level, if any (§5.4). */
  readonly payloadKey: string | undefined;
}

/**
 * A nested pattern (`"field": {...}`) as a function of the field's value.
 * - object: the sub-pattern is matched against it;
 * - array: each element is tried, one match is enough (§4); an empty array
 *   holds nothing, so it is judged like an absent field (chosen);
 * - absent: every field below is absent too, so only `{"exists": false}`-style
 *   sub-patterns match; that result is fixed, so it is computed here once;
 * - a present scalar, null included: no match (chosen, generalising §5.1's
 *   "plain string body + object pattern = no match" and §5.2's non-JSON data).
 */
function compileNode(pattern: JsonObject, context: Context): NodeMatcher {
  const matchObject = compileObject(pattern, context, false);
  const whenAbsent = matchObject(NO_FIELDS);
  const visit = (value: unknown): boolean => {
    if (isJsonObject(value)) return matchObject(value);
    return value === undefined ? whenAbsent : false;
  };
  return (value) => {
    if (value === undefined) return whenAbsent;
    if (Array.isArray(value)) return someFlattened(value, visit, whenAbsent);
    return visit(value);
  };
}

function compileOr(branches: unknown, context: Context, atRecordTop: boolean): ObjectMatcher {
  if (!Array.isArray(branches) || branches.length === 0) {
    invalidPattern('$or must be a non-empty array of patterns');
  }
  // Branches of a top-level $or address the record's top level, so the
  // payload-key rule applies inside them as well (chosen).
  const compiled = branches.map((branch) => compileObject(branch, context, atRecordTop));
  return (object) => compiled.some((matches) => matches(object));
}

function compileField(key: string, value: unknown, context: Context, atRecordTop: boolean): ObjectMatcher {
  if (atRecordTop && key === context.payloadKey && !isJsonObject(value)) {
    invalidPattern(`"${key}" must hold an object pattern for this source`);
  }
  if (Array.isArray(value)) {
    const matchField = compileMatcherList(value);
    return (object) => matchField(ownField(object, key));
  }
  if (isJsonObject(value)) {
    const matchNode = compileNode(value, context);
    return (object) => matchNode(ownField(object, key));
  }
  return invalidPattern(`field "${key}" must hold a matcher list or an object`);
}

/** All keys of one pattern object must match (AND); `$or` is one more conjunct. */
function compileObject(pattern: unknown, context: Context, atRecordTop: boolean): ObjectMatcher {
  if (!isJsonObject(pattern)) invalidPattern('a pattern must be a JSON object');
  const keys = Object.keys(pattern);
  if (keys.length === 0) invalidPattern('a pattern object must not be empty');
  const conjuncts = keys.map((key) =>
    key === '$or'
      ? compileOr(pattern[key], context, atRecordTop)
      : compileField(key, pattern[key], context, atRecordTop),
  );
  return (object) => {
    for (const matches of conjuncts) if (!matches(object)) return false;
    return true;
  };
}

/** Parses the `Pattern` string; absent, null or non-string patterns are refused (§6, V3/V37). */
function parsePatternText(pattern: unknown): unknown {
  if (typeof pattern !== 'string') invalidPattern('Pattern must be a string');
  try {
    // Ordinary JSON parsing: a repeated key keeps its last value (§2).
    return JSON.parse(pattern);
  } catch {
    return invalidPattern('Pattern is not valid JSON');
  }
}

/**
 * Validates and compiles one `Pattern` string. Throws InvalidFilterPatternError.
 * `source` enables the Kinesis/DynamoDB payload-key rule; without it the
 * pattern is compiled for a generic JSON event.
 */
export function compileFilterPattern(pattern: unknown, source?: FilterSourceKind): PatternMatcher {
  const parsed = parsePatternText(pattern);
  let matchRecord: ObjectMatcher;
  try {
    matchRecord = compileObject(parsed, { payloadKey: payloadKeyOf(source) }, true);
  } catch (error) {
    // A pathologically deep pattern must fail as an invalid pattern, not crash the API.
    if (error instanceof RangeError) invalidPattern('pattern nested too deeply');
    throw error;
  }
  return (view) => isJsonObject(view) && matchRecord(view);
}

/** For the API layer (V37): throws InvalidFilterPatternError when `pattern` is invalid. */
export function validateFilterPattern(pattern: unknown, source?: FilterSourceKind): void {
  compileFilterPattern(pattern, source);
}

/** Boolean form of validateFilterPattern. */
export function isValidFilterPattern(pattern: unknown, source?: FilterSourceKind): boolean {
  try {
    compileFilterPattern(pattern, source);
    return true;
  } catch (error) {
    if (error instanceof InvalidFilterPatternError) return false;
    throw error;
  }
}
