/**
 * The model contracts: what the stages after an architecture need from its
 * models, declared once beside Backend and KVCache.
 *
 *   CausalLM           trained by the trainer, finetune and align (forward with loss on the tape)
 *   HiddenStatesLM     a CausalLM whose hidden states a reward head reads (align's reward model)
 *   AdaptableLM        a CausalLM whose dense layers take LoRA adapters (finetune)
 *   InferenceEngine    generation, serving and scoring of a decoder: KV cache, no tape
 *   MaskedLMEngine     scoring of an encoder (BERT): losses of masked tokens, no generation
 *   QuantizableEngine  an engine's matrices, which compressors may read and replace
 *
 * An architecture (ArchitectureProvider in @kiln/core) makes the engine of its
 * models; no stage inspects a model's shape to guess what it can do.
 */
import type { Backend, Buf } from './backend.js';
import type { KVCache } from './inference/kv-cache.js';
import type { LinearWeight } from './inference/weights.js';
import type { Linear } from './nn/layers.js';
import type { Tensor } from './tensor.js';

/** The sizes every model states: its context, its vocabulary and its width. */
export interface ModelDims {
  /** Most positions one sequence may have. */
  readonly nPositions: number;
  readonly vocabSize: number;
  /** Width of the hidden states (what a reward or classification head reads). */
  readonly nEmbd: number;
}

export interface ForwardWithLoss {
  /** Sequence length: ids and targets are (B, T) row-major. */
  T: number;
  /** Loss = sum of token losses / normalizer (default: the number of counted tokens). */
  normalizer?: number;
  /** A segment id per token: packed examples that must not attend to each other. */
  segments?: Int32Array;
}

/** What the trainer, finetune and align need from a model (GPT-2, Llama and BERT provide it). */
export interface CausalLM {
  readonly backend: Backend;
  readonly config: ModelDims;
  /** Parameters by Hugging Face name. */
  parameters(): Map<string, Tensor>;
  /** Logits (B, T, V), and the loss against targets when given, both recorded on the tape unless inside noGrad. */
  forward(ids: Int32Array, targets: Int32Array | null, o: ForwardWithLoss): { logits: Tensor; loss: Tensor | null };
  /** Writes config.json + model.safetensors into dir (what the architecture's load reads back). */
  save(dir: string): Promise<string[]>;
  dispose(): void;
}

/** A CausalLM that hands out its final hidden states: the body of a reward model (GPT-2, Llama and BERT are). */
export interface HiddenStatesLM extends CausalLM {
  /** The hidden states (B, T, nEmbd) the LM head reads, recorded on the tape. */
  hidden(ids: Int32Array, o: Pick<ForwardWithLoss, 'T' | 'segments'>): Tensor;
}

/** A CausalLM whose dense layers take low-rank adapters (finetune's LoRA): GPT-2, Llama and BERT are. */
export interface AdaptableLM extends CausalLM {
  /**
   * Its dense layers by Hugging Face name (the weight's, without `.weight`), in a fixed order:
   * tensor's `linearLayers(this)` for a model built from its nn modules.
   */
  linearLayers(): Map<string, Linear>;
}

/** The methods of every engine: its sizes, per-token losses, saving. */
interface ScoringEngine {
  /** The architecture's name ('gpt2', 'llama', 'bert'): errors name it. */
  readonly architecture: string;
  readonly backend: Backend;
  readonly config: ModelDims;
  /**
   * Cross-entropy (nats) of each target given ids, both (B, T), in one forward
   * from position 0 (a decoder predicts the next token; an encoder the token at
   * each position, typically masked in ids). A target equal to ignoreIndex (default -100) gives 0.
   */
  tokenLosses(ids: Int32Array, targets: Int32Array, B: number, ignoreIndex?: number): Promise<Float32Array>;
  /** Writes config.json + model.safetensors (quantized matrices stay quantized) that the architecture's load reads. */
  save(dir: string): Promise<string[]>;
  /** Frees what the engine owns (never the weights of the model it was made from). */
  dispose(): void;
  /** Its matrices, when compressors may prune or quantize them (every built-in engine's are). */
  readonly matrices?: QuantizableEngine;
}

