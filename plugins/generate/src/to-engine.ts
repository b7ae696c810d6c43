import type { GPT2 } from '@kiln/gpt2';
import { Gpt2Engine } from './gpt2-engine.js';

/**
 * A GPT-2 module by shape rather than class identity: a CLI running from dist
 * and a config loading @kiln/gpt2 from sources hold two copies of the class.
 */
function isGpt2(model: unknown): model is GPT2 {
  const m = model as Partial<GPT2> | null;
  return typeof m?.parameters === 'function' && typeof m.config?.nLayer === 'number' && typeof m.config?.layerNormEpsilon === 'number' && m.transformer !== undefined;
}

/**
 * A model that brings its own KV-cached engine (@kiln/llama's Llama): an object
 * with the engine's generation surface (config.nPositions/vocabSize, backend,
 * createCache, freeCache, forward, tokenLosses, save). Compressors, which swap
 * a Gpt2Engine's matrices, do not apply to it.
 */
function ownEngine(model: unknown): Gpt2Engine | undefined {
  const make = (model as { inferenceEngine?: () => unknown } | null)?.inferenceEngine;
  return typeof make === 'function' ? (make.call(model) as Gpt2Engine) : undefined;
}

/**
 * The inference engine for a model a stage hands over: a Gpt2Engine as is
 * (e.g. a compressor's output), a GPT2 module wrapped without copying.
 */
export function toEngine(model: unknown, who = 'kiln:generate'): Gpt2Engine {
  if (model instanceof Gpt2Engine) return model;
  if (isGpt2(model)) return Gpt2Engine.fromGpt2(model);
  const own = ownEngine(model);
  if (own) return own;
  const kind = model === null || typeof model !== 'object' ? typeof model : (model.constructor?.name ?? 'object');
  throw new Error(`${who}: cannot run a ${kind} model; supported: GPT-2 (@kiln/gpt2) and compressed GPT-2 engines (@kiln/compress)`);
}
