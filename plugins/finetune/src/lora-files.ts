import { join } from 'node:path';
import { readSafetensors, writeSafetensors } from '@kiln/tensor';
import type { LoraHandle } from './lora.js';

export const LORA_FILE = 'lora.safetensors';

/**
 * A LoRA run's checkpoint weights: only the adapters (`<layer>.lora_A/B`), since
 * the base model never changes; a resumed run loads the base model again and these over it.
 */
export function loraWeights(lora: LoraHandle, writer: string): { save(dir: string): Promise<string[]> } {
  return {
    async save(dir) {
      const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
      for (const [name, t] of lora.parameters())
        tensors.set(name, { shape: [...t.shape], data: Float32Array.from((await t.toArray()) as Float32Array) });
      await writeSafetensors(join(dir, LORA_FILE), tensors, { format: 'kiln-lora', writer });
      return [LORA_FILE];
    },
  };
}

/** Overwrite the adapters with those of a checkpoint; every adapter must be there with its shape. */
export async function loadLoraWeights(lora: LoraHandle, dir: string): Promise<void> {
  const path = join(dir, LORA_FILE);
  const file = await readSafetensors(path);
  for (const [name, t] of lora.parameters()) {
    const saved = file.tensors.get(name);
    if (!saved) throw new Error(`${path}: no tensor '${name}' (the checkpoint was written with other lora settings)`);
    if (saved.shape.join('x') !== t.shape.join('x'))
      throw new Error(`${path}: '${name}' is ${saved.shape.join('x')}, the adapter is ${t.shape.join('x')}`);
    t.backend.write(t.buf, saved.data, t.offset);
  }
}
