export { INVOKE_QUEUE, type BatchJobData, type BatchJobResult } from './batch-job.js';
export { FunctionTargets, type ResolvedTarget } from './function-targets.js';
export { invokeBatch, functionNotFound, FUNCTION_NOT_CONFIGURED } from './invoke-batch.js';
export { InvokePipeline, BatchJobError, type InvokePipelineOptions } from './invoke-pipeline.js';
export { readBatchItemFailures, type BatchItemFailuresVerdict } from './batch-item-failures.js';
