// The KV-cached sampling path (the GPT-2 architecture's engine, through ctx.hooks.engine) against the recompute path.
import { tmpdir } from 'node:os';
import { createKiln, createMemoryLogger } from '@kiln/core';
import gpt2, { GPT2 } from '@kiln/gpt2';
import { createRng, ReferenceBackend } from '@kiln/tensor';
import { describe, expect, it } from 'vitest';
import { greedyCompletions } from '../src/generate.js';
import { type PolicyModel, policyEngine, sampleCompletions, sampleWithLogProbs } from '../src/index.js';

const backend = new ReferenceBackend();
// A wide init so the logits are far from uniform and sampling depends on them.
const model = new GPT2(
  { vocabSize: 40, nPositions: 16, nLayer: 2, nEmbd: 16, nHead: 2, initializerRange: 0.5 },
  backend,
  createRng(3),
);
const kiln = await createKiln({ cwd: tmpdir(), logger: createMemoryLogger(), config: { plugins: [gpt2()] } });
const engine = policyEngine(model, kiln.context().hooks);

describe('sampleCompletions', () => {
  it('the KV-cached path gives the recompute path’s tokens and log-probs for a fixed seed', async () => {
    let compared = 0;
    for (const [i, prompt] of [[1, 2, 3], [7], [5, 9, 11, 2, 30, 4]].entries()) {
      for (const temperature of [0, 1, 1.5]) {
        const o = { maxNewTokens: 6, temperature, stopIds: [0, 1] };
        const cached = await sampleWithLogProbs(model, prompt, 5, { ...o, rng: createRng(10 + i), engine });
        const plain = await sampleWithLogProbs(model, prompt, 5, { ...o, rng: createRng(10 + i), cache: false });
        expect(cached.tokens).toEqual(plain.tokens);
        for (let b = 0; b < 5; b++) {
          expect(cached.logProbs[b].length).toBe(cached.tokens[b].length);
          cached.logProbs[b].forEach((lp, t) => expect(lp).toBeCloseTo(plain.logProbs[b][t], 4));
          compared += cached.tokens[b].length;
        }
      }
    }
    expect(compared).toBeGreaterThan(60);
  });

  it('stops at a stop token, and at the context length', async () => {
    const rows = await sampleCompletions(model, [3, 4], 8, {
      maxNewTokens: 30,
      temperature: 1,
      stopIds: [0, 1, 2, 5],
      rng: createRng(2),
      engine,
    });
    for (const r of rows) {
      expect(r.length).toBeLessThanOrEqual(14); // 16 positions, 2 taken by the prompt
      const stop = r.findIndex((id) => [0, 1, 2, 5].includes(id));
      expect(stop === -1 || stop === r.length - 1).toBe(true);
    }
    expect(rows.some((r) => r.length < 14)).toBe(true);
    expect(
      await sampleCompletions(model, [...Array(16).keys()], 2, {
        maxNewTokens: 4,
        temperature: 0,
        stopIds: [],
        rng: createRng(1),
        engine,
      }),
    ).toEqual([[], []]);
  });

  it('a model no architecture recognises has no engine and samples by recomputing', async () => {
    const wrapped: PolicyModel = {
      backend: model.backend,
      parameters: () => model.parameters(),
      forward: (ids, targets, o) => model.forward(ids, targets, o),
      save: (dir) => model.save(dir),
      dispose: () => undefined,
      config: { nPositions: 16, vocabSize: 40, nEmbd: 16 },
    };
    const o = { maxNewTokens: 5, temperature: 1, stopIds: [0] };
    expect(() => policyEngine(wrapped, kiln.context().hooks)).toThrow(
      /\[kiln:align\] no architecture recognises the model/,
    );
    expect(await sampleCompletions(wrapped, [2, 3], 4, { ...o, rng: createRng(4) })).toEqual(
      await sampleCompletions(model, [2, 3], 4, { ...o, rng: createRng(4), engine }),
    );
  });
});

describe('greedyCompletions', () => {
  it('decodes many prompts together into the tokens each gets alone, rows handed on as prompts finish', async () => {
    const prompts = [[1, 2, 3], [7], [5, 9, 11, 2, 30, 4], [3, 3], [...Array(15).keys()], [8, 8, 8, 8], [2], [30, 31]];
    const o = { maxNewTokens: 7, stopIds: [0, 1, 5], rng: createRng(1) };
    const alone = [];
    for (const p of prompts) alone.push((await sampleCompletions(model, p, 1, { ...o, temperature: 0, engine }))[0]);
    // Some prompts stop early and some run to the limit (or the context), so rows change hands.
    expect(alone.some((c) => c.length < 7 && o.stopIds.includes(c[c.length - 1]))).toBe(true);
    expect(alone.some((c) => c.length === 7)).toBe(true);
    for (const batch of [1, 3, 16])
      expect(await greedyCompletions(model, prompts, { ...o, engine, batch })).toEqual(alone);
    // Without an engine: prompt by prompt through the recompute path, the same tokens.
    expect(await greedyCompletions(model, prompts, { ...o, engine: null })).toEqual(alone);
  });
});
