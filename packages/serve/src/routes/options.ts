import type { GenerateOptions } from '@kiln/sampling';
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
