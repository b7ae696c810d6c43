import type { GenerateOptions, Prompt, TextGenerator } from '@kiln/sampling';
import { badRequest } from '../errors.js';
import type { SamplingFields } from '../schemas.js';

/** OpenAI request fields → GenerateOptions, refusing by name what we cannot honour. */
export function samplingOptions(
  body: SamplingFields,
  maxTokens: number | null | undefined,
  defaultMaxTokens: number,
  maxTokensLimit: number,
): GenerateOptions {
  if ((body.n ?? 1) !== 1) throw badRequest('only n = 1 is supported', 'n');
  if (body.frequency_penalty)
    throw badRequest('frequency_penalty is not supported; use repetition_penalty', 'frequency_penalty');
  if (body.presence_penalty)
    throw badRequest('presence_penalty is not supported; use repetition_penalty', 'presence_penalty');
  const tokens = maxTokens ?? Math.min(defaultMaxTokens, maxTokensLimit);
  if (tokens > maxTokensLimit) throw badRequest(`max_tokens may be at most ${maxTokensLimit}`, 'max_tokens');
  const stop = typeof body.stop === 'string' ? [body.stop] : (body.stop ?? undefined);
  return {
    maxTokens: tokens,
    temperature: body.temperature ?? 1,
    // top_p = 0 keeps only the most likely token: greedy.
    greedy: body.top_p === 0,
    topP: body.top_p ? body.top_p : 1,
    topK: body.top_k ?? 0,
    repetitionPenalty: body.repetition_penalty ?? 1,
    seed: body.seed ?? undefined,
    stop,
  };
}

/**
 * prompt + max_tokens must fit the context: a max_tokens the client gave that does not is
 * a 400 (as OpenAI and vLLM answer), never a reply silently cut short; a default one
 * shrinks to the room left.
 */
export function fitContext(
  generator: TextGenerator,
  prompt: Prompt,
  options: GenerateOptions,
  explicit: boolean,
): void {
  const promptTokens = generator.countTokens?.(prompt);
  const maxTokens = options.maxTokens ?? 0;
  if (promptTokens === undefined) return;
  const context = generator.info.contextLength;
  const room = context - promptTokens;
  if (room <= 0)
    throw badRequest(
      `the model's context holds ${context} tokens and the prompt has ${promptTokens}: shorten it`,
      'prompt',
      'context_length_exceeded',
    );
  if (maxTokens <= room) return;
  if (!explicit) {
    options.maxTokens = room;
    return;
  }
  throw badRequest(
    `the model's context holds ${context} tokens; the prompt has ${promptTokens} and max_tokens asks for ${maxTokens} more, so at most ${room} fit`,
    'max_tokens',
    'context_length_exceeded',
  );
}
