// A tiny GPT-2 trains for 20 steps on this backend with the same losses as on
// the reference backend (same seed, same data), within f32 tolerance. Shapes
// differ from the PyTorch fixture on purpose: head size 12, 4 heads, odd vocab.

import { GPT2 } from '@kiln/gpt2';
import { AdamW, type Backend, backward, clipGradNorm, createRng, ReferenceBackend, tidy } from '@kiln/tensor';
import { describe, expect, it } from 'vitest';
import { createBackend, noAdapter } from './gpu.js';

const CONFIG = { vocabSize: 97, nPositions: 16, nLayer: 2, nEmbd: 48, nHead: 4 };
const [B, T, STEPS] = [2, 16, 20];

async function train(be: Backend): Promise<number[]> {
  const model = new GPT2(CONFIG, be, createRng(7));
  const params = [...model.parameters().values()];
  const opt = new AdamW(model.parameters(), { lr: 3e-3, weightDecay: 0.1 });
  const data = createRng(99);
  // A learnable stream: each token is a fixed function of the previous one, with some noise.
  const tokens = new Int32Array(STEPS * B * T + 1);
  for (let i = 1; i < tokens.length; i++)
    tokens[i] = data.next() < 0.95 ? (tokens[i - 1] * 7 + 3) % CONFIG.vocabSize : data.int(CONFIG.vocabSize);
  const losses: number[] = [];
  for (let step = 0; step < STEPS; step++) {
    opt.zeroGrad();
    const off = step * B * T;
    const lossT = tidy(() => {
      const { loss } = model.forward(tokens.subarray(off, off + B * T), tokens.subarray(off + 1, off + 1 + B * T), {
        T,
      });
      backward(loss!);
      return loss!;
    });
    losses.push(await lossT.item());
    lossT.dispose();
    const { scale } = await clipGradNorm(params, 1.0);
    opt.step({ gradScale: scale });
  }
  opt.dispose();
  model.dispose();
  return losses;
}

(noAdapter ? describe.skip : describe)('tiny GPT-2 training on WebGPU', () => {
  it('20 steps give the reference backend losses within f32 tolerance, and learn', async () => {
    const be = await createBackend();
    const got = await train(be);
    await be.dispose();
    const want = await train(new ReferenceBackend());
    const worst = Math.max(...got.map((l, i) => Math.abs(l - want[i]) / want[i]));
    console.info(
      `[webgpu] 20-step losses ${got[0].toFixed(4)} -> ${got[STEPS - 1].toFixed(4)}; worst rel. diff to reference ${worst.toExponential(2)}`,
    );
    expect(worst).toBeLessThan(1e-4);
    const last3 = (got[STEPS - 1] + got[STEPS - 2] + got[STEPS - 3]) / 3;
    expect(last3).toBeLessThan(got[0] - 0.4);
  });
});
