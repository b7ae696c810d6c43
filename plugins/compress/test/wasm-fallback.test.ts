/**
 * A quantized model on the WASM backend agrees with the reference backend:
 * once with the optional inference ops hidden (attentionKV, matmulQ,
 * embeddingQ: @kiln/generate's fallbacks run), once with whatever ops the
 * WASM backend implements itself.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WasmBackend } from '@kiln/backend-wasm';
import { quantize } from '@kiln/compress';
import { createKiln, createMemoryLogger } from '@kiln/core';
import { cachedNextTokenModel } from '@kiln/generate';
import gpt2, { GPT2, type Gpt2Engine } from '@kiln/gpt2';
import { type Backend, createRng, ReferenceBackend } from '@kiln/tensor';
import { afterAll, describe, expect, it } from 'vitest';

const config = { vocabSize: 64, nPositions: 32, nLayer: 2, nEmbd: 64, nHead: 4 };
let wasm: WasmBackend;
afterAll(async () => wasm?.dispose());

async function quantizedOn(
  be: Backend,
  state: Map<string, { shape: number[]; data: Float32Array }>,
): Promise<Gpt2Engine> {
  const model = new GPT2(config, be, createRng(0));
  model.loadStateDict(state, 'test');
  const runDir = mkdtempSync(join(tmpdir(), 'kiln-wasm-q-'));
  const plugin = quantize({ bits: 4, group: 32 });
  const kiln = await createKiln({
    cwd: runDir,
    runDir,
    logger: createMemoryLogger(),
    config: { plugins: [gpt2(), plugin] },
  });
  const engine = (await (plugin.compressor as { compress(m: unknown, c: unknown): Promise<unknown> }).compress(
    model,
    kiln.context(),
  )) as Gpt2Engine;
  await kiln.close();
  return engine;
}

const OPTIONAL = new Set(['attentionKV', 'matmulQ', 'embeddingQ']);
const withoutInferenceOps = (be: Backend): Backend =>
  new Proxy(be, { get: (target, key) => (OPTIONAL.has(key as string) ? undefined : Reflect.get(target, key, target)) });

describe('quantized generation on the WASM backend', () => {
  it.each([
    ['fallbacks', true],
    ['its own ops', false],
  ] as const)('WASM (%s) matches the reference backend (kernels), token by token', async (_label, hide) => {
    wasm ??= await WasmBackend.create({ threads: 1, skipWarmup: true });
    const be = hide ? withoutInferenceOps(wasm) : wasm;
    if (hide) expect(be.matmulQ).toBeUndefined();
    const state = await new GPT2(config, new ReferenceBackend(), createRng(21)).stateDict();
    const ref = cachedNextTokenModel(await quantizedOn(new ReferenceBackend(), state));
    const onWasm = cachedNextTokenModel(await quantizedOn(be, state));
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
