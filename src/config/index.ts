/** Load the typed, frozen Config from argv and environment. */
export { loadConfig, helpText, type LoadResult } from './load.js';
/** Config types and the option table. */
export { OPTIONS, LOG_LEVELS, envName, type Config, type BackendConfig, type LogLevel } from './schema.js';
