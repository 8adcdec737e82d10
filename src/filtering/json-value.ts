/** Small helpers for the JSON values patterns and records are made of. */

export type JsonObject = { readonly [key: string]: unknown };

/** A leaf of the record: the only kind of value matchers compare against (§4 "Leaves only"). */
export type Scalar = string | number | boolean | null;

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isScalar(value: unknown): value is Scalar {
  return (
    value === null ||
    typeof value === 'string' ||
    typeof value === 'number' ||
    typeof value === 'boolean'
  );
}

/**
 * The record's own value for `key`, or undefined. Own properties only, so a
 * pattern naming `constructor` or `__proto__` sees an absent field rather than
 * something inherited from Object.prototype.
 */
export function ownField(object: JsonObject, key: string): unknown {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}

/**
 * Calls `visit` on every non-array element of a possibly nested array until one
 * returns true. Nested arrays are flattened (as EventBridge does) with an
 * explicit stack, so a hostile, deeply nested record body cannot overflow the
 * call stack of the poller. Returns `whenEmpty` when there was no element at all.
 */
export function someFlattened(
  array: readonly unknown[],
  visit: (element: unknown) => boolean,
  whenEmpty: boolean,
): boolean {
  const pending: (readonly unknown[])[] = [array];
  const positions: number[] = [0];
  let sawElement = false;
  while (pending.length > 0) {
    const top = pending.length - 1;
    const current = pending[top]!;
    const index = positions[top]!;
    if (index >= current.length) {
      pending.pop();
      positions.pop();
      continue;
    }
    positions[top] = index + 1;
    const element = current[index];
    if (Array.isArray(element)) {
      pending.push(element);
      positions.push(0);
      continue;
    }
    sawElement = true;
    if (visit(element)) return true;
  }
  return sawElement ? false : whenEmpty;
}

const JSON_WHITESPACE = new Set([' ', '\t', '\n', '\r']);

/**
 * Parses `text` when it is JSON whose top level is an object; otherwise
 * undefined. Used for SQS bodies and Kinesis data (§5.1, §5.2): only a
 * top-level object becomes structured, every other JSON form stays raw.
 * The cheap first-character check avoids a failing JSON.parse on plain text.
 */
export function parseJsonObject(text: string): JsonObject | undefined {
  let i = 0;
  while (i < text.length && JSON_WHITESPACE.has(text[i]!)) i++;
  if (text[i] !== '{') return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return isJsonObject(parsed) ? parsed : undefined;
  } catch {
    // Not JSON (or too deeply nested for the parser): matched as raw text.
    return undefined;
  }
}
