/**
 * Request bodies of the OpenAI API that we accept, as JSON Schema (fastify
 * validates them with ajv before a handler runs; a failure becomes a 400).
 * Unknown fields are allowed, as OpenAI's SDKs send newer ones; fields we cannot
 * honour are refused by name in the handlers rather than silently ignored.
 */
const sampling = {
  max_tokens: { type: ['integer', 'null'], minimum: 0 },
  temperature: { type: ['number', 'null'], minimum: 0, maximum: 2 },
  top_p: { type: ['number', 'null'], minimum: 0, maximum: 1 },
  /** Not in OpenAI's API; the vLLM / llama.cpp server names. */
  top_k: { type: ['integer', 'null'], minimum: 0 },
  repetition_penalty: { type: ['number', 'null'], exclusiveMinimum: 0 },
  frequency_penalty: { type: ['number', 'null'], minimum: -2, maximum: 2 },
  presence_penalty: { type: ['number', 'null'], minimum: -2, maximum: 2 },
  seed: { type: ['integer', 'null'] },
  stop: {
    anyOf: [
      { type: 'string', minLength: 1 },
      { type: 'array', items: { type: 'string', minLength: 1 }, maxItems: 4 },
      { type: 'null' },
    ],
  },
  stream: { type: ['boolean', 'null'] },
  stream_options: {
    anyOf: [{ type: 'object', properties: { include_usage: { type: 'boolean' } } }, { type: 'null' }],
  },
  n: { type: ['integer', 'null'], minimum: 1 },
  user: { type: 'string' },
} as const;

export const completionBody = {
  type: 'object',
  required: ['model', 'prompt'],
  properties: {
    model: { type: 'string', minLength: 1 },
    prompt: {
      anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' }, minItems: 1 }],
    },
    echo: { type: ['boolean', 'null'] },
    logprobs: { type: ['integer', 'null'] },
    best_of: { type: ['integer', 'null'] },
    suffix: { type: ['string', 'null'] },
    ...sampling,
  },
} as const;

const textPart = {
  type: 'object',
  required: ['type', 'text'],
  properties: { type: { const: 'text' }, text: { type: 'string' } },
} as const;

export const chatBody = {
  type: 'object',
  required: ['model', 'messages'],
  properties: {
    model: { type: 'string', minLength: 1 },
    messages: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['role', 'content'],
        properties: {
          role: { enum: ['system', 'developer', 'user', 'assistant'] },
          content: { anyOf: [{ type: 'string' }, { type: 'array', items: textPart }] },
          name: { type: 'string' },
        },
      },
    },
    max_completion_tokens: { type: ['integer', 'null'], minimum: 0 },
    logprobs: { type: ['boolean', 'null'] },
    tools: { type: ['array', 'null'] },
    ...sampling,
  },
} as const;

type Nullable<T> = T | null | undefined;

export interface SamplingFields {
  model: string;
  max_tokens?: Nullable<number>;
  temperature?: Nullable<number>;
  top_p?: Nullable<number>;
  top_k?: Nullable<number>;
  repetition_penalty?: Nullable<number>;
  frequency_penalty?: Nullable<number>;
  presence_penalty?: Nullable<number>;
  seed?: Nullable<number>;
  stop?: Nullable<string | string[]>;
  stream?: Nullable<boolean>;
  stream_options?: Nullable<{ include_usage?: boolean }>;
  n?: Nullable<number>;
}

export interface CompletionRequest extends SamplingFields {
  prompt: string | string[];
  echo?: Nullable<boolean>;
  logprobs?: Nullable<number>;
  best_of?: Nullable<number>;
  suffix?: Nullable<string>;
}

export interface ChatRequest extends SamplingFields {
  messages: Array<{ role: string; content: string | Array<{ type: 'text'; text: string }>; name?: string }>;
  max_completion_tokens?: Nullable<number>;
  logprobs?: Nullable<boolean>;
  tools?: Nullable<unknown[]>;
}
