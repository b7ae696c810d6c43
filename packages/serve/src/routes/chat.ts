import { type ChatMessage, chatml, renderChatPrompt } from '@kiln/sampling';
import type { FastifyInstance } from 'fastify';
import { badRequest } from '../errors.js';
import { type ResponseShape, runGeneration, type ServerState } from '../generation.js';
import { type ChatRequest, chatBody } from '../schemas.js';
import { checkModel, type RouteLimits } from './models.js';
import { fitContext, samplingOptions } from './options.js';

const shape: ResponseShape = {
  idPrefix: 'chatcmpl',
  preamble: (m) => [chunk(m, { role: 'assistant', content: '' }, null)],
  chunk: (m, text, finish) => chunk(m, text ? { content: text } : {}, finish),
  usageChunk: (m, usage) => ({
    id: m.id,
    object: 'chat.completion.chunk',
    created: m.created,
    model: m.model,
    choices: [],
    usage,
  }),
  complete: (m, text, finish, usage) => ({
    id: m.id,
    object: 'chat.completion',
    created: m.created,
    model: m.model,
    choices: [
      { index: 0, message: { role: 'assistant', content: text, refusal: null }, logprobs: null, finish_reason: finish },
    ],
    usage,
  }),
};

function chunk(
  m: { id: string; created: number; model: string },
  delta: Record<string, string>,
  finish: string | null,
) {
  return {
    id: m.id,
    object: 'chat.completion.chunk',
    created: m.created,
    model: m.model,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  };
}

export function chatRoute(app: FastifyInstance, state: ServerState, limits: RouteLimits): void {
  const template = state.generator.chatTemplate ?? chatml;
  if (!state.generator.chatTemplate)
    state.logger.warn(`model ${state.generator.info.model} has no chat template; /v1/chat/completions uses ChatML`);
  app.post<{ Body: ChatRequest }>('/v1/chat/completions', { schema: { body: chatBody } }, async (req, reply) => {
    const body = req.body;
    checkModel(state, body.model);
    if (body.logprobs) throw badRequest('logprobs is not supported', 'logprobs');
    if (body.tools?.length) throw badRequest('tools are not supported', 'tools');
    const messages: ChatMessage[] = body.messages.map((m) => ({
      // 'developer' is OpenAI's newer name for the system role.
      role: m.role === 'developer' ? 'system' : m.role,
      content: typeof m.content === 'string' ? m.content : m.content.map((p) => p.text).join(''),
    }));
    const maxTokens = body.max_completion_tokens ?? body.max_tokens;
    const options = samplingOptions(body, maxTokens, limits.defaultMaxTokens, limits.maxTokensLimit);
    options.stop = [...(options.stop ?? []), ...template.stop];
    // Contents are plain text: only the template's own markers become control tokens.
    const prompt = renderChatPrompt(template, messages, state.generator.specialTokens ?? []);
    fitContext(state.generator, prompt, options, maxTokens != null);
    await runGeneration(
      state,
      reply,
      { prompt, options, stream: !!body.stream, includeUsage: !!body.stream_options?.include_usage },
      shape,
    );
  });
}
