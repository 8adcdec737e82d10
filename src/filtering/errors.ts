/**
 * The one error a filter pattern can raise. AWS reports every invalid pattern
 * with the same text (api.md V37), so the message is fixed; the reason is kept
 * apart for logs and tests and must not be sent to API clients.
 */
export const INVALID_FILTER_PATTERN_MESSAGE = 'Invalid filter pattern definition.';

export class InvalidFilterPatternError extends Error {
  override readonly name = 'InvalidFilterPatternError';
  /** Why the pattern was refused (internal detail; never part of the message). */
  readonly reason: string;
  /** 0-based index in `FilterCriteria.Filters` of the refused filter, when known. */
  readonly filterIndex: number | undefined;

  constructor(reason: string, filterIndex?: number) {
    super(INVALID_FILTER_PATTERN_MESSAGE);
    this.reason = reason;
    this.filterIndex = filterIndex;
  }
}

/** Throws the pattern error; typed `never` so callers can use it in expressions. */
export function invalidPattern(reason: string): never {
  throw new InvalidFilterPatternError(reason);
}
