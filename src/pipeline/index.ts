export { INVOKE_QUEUE, type BatchJobData, type BatchJobResult } from './batch-job.js';
export { FunctionTargets, type ResolvedTarget } from './function-targets.js';
export { invokeJob, type InvokeJobOptions } from './invoke-job.js';
export { functionNotFound, FUNCTION_NOT_CONFIGURED } from './function-not-found.js';
export { InvokePipeline, BatchJobError, openInvokeQueue, type InvokePipelineOptions } from './invoke-pipeline.js';
export { JOB_FENCED, fenceMoved, type JobFence } from './job-fence.js';
