/**
 * `kiln serve`: an OpenAI-compatible HTTP API over any TextGenerator, on fastify.
 * Binds 127.0.0.1 unless told otherwise: exposing a model to the network is a
 * decision the user makes with `host`.
 */
import type { TextGenerator } from '@kiln/sampling';
import Fastify, { type FastifyInstance } from 'fastify';
import { requireApiKey } from './auth.js';
import { ApiError, fromFastifyError } from './errors.js';
import type { ServerLogger, ServerState } from './generation.js';
import { GenerationQueue } from './queue.js';
import { chatRoute } from './routes/chat.js';
import { completionsRoute } from './routes/completions.js';
import { modelsRoute } from './routes/models.js';
import { checkServeOptions } from './serve-options.js';

export interface ServeOptions {
  /** Interface to bind (default 127.0.0.1). */
  host?: string;
  /** Port (default 8000; 0 picks a free one). */
  port?: number;
  /** Generations running at once (default: what the generator decodes together, its `batch`, else 1). */
  concurrency?: number;
  /** Requests that may wait for a slot; more get 429 (default 16). */
  maxQueue?: number;
  /** Largest request body in bytes; larger gets 413 (default 1 MiB). */
  bodyLimit?: number;
  /** Deadline for one request, queueing included; past it: 504, or an error event in a stream (default 120 s). */
  timeoutMs?: number;
  /** max_tokens for chat requests that give none (default 256). */
  defaultMaxTokens?: number;
  /** Largest max_tokens a request may ask for (default: the model's context length). */
  maxTokensLimit?: number;
  /** When set, every route but /health requires `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** Where server events go (ctx.logger fits); silent by default. */
  logger?: ServerLogger;
}

const silent: ServerLogger = { info() {}, warn() {}, error() {} };

/** Builds the fastify app without listening (tests may call `app.inject`). */
export function createServer(generator: TextGenerator, options: ServeOptions = {}): FastifyInstance {
  checkServeOptions(options);
  const logger = options.logger ?? silent;
  const state: ServerState = {
    generator,
    queue: new GenerationQueue(options.concurrency ?? generator.batch ?? 1, options.maxQueue ?? 16),
    timeoutMs: options.timeoutMs ?? 120_000,
    logger,
  };
  const app = Fastify({
    logger: false,
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    // Types as sent: "5" is not a number; defaults are ours, not the schema's.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: false } },
  });

  // Request bodies are JSON only: fastify's own text/plain parser would turn a 415 into a schema 400.
  app.removeContentTypeParser('text/plain');
  app.setErrorHandler((err, req, reply) => {
    const apiError = fromFastifyError(err as Parameters<typeof fromFastifyError>[0]);
    if (apiError.statusCode >= 500 && apiError.statusCode !== 504)
      logger.error(`${req.method} ${req.url} failed`, { error: String((err as Error).stack ?? err) });
    if (apiError.statusCode === 499) return reply.raw.destroy();
    return reply.code(apiError.statusCode).send(apiError.toJSON());
  });
  app.setNotFoundHandler((req, reply) => {
    reply
      .code(404)
      .send(
        new ApiError(404, `no route ${req.method} ${req.url}`, 'invalid_request_error', null, 'not_found').toJSON(),
      );
  });
  if (options.apiKey) requireApiKey(app, options.apiKey);

  const limits = {
    defaultMaxTokens: options.defaultMaxTokens ?? 256,
    maxTokensLimit: options.maxTokensLimit ?? generator.info.contextLength,
  };
  modelsRoute(app, state, Math.floor(Date.now() / 1000));
  completionsRoute(app, state, limits);
  chatRoute(app, state, limits);
  return app;
}

export interface RunningServer {
  /** e.g. http://127.0.0.1:8000 */
  url: string;
  app: FastifyInstance;
  close(): Promise<void>;
}

/** Starts the server and resolves once it listens. */
export async function serve(generator: TextGenerator, options: ServeOptions = {}): Promise<RunningServer> {
  const app = createServer(generator, options);
  const host = options.host ?? '127.0.0.1';
  await app.listen({ host, port: options.port ?? 8000 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  options.logger?.info(`serving ${generator.info.model} at ${url}/v1`);
  return { url, app, close: () => app.close() };
}
