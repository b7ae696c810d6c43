export { ApiError, type OpenAIErrorBody } from './errors.js';
export type { ServerLogger } from './generation.js';
export { GenerationQueue, QueueFullError } from './queue.js';
export { checkServeOptions, type OptionLabel } from './serve-options.js';
export { createServer, type RunningServer, type ServeOptions, serve } from './server.js';
