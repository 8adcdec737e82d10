export { INVOKE_QUEUE, type BatchJobData, type BatchJobResult } from './batch-job.js';
export { FunctionTargets, type ResolvedTarget } from './function-targets.js';
export { invokeBatch, functionNotFound, FUNCTION_NOT_CONFIGURED, type InvokeBatchOptions } from './invoke-batch.js';
export { invocationOutcomeLabel } from './invocation-outcome-label.js';
export { InvokePipeline, BatchJobError, openInvokeQueue, type InvokePipelineOptions } from './invoke-pipeline.js';
export { readBatchItemFailures, type BatchItemFailuresVerdict } from './batch-item-failures.js';
export { JOB_FENCED, fenceMoved, type JobFence } from './job-fence.js';
