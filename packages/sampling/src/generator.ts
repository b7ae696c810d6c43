/**
 * The generation loop and the interface every consumer of a model's text uses
 * (`kiln generate`, `kiln serve`, sample generations in evaluation).
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { ChatTemplate } from './chat.js';
import { type Detokenizer, IncrementalDecoder } from './decode.js';
import { encodePrompt, type Prompt } from './prompt.js';
import { seededUniform } from './rng.js';
import { type SamplingOptions, sampleToken, type UniformSource, validateSamplingOptions } from './sample.js';
import { StopSequenceMatcher } from './stop.js';

export interface GenerateOptions extends SamplingOptions {
  /** Most tokens to generate (default 128). */
  maxTokens?: number;
  /** Generation ends before the first occurrence of any of these. */
  stop?: readonly string[];
  /** Seed for the draws, when no `rng` is given; same seed, same tokens. */
  seed?: number;
  rng?: UniformSource;
  /** Aborting ends the stream with an AbortError. */
  signal?: AbortSignal;
}

export type FinishReason = 'stop' | 'length';

export interface GenerationChunk {
  /** New text (may be '' while a character or a possible stop sequence is pending). */
  text: string;
  /** The token generated, or -1 for a final chunk that only carries held-back text. */
  tokenId: number;
  /** Set on the last chunk: 'stop' (end-of-text or stop sequence) or 'length'. */
  finishReason?: FinishReason;
}

export interface TextGenerator {
  readonly info: { model: string; contextLength: number };
  generate(prompt: Prompt, options?: GenerateOptions): AsyncIterable<GenerationChunk>;
  /** How chat messages become a prompt; absent means the model has no chat format. */
  readonly chatTemplate?: ChatTemplate;
  /** Tokens in a prompt (for `usage` and context checks). */
  countTokens?(prompt: Prompt): number;
  /** The tokenizer's special-token strings: what renderChatPrompt keeps plain in chat messages. */
  readonly specialTokens?: readonly string[];
  /** Generations the model decodes together in one step (continuous batching); absent or 1: one at a time. */
  readonly batch?: number;
}

/** Raised when a prompt leaves no room to generate; servers answer 400. */
export class ContextLengthError extends RangeError {
  constructor(
    readonly promptTokens: number,
    readonly contextLength: number,
  ) {
    super(`prompt has ${promptTokens} tokens; the model's context holds ${contextLength}, so nothing can be generated`);
    this.name = 'ContextLengthError';
  }
}

/**
 * What the loop needs from a model. `nextLogits` is called with one sequence that
 * grows by a token per call, so an implementation keeps a KV cache for the prefix
 * it has already seen and only runs the new token through the network.
 */
export interface NextTokenModel {
  readonly contextLength: number;
  nextLogits(tokens: readonly number[], signal?: AbortSignal): Promise<Float32Array> | Float32Array;
  /**
   * Optional: a session for one generation, for a model that decodes several at
   * once (continuous batching): each generation then calls its own session's
   * nextLogits and closes it when it ends.
   */
  open?(): NextTokenSession;
  /** Generations such a model decodes together (`kiln serve` runs that many at once by default). */
  readonly batch?: number;
}

/** One generation's view of a batching model: its own growing sequence, closed when the generation ends. */
export interface NextTokenSession {
  nextLogits(tokens: readonly number[], signal?: AbortSignal): Promise<Float32Array> | Float32Array;
  close(): void;
}

export interface GeneratorTokenizer extends Detokenizer {
  /** A string prompt is encoded without options; a prompt's parts say allowSpecial each. */
  encode(text: string, options?: { allowSpecial?: boolean }): number[];
  /** Special-token strings and their ids, as @kiln/core's Tokenizer has them. */
  readonly specialTokens?: Readonly<Record<string, number>>;
  /** End-of-text id: generating it ends the text with finish reason 'stop'. */
  readonly eosId?: number;
}

export interface TextGeneratorOptions {
  /** Name shown by /v1/models. */
  name: string;
  model: NextTokenModel;
  tokenizer: GeneratorTokenizer;
  chatTemplate?: ChatTemplate;
  /** Makes the Rng for a request's seed (default: a mulberry32 stream). */
  createRng?: (seed: number) => UniformSource;
  /** Sampling defaults, overridden per request. */
  defaults?: GenerateOptions;
}

export function createTextGenerator(options: TextGeneratorOptions): TextGenerator {
  const { model, tokenizer } = options;
  const createRng = options.createRng ?? seededUniform;
  return {
    info: { model: options.name, contextLength: model.contextLength },
    batch: model.batch,
    chatTemplate: options.chatTemplate,
    countTokens: (prompt) => encodePrompt(tokenizer, prompt).length,
    specialTokens: Object.keys(tokenizer.specialTokens ?? {}),
    generate(prompt, requestOptions = {}) {
      const opts = { ...options.defaults, ...requestOptions };
      validateSamplingOptions(opts);
      const maxTokens = opts.maxTokens ?? 128;
      if (!(Number.isInteger(maxTokens) && maxTokens >= 0))
        throw new RangeError(`maxTokens must be an integer >= 0, got ${maxTokens}`);
      const rng = opts.rng ?? createRng(opts.seed ?? Math.floor(Math.random() * 2 ** 32));
      const tokens = encodePrompt(tokenizer, prompt);
      if (tokens.length >= model.contextLength || tokens.length === 0)
        throw new ContextLengthError(tokens.length, model.contextLength);
      return run(tokens, maxTokens, rng, opts);
    },
  };

  async function* run(
    tokens: number[],
    maxTokens: number,
    rng: UniformSource,
    opts: GenerateOptions,
  ): AsyncGenerator<GenerationChunk> {
    const decoder = new IncrementalDecoder(tokenizer);
    const stops = new StopSequenceMatcher(opts.stop ?? []);
    // A batching model gives this generation its own session, closed however the generation ends.
    const session = model.open?.();
    const next = session ?? model;
    try {
      for (let produced = 0; ; produced++) {
        const full = tokens.length >= model.contextLength;
        if (produced >= maxTokens || full) {
          const last = stops.push(decoder.flush());
          yield { text: last.text + stops.flush(), tokenId: -1, finishReason: last.stopped ? 'stop' : 'length' };
          return;
        }
        opts.signal?.throwIfAborted();
        const logits = await next.nextLogits(tokens, opts.signal);
        const { tokenId } = sampleToken(logits, opts, rng, tokens);
        if (tokenId === tokenizer.eosId) {
          yield { text: stops.push(decoder.flush()).text + stops.flush(), tokenId, finishReason: 'stop' };
          return;
        }
        tokens.push(tokenId);
        const piece = stops.push(decoder.push(tokenId));
        if (piece.stopped) {
          yield { text: piece.text, tokenId, finishReason: 'stop' };
          return;
        }
        yield { text: piece.text, tokenId };
        // A model that computes synchronously would otherwise starve the event loop.
        await yieldToEventLoop();
      }
    } finally {
      session?.close();
    }
  }
}
