/**
 * One request's generation: admission through the queue, a deadline, abort when the
 * client goes away, then either one JSON answer or an SSE stream. The two routes
 * differ only in how they shape chunks and answers (`ResponseShape`).
 */
import { randomUUID } from 'node:crypto';
import {
  ContextLengthError,
  type FinishReason,
  type GenerateOptions,
  type GenerationChunk,
  type Prompt,
  type TextGenerator,
} from '@kiln/sampling';
import type { FastifyReply } from 'fastify';
import { ApiError, badRequest } from './errors.js';
import { type GenerationQueue, QueueFullError } from './queue.js';
import { SseWriter } from './sse.js';

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export interface ResponseShape {
  /** 'cmpl' or 'chatcmpl'. */
  idPrefix: string;
  /** Stream events sent before the first token (chat sends the assistant role). */
  preamble?(meta: ResponseMeta): unknown[];
  chunk(meta: ResponseMeta, text: string, finishReason: FinishReason | null): unknown;
  usageChunk(meta: ResponseMeta, usage: Usage): unknown;
  complete(meta: ResponseMeta, text: string, finishReason: FinishReason, usage: Usage): unknown;
}

export interface ResponseMeta {
  id: string;
  created: number;
  model: string;
}

export interface ServerLogger {
  info(message: string, data?: Record<string, unknown>): void;
  warn(message: string, data?: Record<string, unknown>): void;
  error(message: string, data?: Record<string, unknown>): void;
}

export interface ServerState {
  generator: TextGenerator;
  queue: GenerationQueue;
  timeoutMs: number;
  logger: ServerLogger;
}

export interface GenerationRequest {
  prompt: Prompt;
  options: GenerateOptions;
  stream: boolean;
  includeUsage: boolean;
}

export async function runGeneration(
  state: ServerState,
  reply: FastifyReply,
  request: GenerationRequest,
  shape: ResponseShape,
): Promise<void> {
  const meta: ResponseMeta = {
    id: `${shape.idPrefix}-${randomUUID()}`,
    created: Math.floor(Date.now() / 1000),
    model: state.generator.info.model,
  };
  const controller = new AbortController();
  const seconds = state.timeoutMs / 1000;
  const timer = setTimeout(
    () =>
      controller.abort(
        new ApiError(504, `generation did not finish within ${seconds} s`, 'timeout_error', null, 'timeout'),
      ),
    state.timeoutMs,
  );
  const onClose = () => {
    if (!reply.raw.writableFinished)
      controller.abort(new ApiError(499, 'client closed the connection', 'client_closed'));
  };
  reply.raw.on('close', onClose);
  let release: (() => void) | undefined;
  let iterator: AsyncIterator<GenerationChunk> | undefined;
  try {
    try {
      release = await state.queue.acquire(controller.signal);
    } catch (err) {
      if (err instanceof QueueFullError) throw new ApiError(429, err.message, 'rate_limit_error', null, 'queue_full');
      throw err;
    }
    const it = (iterator = startGeneration(state.generator, request, controller.signal));
    const next = () => nextChunk(it, controller.signal);
    // Pull the first chunk before answering, so a bad prompt still gets a 400, not a broken stream.
    const first = await next();
    const promptTokens = state.generator.countTokens?.(request.prompt) ?? 0;
    if (request.stream)
      await streamAnswer(reply, next, first, meta, shape, request.includeUsage, promptTokens, state.logger);
    else await jsonAnswer(reply, next, first, meta, shape, promptTokens);
  } finally {
    clearTimeout(timer);
    reply.raw.off('close', onClose);
    // Let an unfinished generator run its cleanup (a model may free its KV cache there).
    await iterator?.return?.().catch(() => undefined);
    release?.();
  }
}

function startGeneration(
  generator: TextGenerator,
  request: GenerationRequest,
  signal: AbortSignal,
): AsyncIterator<GenerationChunk> {
  try {
    return generator.generate(request.prompt, { ...request.options, signal })[Symbol.asyncIterator]();
  } catch (err) {
    throw asRequestError(err, signal);
  }
}

async function nextChunk(
  iterator: AsyncIterator<GenerationChunk>,
  signal: AbortSignal,
): Promise<IteratorResult<GenerationChunk>> {
  try {
    return await iterator.next();
  } catch (err) {
    throw asRequestError(err, signal);
  }
}

/** Errors from the generator that are the request's fault become 400s; an abort carries its own ApiError. */
function asRequestError(err: unknown, signal?: AbortSignal): unknown {
  if (signal?.aborted && signal.reason instanceof ApiError) return signal.reason;
  if (err instanceof ContextLengthError) return badRequest(err.message, 'prompt', 'context_length_exceeded');
  if (err instanceof RangeError) return badRequest(err.message);
  if (err instanceof Error && err.name === 'AbortError' && err.cause instanceof ApiError) return err.cause;
  return err;
}

const usageOf = (prompt: number, completion: number): Usage => ({
  prompt_tokens: prompt,
  completion_tokens: completion,
  total_tokens: prompt + completion,
});

type Next = () => Promise<IteratorResult<GenerationChunk>>;

async function jsonAnswer(
  reply: FastifyReply,
  next: Next,
  first: IteratorResult<GenerationChunk>,
  meta: ResponseMeta,
  shape: ResponseShape,
  promptTokens: number,
): Promise<void> {
  let text = '';
  let tokens = 0;
  let finish: FinishReason = 'length';
  for (let r = first; !r.done; r = await next()) {
    text += r.value.text;
    if (r.value.tokenId >= 0) tokens++;
    if (r.value.finishReason) finish = r.value.finishReason;
  }
  await reply.send(shape.complete(meta, text, finish, usageOf(promptTokens, tokens)));
}

async function streamAnswer(
  reply: FastifyReply,
  next: Next,
  first: IteratorResult<GenerationChunk>,
  meta: ResponseMeta,
  shape: ResponseShape,
  includeUsage: boolean,
  promptTokens: number,
  logger: ServerLogger,
): Promise<void> {
  reply.hijack();
  const sse = new SseWriter(reply.raw);
  sse.open();
  try {
    for (const event of shape.preamble?.(meta) ?? []) await sse.send(event);
    let tokens = 0;
    let finish: FinishReason = 'length';
    for (let r = first; !r.done; r = await next()) {
      if (r.value.tokenId >= 0) tokens++;
      if (r.value.finishReason) finish = r.value.finishReason;
      if (r.value.text) await sse.send(shape.chunk(meta, r.value.text, null));
    }
    await sse.send(shape.chunk(meta, '', finish));
    if (includeUsage) await sse.send(shape.usageChunk(meta, usageOf(promptTokens, tokens)));
    await sse.done();
  } catch (err) {
    // Headers are gone: report the error as an event, as OpenAI does, and close.
    const apiError = err instanceof ApiError ? err : new ApiError(500, 'internal server error', 'server_error');
    await sse.send(apiError.toJSON());
    sse.end();
    if (apiError.statusCode === 500) logger.error('generation failed while streaming', { error: String(err) });
  }
}
