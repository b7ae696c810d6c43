import { GPT2 } from '@kiln/gpt2';
import { Gpt2Engine } from './gpt2-engine.js';

/**
 * The inference engine for a model a stage hands over: a Gpt2Engine as is
 * (e.g. a compressor's output), a GPT2 module wrapped without copying.
 */
export function toEngine(model: unknown, who = 'kiln:generate'): Gpt2Engine {
  if (model instanceof Gpt2Engine) return model;
  if (model instanceof GPT2) return Gpt2Engine.fromGpt2(model);
  const kind = model === null || typeof model !== 'object' ? typeof model : (model.constructor?.name ?? 'object');
  throw new Error(`${who}: cannot run a ${kind} model; supported: GPT-2 (@kiln/gpt2) and compressed GPT-2 engines (@kiln/compress)`);
}
