import type { FastifyInstance } from 'fastify';
import { badRequest } from '../errors.js';
import { type ResponseShape, runGeneration, type ServerState } from '../generation.js';
import { type CompletionRequest, completionBody } from '../schemas.js';
import { checkModel, type RouteLimits } from './models.js';
import { fitContext, samplingOptions } from './options.js';

/** OpenAI's legacy text completions: `text_completion` objects. */
const shape: ResponseShape = {
  idPrefix: 'cmpl',
  chunk: (m, text, finish) => ({
    id: m.id,
    object: 'text_completion',
    created: m.created,
    model: m.model,
    choices: [{ index: 0, text, logprobs: null, finish_reason: finish }],
  }),
  usageChunk: (m, usage) => ({
    id: m.id,
    object: 'text_completion',
    created: m.created,
    model: m.model,
    choices: [],
    usage,
  }),
  complete: (m, text, finish, usage) => ({
    id: m.id,
    object: 'text_completion',
    created: m.created,
    model: m.model,
    choices: [{ index: 0, text, logprobs: null, finish_reason: finish }],
    usage,
  }),
};

export function completionsRoute(app: FastifyInstance, state: ServerState, limits: RouteLimits): void {
  app.post<{ Body: CompletionRequest }>('/v1/completions', { schema: { body: completionBody } }, async (req, reply) => {
    const body = req.body;
    checkModel(state, body.model);
    if (Array.isArray(body.prompt) && body.prompt.length !== 1)
      throw badRequest('send one prompt per request', 'prompt');
    if (body.echo) throw badRequest('echo is not supported', 'echo');
    if (body.logprobs != null) throw badRequest('logprobs is not supported', 'logprobs');
    if ((body.best_of ?? 1) !== 1) throw badRequest('best_of is not supported', 'best_of');
    if (body.suffix) throw badRequest('suffix is not supported', 'suffix');
    const prompt = Array.isArray(body.prompt) ? body.prompt[0] : body.prompt;
    if (prompt === '')
      throw badRequest('prompt is empty: send the text to continue (at least one character)', 'prompt');
    // OpenAI's default for completions is 16 tokens.
    const options = samplingOptions(body, body.max_tokens, 16, limits.maxTokensLimit);
    fitContext(state.generator, prompt, options, body.max_tokens != null);
    await runGeneration(
      state,
      reply,
      { prompt, options, stream: !!body.stream, includeUsage: !!body.stream_options?.include_usage },
      shape,
    );
  });
}
