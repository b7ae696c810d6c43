/**
 * The WASM backend has none of the optional inference ops (attentionKV, matmulQ,
 * embeddingQ): a quantized model must still run there through @kiln/generate's
 * fallbacks and agree with the reference backend, which has them.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createKiln, createMemoryLogger } from '@kiln/core';
import { GPT2 } from '@kiln/gpt2';
import { ReferenceBackend, createRng, type Backend } from '@kiln/tensor';
import { WasmBackend } from '@kiln/backend-wasm';
import { cachedNextTokenModel, type Gpt2Engine } from '@kiln/generate';
import { quantize } from '@kiln/compress';

const config = { vocabSize: 64, nPositions: 32, nLayer: 2, nEmbd: 64, nHead: 4 };
let wasm: WasmBackend;
afterAll(async () => wasm?.dispose());

async function quantizedOn(be: Backend, state: Map<string, { shape: number[]; data: Float32Array }>): Promise<Gpt2Engine> {
  const model = new GPT2(config, be, createRng(0));
  model.loadStateDict(state, 'test');
  const runDir = mkdtempSync(join(tmpdir(), 'kiln-wasm-q-'));
  const plugin = quantize({ bits: 4, group: 32 });
  const kiln = await createKiln({ cwd: runDir, runDir, logger: createMemoryLogger(), config: { plugins: [plugin] } });
  const engine = (await (plugin.compressor as { compress(m: unknown, c: unknown): Promise<unknown> }).compress(model, kiln.context())) as Gpt2Engine;
  await kiln.close();
  return engine;
}

describe('quantized generation on a backend without the inference ops', () => {
  it('WASM (fallbacks) matches the reference backend (kernels), token by token', async () => {
    wasm = await WasmBackend.create({ threads: 1, skipWarmup: true });
    expect(wasm.matmulQ).toBeUndefined();
    const state = await new GPT2(config, new ReferenceBackend(), createRng(21)).stateDict();
    const ref = cachedNextTokenModel(await quantizedOn(new ReferenceBackend(), state));
    const onWasm = cachedNextTokenModel(await quantizedOn(wasm, state));
    const tokens = [3, 14, 15];
    for (let step = 0; step < 12; step++) {
      const a = await ref.nextLogits(tokens);
      const b = await onWasm.nextLogits(tokens);
      let worst = 0;
      for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
      expect(worst).toBeLessThan(1e-4);
      tokens.push(a.indexOf(Math.max(...a)));
    }
    expect(onWasm.stats.tokensProcessed).toBe(3 + 11);
  });
});
