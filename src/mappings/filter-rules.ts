/** V37: every filter pattern must compile (filtering.md §6). */
import { compileFilterCriteria, InvalidFilterPatternError } from '../filtering/index.js';
import { invalidParameter } from './errors.js';
import type { SourceType } from './event-source-arn.js';

export function checkFilterPatterns(filters: { Pattern?: string }[], sourceType: SourceType): void {
  if (filters.length === 0) return;
  try {
    compileFilterCriteria(filters, sourceType);
  } catch (error) {
    if (error instanceof InvalidFilterPatternError) throw invalidParameter('Invalid filter pattern definition.');
    throw error;
  }
}
