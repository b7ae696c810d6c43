/**
 * The engines on the WASM backend (the CPU backend users run), dense and int4,
 * against the reference backend: the same token losses for GPT-2, Llama and
 * BERT, through the backend's own attention, matmulQ and embeddingQ kernels.
 */

import { WasmBackend } from '@kiln/backend-wasm';
import { quantize } from '@kiln/compress';
import { type Backend, type ModelEngine, ReferenceBackend } from '@kiln/tensor';
import { afterAll, describe, expect, it } from 'vitest';
import { ARCHITECTURES, type ArchitectureName, kilnWith, tinyModel } from './setup.js';

let wasm: WasmBackend | undefined;
afterAll(async () => wasm?.dispose());

const seq = Int32Array.from({ length: 24 }, (_, i) => (i * 11 + 5) % 60);
const targets = Int32Array.from(seq, (_, i) => seq[(i + 1) % seq.length]);

/** Token losses of the architecture's engine on `be`, after int4 quantization when asked. */
async function losses(arch: ArchitectureName, be: Backend, int4: boolean): Promise<Float32Array> {
  const run = await kilnWith();
  try {
    const state = await tinyModel(arch, new ReferenceBackend(), 12).stateDict();
    const model = tinyModel(arch, be, 0);
    model.loadStateDict(state, 'reference weights');
    let m: unknown = model;
    const compressor = quantize({ bits: 4, group: 32 }).compressor;
    if (int4 && compressor && !Array.isArray(compressor)) m = await compressor.compress(model, run.ctx);
    const engine: ModelEngine = run.ctx.hooks.engine(m, 'test');
    return await engine.tokenLosses(seq, targets, 1);
  } finally {
    await run.close();
  }
}

describe.each(ARCHITECTURES)('the %s engine on WASM', (arch) => {
  it('gives the reference backend’s token losses, dense and int4', async () => {
    wasm ??= await WasmBackend.create({ threads: 1, skipWarmup: true });
    for (const int4 of [false, true]) {
      const want = await losses(arch, new ReferenceBackend(), int4);
      const got = await losses(arch, wasm, int4);
      let worst = 0;
      for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
      expect(worst).toBeLessThan(1e-4);
    }
  });
});
