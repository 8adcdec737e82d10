export { loadConfig, ConfigError, DEFAULT_CONFIG_FILE, type LoadedConfig, type LoadConfigOptions } from './load-config.js';
export { configSchema, serviceKeys, type SluiceConfig, type FunctionConfig, type ServiceKey, type HttpHandlerKind } from './schema.js';
export { environmentOverrides } from './environment.js';
export { configReferenceMarkdown, configReferenceRows } from './reference.js';
