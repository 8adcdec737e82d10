/** `FilterCriteria.Filters` as a whole: a record is kept when any filter matches (§1). */
import { InvalidFilterPatternError } from './errors.js';
import { compileFilterPattern, type PatternMatcher } from './compile-pattern.js';
import type { FilterSourceKind } from './source-kind.js';

/** One entry of `FilterCriteria.Filters` as the API receives it. */
export interface FilterCriteriaFilter {
  readonly Pattern?: unknown;
}

export interface CompileFilterOptions {
  /** Enables the source's payload-key rule (§5.4): Kinesis `data`, DynamoDB `dynamodb`. */
  readonly source?: FilterSourceKind;
}

export interface CompiledFilter {
  /** Number of filters compiled. */
  readonly size: number;
  /** True when there are no filters: every record is kept, so callers may skip building views. */
  readonly acceptsAll: boolean;
  /** Whether a record's view (§5; see the *FilterView functions) passes the filters. */
  matches(view: unknown): boolean;
}

/**
 * Validates and compiles every filter once. Throws InvalidFilterPatternError
 * (with `filterIndex` set) for the first invalid one. The second argument may
 * be the source kind itself, as a shorthand for `{ source }`.
 */
export function compileFilterCriteria(
  filters: readonly FilterCriteriaFilter[],
  options: CompileFilterOptions | FilterSourceKind = {},
): CompiledFilter {
  const source = typeof options === 'string' ? options : options.source;
  const matchers: PatternMatcher[] = filters.map((filter, index) => {
    try {
      if (typeof filter !== 'object' || filter === null) {
        throw new InvalidFilterPatternError('a filter must be an object');
      }
      return compileFilterPattern(filter.Pattern, source);
    } catch (error) {
      if (error instanceof InvalidFilterPatternError) {
        throw new InvalidFilterPatternError(error.reason, index);
      }
      throw error;
    }
  });

  // `{"Filters": []}` means no filtering (§1).
  const acceptsAll = matchers.length === 0;
  return {
    size: matchers.length,
    acceptsAll,
    matches: acceptsAll
      ? () => true
      : (view) => {
          for (const matches of matchers) if (matches(view)) return true;
          return false;
        },
  };
}
