/** Lambda event filtering (FilterCriteria): pattern validation, compilation and matching. */
export {
  INVALID_FILTER_PATTERN_MESSAGE,
  InvalidFilterPatternError,
} from './errors.js';
export type { FilterSourceKind } from './source-kind.js';
export {
  compileFilterPattern,
  isValidFilterPattern,
  validateFilterPattern,
  type PatternMatcher,
} from './compile-pattern.js';
export {
  compileFilterCriteria,
  type CompileFilterOptions,
  type CompiledFilter,
  type FilterCriteriaFilter,
} from './compile-filter-criteria.js';
export {
  dynamodbFilterView,
  kinesisDataForMatching,
  kinesisFilterView,
  sqsBodyForMatching,
  sqsFilterView,
  type KinesisRecordLike,
  type SqsRecordLike,
} from './record-views.js';
