/**
 * ReportBatchItemFailures: what a function's response means (sqs.md §7; streams use the
 * same reading with sequence numbers as identifiers).
 */

export type BatchItemFailuresVerdict =
  | { kind: 'full-success' }
  | { kind: 'partial-failure'; failedIds: Set<string> }
  | { kind: 'complete-failure'; reason: string };

/**
 * Reads a success's response value. `responseIsJson` false means the body was not valid
 * JSON (complete failure). `batchIds` are the identifiers of this batch's records.
 */
export function readBatchItemFailures(response: unknown, responseIsJson: boolean, batchIds: ReadonlySet<string>): BatchItemFailuresVerdict {
  if (!responseIsJson) return { kind: 'complete-failure', reason: 'response is not valid JSON' };
  // null, strings, numbers, booleans, arrays and objects without the key: full success
  // (AWS for null / {}; chosen for the rest, `""` and `[]` observed on streams).
  if (typeof response !== 'object' || response === null || Array.isArray(response)) return { kind: 'full-success' };
  if (!Object.hasOwn(response, 'batchItemFailures')) return { kind: 'full-success' };
  const failures = (response as { batchItemFailures: unknown }).batchItemFailures;
  if (failures === null) return { kind: 'full-success' };
  if (!Array.isArray(failures)) return { kind: 'complete-failure', reason: 'batchItemFailures is not an array' };
  const failedIds = new Set<string>();
  for (const entry of failures) {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      return { kind: 'complete-failure', reason: 'a batchItemFailures entry is not an object' };
    }
    const id = (entry as { itemIdentifier?: unknown }).itemIdentifier;
    if (typeof id !== 'string' || id === '') return { kind: 'complete-failure', reason: 'an itemIdentifier is missing, empty or not a string' };
    if (!batchIds.has(id)) return { kind: 'complete-failure', reason: `itemIdentifier ${id} is not in the batch` };
    failedIds.add(id); // the same id twice counts once (chosen)
  }
  return failedIds.size === 0 ? { kind: 'full-success' } : { kind: 'partial-failure', failedIds };
}
