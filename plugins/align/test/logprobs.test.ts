import { GPT2 } from '@kiln/gpt2';
import { createRng, noGrad, ReferenceBackend, tidy } from '@kiln/tensor';
import { describe, expect, it } from 'vitest';
import { backwardTokenGrads, completionRows, rowSums, spreadRowGrads, tokenLogProbs } from '../src/index.js';

const CONFIG = { vocabSize: 13, nPositions: 8, nLayer: 1, nEmbd: 8, nHead: 2 };

describe('sequence log-probs and their gradient', () => {
  it('rows score only the completion; the gradient of Σ w·log π matches finite differences', async () => {
    const be = new ReferenceBackend();
    const model = new GPT2(CONFIG, be, createRng(11));
    const rows = completionRows(
      [
        { prompt: [1, 2, 3], completion: [4, 5] },
        { prompt: [6], completion: [7, 8, 9] },
      ],
      0,
    );
    expect(rows.T).toBe(5);
    expect([...rows.targets]).toEqual([-100, -100, 4, 5, -100, 7, 8, 9, -100, -100]);
    const w = [0.7, -1.3];
    const objective = async () => {
      const { logp } = await noGrad(() => tidy(() => tokenLogProbs(model, rows.ids, rows.targets, rows.T)));
      const s = rowSums(logp, 2, rows.T);
      return w[0] * s[0] + w[1] * s[1];
    };
    // log π(completion | prompt) by hand from the logits, for row 0.
    const logits = (await noGrad(() =>
      tidy(() => model.forward(rows.ids, null, { T: rows.T }).logits.toArray()),
    )) as Float32Array;
    const logSoftmax = (row: number, t: number, id: number) => {
      const off = (row * rows.T + t) * CONFIG.vocabSize;
      const xs = [...logits.subarray(off, off + CONFIG.vocabSize)];
      const m = Math.max(...xs);
      return xs[id] - m - Math.log(xs.reduce((a, x) => a + Math.exp(x - m), 0));
    };
    const { logp } = await noGrad(() => tidy(() => tokenLogProbs(model, rows.ids, rows.targets, rows.T)));
    expect(rowSums(logp, 2, rows.T)[0]).toBeCloseTo(logSoftmax(0, 2, 4) + logSoftmax(0, 3, 5), 4);

    await tidy(async () => {
      const { nll } = await tokenLogProbs(model, rows.ids, rows.targets, rows.T);
      backwardTokenGrads(nll, spreadRowGrads(w, rows.targets, rows.T));
    });
    const weight = model.parameters().get('transformer.h.0.mlp.c_fc.weight')!;
    const grad = (await weight.grad!.toArray()) as Float32Array;
    const data = (await weight.toArray()) as Float32Array;
    const h = 1e-2;
    for (const i of [0, 17, 100]) {
      const orig = data[i];
      data[i] = orig + h;
      be.write(weight.buf, data, weight.offset);
      const up = await objective();
      data[i] = orig - h;
      be.write(weight.buf, data, weight.offset);
      const down = await objective();
      data[i] = orig;
      be.write(weight.buf, data, weight.offset);
      // The seed was d(objective)/d(log π) per token, so the parameter gradient is d(objective)/dθ.
      expect(grad[i]).toBeCloseTo((up - down) / (2 * h), 3);
    }
    model.dispose();
  });
});
