import type { FastifyInstance } from 'fastify';
import { ApiError } from '../errors.js';
import type { ServerState } from '../generation.js';

export interface RouteLimits {
  /** max_tokens when a chat request gives none. */
  defaultMaxTokens: number;
  /** The largest max_tokens a request may ask for. */
  maxTokensLimit: number;
}

export function checkModel(state: ServerState, model: string): void {
  if (model !== state.generator.info.model)
    throw new ApiError(
      404,
      `model '${model}' does not exist; this server serves '${state.generator.info.model}'`,
      'invalid_request_error',
      'model',
      'model_not_found',
    );
}

export function modelsRoute(app: FastifyInstance, state: ServerState, startedAt: number): void {
  const model = () => ({
    id: state.generator.info.model,
    object: 'model',
    created: startedAt,
    owned_by: 'kiln',
    context_length: state.generator.info.contextLength,
  });
  app.get('/v1/models', async () => ({ object: 'list', data: [model()] }));
  app.get<{ Params: { id: string } }>('/v1/models/:id', async (req) => {
    checkModel(state, req.params.id);
    return model();
  });
  app.get('/health', async () => ({
    status: 'ok',
    model: state.generator.info.model,
    queue: {
      running: state.queue.running,
      waiting: state.queue.waiting,
      concurrency: state.queue.concurrency,
      maxQueue: state.queue.maxWaiting,
    },
  }));
}
