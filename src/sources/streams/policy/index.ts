export {
  StreamBatchPolicyError,
  hasEnded,
  type BatchPart,
  type DiscardGroup,
  type DiscardRun,
  type PolicyRecord,
  type PolicyRecordInput,
  type StreamBatchConfig,
  type StreamBatchState,
} from './batch-state.js';
export { abandon, settledUpTo } from './discard-runs.js';
export { isRecordExpired, recordAgeLimitMs } from './record-age.js';
export { applyOutcome, retryDelayMs, type ApplyOutcomeOptions, type AttemptReport } from './retry-decision.js';
export {
  MAX_PAYLOAD_BYTES,
  PAYLOAD_ENVELOPE_BYTES,
  createBatchState,
  exceedsPayloadLimitAlone,
  nextAction,
  type BatchAction,
} from './stream-batch-policy.js';
export { runStreamBatch, type RunStreamBatchOptions, type RunStreamBatchResult } from './run-stream-batch.js';
