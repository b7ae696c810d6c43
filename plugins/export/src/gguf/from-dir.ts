/** GGUF from a checkpoint directory in Hugging Face layout (config.json + model.safetensors + tokenizer.json; gpt2 or llama). */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readSafetensors } from '@kiln/tensor';
import { gpt2ToGguf, type NamedTensor } from './gpt2.js';
import { llamaToGguf } from './llama.js';
import type { TensorType } from './types.js';
import { writeGguf } from './writer.js';

export interface GgufFromDirOptions {
  type?: TensorType;
  /** tokenizer.json path, when it is not inside the checkpoint directory. */
  tokenizerPath?: string;
  name?: string;
}

async function readJson(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new Error(`GGUF export: cannot read ${path}: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`GGUF export: ${path} is not JSON: ${(e as Error).message}`);
  }
}

/** Writes `outPath` from dir/config.json, dir/model.safetensors and tokenizer.json; returns its size. */
export async function exportGgufFromDir(dir: string, outPath: string, options: GgufFromDirOptions = {}): Promise<number> {
  const config = await readJson(join(dir, 'config.json'));
  const tokenizer = await readJson(options.tokenizerPath ?? join(dir, 'tokenizer.json'));
  const convert = { gpt2: gpt2ToGguf, llama: llamaToGguf }[String(config.model_type)];
  if (!convert) throw new Error(`GGUF export: ${join(dir, 'config.json')} has model_type ${JSON.stringify(config.model_type)}; supported: gpt2, llama`);
  const weights = await readSafetensors(join(dir, 'model.safetensors'));
  const tensors = new Map<string, NamedTensor>();
  for (const [name, t] of weights.tensors) {
    if (!(t.data instanceof Float32Array)) throw new Error(`GGUF export: ${join(dir, 'model.safetensors')}: '${name}' is ${t.dtype}, expected a float tensor`);
    tensors.set(name, { shape: t.shape, data: t.data });
  }
  return writeGguf(outPath, convert({ config, tensors, tokenizer, type: options.type, name: options.name }));
}
