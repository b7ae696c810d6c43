export * from './types.js';
export { Kiln, createKiln, type KilnOptions } from './kiln.js';
export type { PluginCommand } from './hooks.js';
export { defineConfig, createConfigEnv, type UserConfigExport, type UserConfigFn } from './config/define-config.js';
export { CONFIG_FILES } from './config/load-file.js';
export { DEFAULT_SEED } from './config/resolve-config.js';
export { KilnError, ConfigError, AbortedError, throwIfAborted } from './errors.js';
export { createStreamLogger, createMemoryLogger, type LogLevel } from './services/logger.js';
export type { ProgressFactory } from './services/progress.js';
export { readJsonlDocs } from './stages/jsonl-docs.js';
export { CLEAN_FILE } from './stages/data.js';
export { TOKENIZER_FILE } from './stages/tokenizer.js';
export { OPTIONAL_BACKEND_PACKAGES, importOptionalBackend, type ProviderEntry } from './backend/resolve-backend.js';
export { stableJson } from './run-state.js';
export { optionsCacheKey } from './stage-cache.js';
/** The seeded RNG (xoshiro128**) behind ctx.rng, for plugins that need their own stream (a data loader's). */
export { createRng } from '@kiln/tensor';
export { CORE_VERSION } from './version.js';
export { didYouMean, suggestion } from './config/did-you-mean.js';
export { checkOptions } from './config/schema.js';
export { architecturePlugin, modelTypeOf, type ArchitectureSpec } from './architecture-plugin.js';
export {
  checkModelOptions, checkTokenId, checkTransformer, positiveInt, transformerFields, transformerSizes, type TransformerOptions,
} from './architecture-options.js';
export { runDataWorker, type DataWorkerOptions } from './stages/data-queue-worker.js';
export { orderedMap, taskPool, siblingModule, type TaskPool, type TaskModule } from './stages/data-pool.js';
