export * from './function-name.js';
export { FunctionRegistry, type ResolvedFunction } from './function-registry.js';
export { builtinFunctionName, builtinSpecOf } from './builtin-functions.js';
