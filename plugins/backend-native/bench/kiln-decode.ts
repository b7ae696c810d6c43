/**
 * Kiln's side of the decode benchmark: the path `kiln generate` takes (a
 * batchedNextTokenModel session over the architecture's engine, greedy
 * sampleToken), on the native backend, f32 or int8 weights (group 32, as q8_0).
 */
import type { NativeBackend } from '@kiln/backend-native';
import { quantizeMatrix, transpose } from '@kiln/compress';
import { batchedNextTokenModel } from '@kiln/generate';
import { Gpt2Engine } from '@kiln/gpt2';
import { sampleToken, seededUniform } from '@kiln/sampling';
import { type QuantizableEngine, uploadQuantized } from '@kiln/tensor';
import type { DecodeTiming } from './llama-cpp.js';

/** Every matrix group-quantized in place to int8, group 32 (as @kiln/compress's quantize() and GGUF q8_0). */
async function quantizeAll(m: QuantizableEngine): Promise<void> {
  for (const [name, w] of [...m.linears()]) {
    if (w.kind !== 'dense') continue;
    const v = w.w;
    const n = w.inFeatures * w.outFeatures;
    const data = (await m.backend.read('buf' in v ? v.buf : v, 'buf' in v ? v.offset : 0, n)) as Float32Array;
    const outIn = w.layout === 'in-out' ? transpose(data, w.inFeatures, w.outFeatures) : Float32Array.from(data);
    const host = quantizeMatrix(outIn, w.outFeatures, w.inFeatures, { bits: 8, group: 32 });
    m.replaceLinear(name, uploadQuantized(m.backend, host, w.outFeatures, w.inFeatures, w.bias));
  }
}

export async function loadKilnEngine(dir: string, be: NativeBackend, int8: boolean): Promise<Gpt2Engine> {
  const engine = await Gpt2Engine.load(dir, be);
  if (int8) await quantizeAll(engine.matrices);
  return engine;
}

export async function kilnDecode(engine: Gpt2Engine, prompt: number[], newTokens: number): Promise<DecodeTiming> {
  const model = batchedNextTokenModel(engine, { maxBatch: 1 });
  const session = model.open();
  const rng = seededUniform(1);
  const context = [...prompt];
  const tokens: number[] = [];
  try {
    const t0 = performance.now();
    let tFirst = 0;
    while (tokens.length < newTokens) {
      const logits = await session.nextLogits(context);
      const { tokenId } = sampleToken(logits, { temperature: 0 }, rng, context);
      context.push(tokenId);
      tokens.push(tokenId);
      if (tokens.length === 1) tFirst = performance.now();
    }
    const tEnd = performance.now();
    return {
      promptTokensPerS: (prompt.length / (tFirst - t0)) * 1000,
      decodeTokensPerS: ((tokens.length - 1) / (tEnd - tFirst)) * 1000,
      tokens,
    };
  } finally {
    session.close();
    model.dispose();
  }
}