/** A decoder's inference engine: the KV-cached forward that generation, serving and perplexity run. */
export interface InferenceEngine extends ScoringEngine {
  readonly kind: 'causal';
  /** A cache for B rows of up to Tmax positions (default: the context). */
  createCache(B: number, Tmax?: number): KVCache;
  freeCache(cache: KVCache): void;
  /**
   * Runs ids (B, T) at positions pos..pos+T-1, appending their keys and values
   * to the cache. Returns logits (B, T, V), or (B, 1, V) for each row's last
   * position with `lastOnly`; the caller frees the buffer.
   */
  forward(ids: Int32Array, cache: KVCache, pos: number, options?: { lastOnly?: boolean }): Promise<Buf>;
  /**
   * Optional: one new token for each of several sequences at their own places,
   * ids[i] in cache row rows[i] at position positions[i] (rows distinct), as
   * forward would run each of them alone with B = 1. Returns logits (n, V); the
   * caller frees the buffer. Batch schedulers (continuous batching in `kiln
   * serve`, GRPO's rollouts) use it, and fall back to forward without it.
   */
  decode?(ids: Int32Array, cache: KVCache, rows: Int32Array, positions: Int32Array): Promise<Buf>;
}

/** An encoder's engine (BERT): every position sees the whole sequence, so it scores masked tokens and does not generate. */
export interface MaskedLMEngine extends ScoringEngine {
  readonly kind: 'masked';
}

export type ModelEngine = InferenceEngine | MaskedLMEngine;

/** The matrices of an engine, which a compressor may read and replace (pruned or quantized). */
export interface QuantizableEngine {
  readonly backend: Backend;
  /** True once a matrix was replaced: the engine no longer runs on its model's own weights alone. */
  readonly replaced: boolean;
  /** Matrices by name: the ones a compressor may prune or quantize. */
  linears(): ReadonlyMap<string, LinearWeight>;
  /** Names among linears() that are also looked up as embedding tables (pruning leaves them alone by default). */
  readonly embeddingNames: readonly string[];
  /** Puts `weight` in place of `name` and frees what the old one held. */
  replaceLinear(name: string, weight: LinearWeight): void;
  /** Bytes of every weight as held in memory (quantized ones at their packed size). */
  bytes(): number;
}

/** Runtime check for models an architecture created or loaded before they are trained: a clear error instead of a TypeError. */
export function isCausalLM(model: unknown): model is CausalLM {
  if (typeof model !== 'object' || model === null) return false;
  const m: Partial<Record<keyof CausalLM, unknown>> = model;
  return (['parameters', 'forward', 'save', 'dispose'] as const).every((k) => typeof m[k] === 'function');
}

/** A model a reward head can sit on. */
export function isHiddenStatesLM(model: unknown): model is HiddenStatesLM {
  return isCausalLM(model) && typeof (model as Partial<HiddenStatesLM>).hidden === 'function';
}

/** A model LoRA can adapt. */
export function isAdaptableLM(model: unknown): model is AdaptableLM {
  return isCausalLM(model) && typeof (model as Partial<AdaptableLM>).linearLayers === 'function';
}

/** A GGUF metadata value an architecture states (the exporter adds general.* and the tokenizer). */
export type GgufScalar =
  | { type: 'u32' | 'i32' | 'f32'; value: number }
  | { type: 'string'; value: string }
  | { type: 'bool'; value: boolean };

/** A tensor by name: Hugging Face's on the way in, llama.cpp's on the way out. */
export interface NamedHostTensor {
  shape: readonly number[];
  data: Float32Array;
}

/**
 * An architecture's llama.cpp layout: its saved Hugging Face files (config.json
 * and the f32 weights) → GGUF tensor names, data in ggml's order, and the
 * `<architecture>.*` metadata keys. The GGUF exporter stores 2-D tensors in the
 * requested type and 1-D ones as f32.
 */
export interface GgufConversion {
  /** general.architecture, as llama.cpp names it ('gpt2', 'llama'). */
  readonly architecture: string;
  convert(hf: { config: Record<string, unknown>; tensors: ReadonlyMap<string, NamedHostTensor> }): {
    tensors: Array<{ name: string } & NamedHostTensor>;
    metadata: Record<string, GgufScalar>;
  };
}
