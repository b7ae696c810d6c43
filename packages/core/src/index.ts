/** The seeded RNG (xoshiro128**) behind ctx.rng, for plugins that need their own stream (a data loader's). */
export { createRng } from '@kiln/tensor';
export {
  checkModelOptions,
  checkTokenId,
  checkTransformer,
  positiveInt,
  type TransformerOptions,
  transformerFields,
  transformerSizes,
} from './architecture-options.js';
export { type ArchitectureSpec, architecturePlugin, modelTypeOf } from './architecture-plugin.js';
export { importOptionalBackend, OPTIONAL_BACKEND_PACKAGES, type ProviderEntry } from './backend/resolve-backend.js';
export { createConfigEnv, defineConfig, type UserConfigExport, type UserConfigFn } from './config/define-config.js';
export { didYouMean, suggestion } from './config/did-you-mean.js';
export { CONFIG_FILES } from './config/load-file.js';
export { DEFAULT_SEED } from './config/resolve-config.js';
export { checkOptions } from './config/schema.js';
export { AbortedError, ConfigError, KilnError, throwIfAborted } from './errors.js';
export type { PluginCommand } from './hooks.js';
export { createKiln, Kiln, type KilnOptions } from './kiln.js';
export { stableJson } from './run-state.js';
export { createMemoryLogger, createStreamLogger, type LogLevel } from './services/logger.js';
export type { ProgressFactory } from './services/progress.js';
export { optionsCacheKey } from './stage-cache.js';
export { CLEAN_FILE } from './stages/data.js';
export { isDropped } from './stages/data-report.js';
export { readJsonlDocs } from './stages/jsonl-docs.js';
export { TOKENIZER_FILE } from './stages/tokenizer.js';
export * from './types.js';
export { CORE_VERSION } from './version.js';

import { registerCoreModule } from './config/core-module.js';
import * as self from './index.js';

// The config loader hands configs this module (config/core-module.ts).
registerCoreModule(self);
