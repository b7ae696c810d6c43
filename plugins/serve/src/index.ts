export { serve, createServer, type ServeOptions, type RunningServer } from './server.js';
export { GenerationQueue, QueueFullError } from './queue.js';
export { ApiError, type OpenAIErrorBody } from './errors.js';
export type { ServerLogger } from './generation.js';
