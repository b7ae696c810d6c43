import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKiln, createMemoryLogger } from '@kiln/core';
import {
  type ChoiceItem,
  engineLogLikelihood,
  exactAnswer,
  loadChoiceItems,
  multipleChoice,
  scoreMultipleChoice,
} from '@kiln/eval';
import { uncachedNextTokenModel } from '@kiln/generate';
import gpt2, { GPT2, Gpt2Engine } from '@kiln/gpt2';
import { createTextGenerator } from '@kiln/sampling';
import { createRng, noGrad, ReferenceBackend, tidy } from '@kiln/tensor';
import { describe, expect, it } from 'vitest';

// A unigram character model, so every log-likelihood is computed by hand: P(a)=.5, P(b)=.3, P(c)=.2.
const P: Record<string, number> = { a: 0.5, b: 0.3, c: 0.2 };
const unigram = async (_context: string, continuation: string) =>
  [...continuation].reduce((s, ch) => s + Math.log(P[ch]), 0);

const MINI: ChoiceItem[] = [
  { context: 'q1', choices: ['a', 'b'], answer: 0 }, //    ll: -0.69 | -1.20 → 0 ✓   per byte: same → 0 ✓
  { context: 'q2', choices: ['aa', 'c'], answer: 0 }, //   ll: -1.39 | -1.61 → 0 ✓   per byte: -0.69 | -1.61 → 0 ✓
  { context: 'q3', choices: ['aaa', 'b'], answer: 0 }, //  ll: -2.08 | -1.20 → 1 ✗   per byte: -0.69 | -1.20 → 0 ✓
  { context: 'q4', choices: ['c', 'bb'], answer: 1 }, //   ll: -1.61 | -2.41 → 0 ✗   per byte: -1.61 | -1.20 → 1 ✓
  { context: 'q5', choices: ['b', 'c'], answer: 1 }, //    ll: -1.20 | -1.61 → 0 ✗   per byte: same → 0 ✗
];

// Characters as tokens (ids = char codes mod 61), 60 = end of text.
const tokenizer = {
  eosId: 60,
  encode: (text: string) => [...text].map((c) => c.charCodeAt(0) % 60),
  decode: (ids: ArrayLike<number>) => Array.from(ids, (i) => String.fromCharCode(i < 32 ? i + 64 : i)).join(''),
};
const config = { vocabSize: 61, nPositions: 24, nLayer: 2, nEmbd: 16, nHead: 2 };

describe('multiple choice', () => {
  it('the hand-checked mini task scores acc 2/5 and acc_norm 4/5', async () => {
    const scores = await scoreMultipleChoice(MINI, unigram);
    expect(scores.acc).toBe(0.4);
    expect(scores.acc_norm).toBe(0.8);
    expect(scores.items.map((i) => i.predicted)).toEqual([0, 0, 1, 0, 0]);
  });

  it("the engine's log-likelihood is the autograd model's, token by token", async () => {
    const model = new GPT2(config, new ReferenceBackend(), createRng(2));
    const ll = await engineLogLikelihood(Gpt2Engine.fromGpt2(model), tokenizer, tokenizer.eosId)('abc', 'de');
    const ids = [60, ...tokenizer.encode('abcde')];
    const logits = noGrad(() => tidy(() => model.forward(Int32Array.from(ids.slice(0, -1)), null).logits));
    const all = (await logits.toArray()) as Float32Array;
    let want = 0;
    for (const t of [3, 4]) {
      const row = all.subarray(t * 61, (t + 1) * 61);
      const max = Math.max(...row);
      const lse = max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0));
      want += row[ids[t + 1]] - lse;
    }
    expect(ll).toBeCloseTo(want, 4);
  });

  it('runs as an evaluator in a Kiln run on a task file; bad items name the file and line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-eval-'));
    const file = join(dir, 'task.jsonl');
    writeFileSync(file, MINI.map((i) => JSON.stringify(i)).join('\n'));
    const plugin = multipleChoice({ file: 'task.jsonl', name: 'mini', tokenizer });
    const kiln = await createKiln({ cwd: dir, logger: createMemoryLogger(), config: { plugins: [gpt2(), plugin] } });
    const model = new GPT2(config, new ReferenceBackend(), createRng(4));
    const evaluator = plugin.evaluator as { evaluate: (m: unknown, c: unknown) => Promise<Record<string, number>> };
    const scores = await evaluator.evaluate(model, kiln.context());
    // The same choices scored independently: acc is the share the engine's log-likelihoods get right.
    const ref = await scoreMultipleChoice(MINI, engineLogLikelihood(Gpt2Engine.fromGpt2(model), tokenizer, 60));
    expect(scores['mini/acc']).toBe(ref.acc);
    expect(scores['mini/acc_norm']).toBe(ref.acc_norm);
    expect(scores['mini/items']).toBe(5);
    writeFileSync(file, '{"context":"x","choices":["a","b"],"answer":0}\n{"context":"x","choices":["a"],"answer":0}\n');
    await expect(loadChoiceItems(file)).rejects.toThrow(`${file}:2: "choices" must be at least 2 non-empty strings`);
    await kiln.close();
  });
});

describe('exact answer', () => {
  it('scores greedy answers against the expected text (trimmed, case-folded)', async () => {
    const model = new GPT2(config, new ReferenceBackend(), createRng(6));
    // What greedy decoding produces, computed without the cache.
    const gen = createTextGenerator({
      name: 't',
      model: uncachedNextTokenModel(Gpt2Engine.fromGpt2(model)),
      tokenizer,
    });
    let greedy = '';
    for await (const c of gen.generate('hi', { temperature: 0, maxTokens: 4, stop: ['\n'] })) greedy += c.text;
    const plugin = exactAnswer({
      items: [
        { prompt: 'hi', answer: ` ${greedy.toUpperCase()} ` },
        { prompt: 'hi', answer: 'zzz' },
      ],
      maxTokens: 4,
      tokenizer,
      name: 'qa',
    });
    const kiln = await createKiln({
      cwd: tmpdir(),
      logger: createMemoryLogger(),
      config: { plugins: [gpt2(), plugin] },
    });
    const scores = await (
      plugin.evaluator as { evaluate: (m: unknown, c: unknown) => Promise<Record<string, number>> }
    ).evaluate(model, kiln.context());
    expect(greedy.length).toBeGreaterThan(0);
    expect(scores['qa/exact_match']).toBe(0.5);
    expect(() => exactAnswer({ items: [{ prompt: '', answer: 'x' }] })).toThrow(
      'kiln:eval-exact-answer: items[0]: "prompt" must be a non-empty string',
    );
    await kiln.close();
  });
});
