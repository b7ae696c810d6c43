import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKiln, createMemoryLogger, type KilnPlugin } from '@kiln/core';
import { answerTaskItems, freshInstances, promptsIn, taskAccuracy, wilsonInterval } from '@kiln/eval';
import { uncachedNextTokenModel } from '@kiln/generate';
import gpt2, { GPT2, Gpt2Engine } from '@kiln/gpt2';
import { createTextGenerator } from '@kiln/sampling';
import { addition } from '@kiln/tasks';
import { createRng, ReferenceBackend } from '@kiln/tensor';
import tokenizers, { type BpeTokenizer, saveTokenizer, trainBpe } from '@kiln/tokenizers';
import { describe, expect, it } from 'vitest';

const SPECIALS = ['<|endoftext|>', '<|im_start|>', '<|im_end|>'];
const CHATML =
  "{% for m in messages %}{{ '<|im_start|>' + m['role'] + '\\n' + m['content'] + '<|im_end|>' + '\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

/** A run directory with a byte tokenizer and an untrained tiny GPT-2 as its latest model. */
async function tinyRun(): Promise<{ root: string; tok: BpeTokenizer; modelDir: string }> {
  const root = mkdtempSync(join(tmpdir(), 'kiln-task-acc-'));
  const tok = await trainBpe(['x'], { vocabSize: 256 + SPECIALS.length, specialTokens: SPECIALS });
  await saveTokenizer(tok, join(root, 'run/tokenizer'));
  const modelDir = join(root, 'run/model');
  const model = new GPT2(
    { vocabSize: tok.vocabSize, nPositions: 64, nLayer: 1, nEmbd: 16, nHead: 2 },
    new ReferenceBackend(),
    createRng(5),
  );
  await model.save(modelDir);
  model.dispose();
  writeFileSync(
    join(modelDir, 'tokenizer_config.json'),
    JSON.stringify({ chat_template: CHATML, eos_token: '<|endoftext|>' }),
  );
  writeFileSync(
    join(modelDir, 'chat-template.json'),
    JSON.stringify({ format: 'kiln-chat-template', version: 1, name: 'chatml', endOfTurn: '<|im_end|>' }),
  );
  writeFileSync(
    join(root, 'run/state.json'),
    JSON.stringify({ format: 'kiln-run-state', version: 1, writer: 'test', stages: {}, modelDir: 'model' }),
  );
  return { root, tok, modelDir };
}

/** The model's own greedy reply, computed without the evaluator (uncached reference path). */
async function greedyReply(modelDir: string, tok: BpeTokenizer, prompt: string, stop: string[]): Promise<string> {
  const model = await GPT2.load(modelDir, new ReferenceBackend());
  const gen = createTextGenerator({
    name: 'ref',
    model: uncachedNextTokenModel(Gpt2Engine.fromGpt2(model)),
    tokenizer: { eosId: tok.eosId, encode: (t) => tok.encode(t, { allowSpecial: true }), decode: (x) => tok.decode(x) },
  });
  let out = '';
  for await (const c of gen.generate(prompt, { temperature: 0, maxTokens: 4, stop })) out += c.text;
  model.dispose();
  return out;
}

async function runEval(root: string, plugin: KilnPlugin): Promise<Record<string, number>> {
  const logger = createMemoryLogger();
  const kiln = await createKiln({
    cwd: root,
    runDir: join(root, 'run'),
    logger,
    config: { backend: 'js', plugins: [gpt2(), tokenizers(), plugin], eval: {} },
  });
  try {
    return (await kiln.run(['eval'])).eval.metrics!;
  } finally {
    await kiln.close();
  }
}

describe('taskAccuracy', () => {
  it('the Wilson interval: 62/100 → [52.2%, 70.9%]; 0/20 and 20/20 stay inside [0, 1] with width', () => {
    const { low, high } = wilsonInterval(62, 100);
    expect(low).toBeCloseTo(0.5221, 3);
    expect(high).toBeCloseTo(0.709, 3);
    expect(wilsonInterval(0, 20)).toMatchObject({ low: 0 });
    expect(wilsonInterval(0, 20).high).toBeCloseTo(0.1611, 3);
    expect(wilsonInterval(20, 20).low).toBeCloseTo(0.8389, 3);
  });

  it('a JSONL of prompt/answer pairs through kiln eval: exact match of greedy replies, with the interval', async () => {
    const { root, tok, modelDir } = await tinyRun();
    // Answers the model does give (its greedy replies) and answers it does not: accuracy is known exactly.
    const prompts = ['1+1', '2+2', '3+3', '4+4'];
    const replies = await Promise.all(prompts.map((p) => greedyReply(modelDir, tok, p, ['\n'])));
    const lines = prompts.map((prompt, i) =>
      JSON.stringify(i < 3 ? { prompt, answer: replies[i] } : { prompt, meta: { answer: `${replies[i]}!` } }),
    );
    writeFileSync(join(root, 'pairs.jsonl'), lines.join('\n') + '\n');
    const m = await runEval(
      root,
      taskAccuracy({ name: 'pairs', file: 'pairs.jsonl', maxTokens: 4, caseSensitive: true }),
    );
    expect(m).toMatchObject({ 'pairs/accuracy': 0.75, 'pairs/correct': 3, 'pairs/n': 4 });
    expect(m['pairs/ci_low']).toBeCloseTo(wilsonInterval(3, 4).low, 12);
    expect(m['pairs/ci_high']).toBeCloseTo(wilsonInterval(3, 4).high, 12);
  }, 60_000);

  it('answerTaskItems: the same replies item by item, for paired comparisons', async () => {
    const { root, tok, modelDir } = await tinyRun();
    const prompts = ['7+1', '8+1', '9+1'];
    const replies = await Promise.all(prompts.map((p) => greedyReply(modelDir, tok, p, ['\n'])));
    const items = prompts.map((prompt, i) => ({ prompt, answer: i === 1 ? `${replies[i]}?` : replies[i] }));
    const kiln = await createKiln({
      cwd: root,
      runDir: join(root, 'run'),
      logger: createMemoryLogger(),
      config: { backend: 'js', plugins: [gpt2(), tokenizers()] },
    });
    try {
      const ctx = kiln.context();
      const { model } = await ctx.hooks.loadModel(modelDir);
      const r = await answerTaskItems(model, items, { maxTokens: 4, caseSensitive: true }, ctx);
      expect(r.replies).toEqual(replies);
      expect(r.correct).toEqual([true, false, true]);
    } finally {
      await kiln.close();
    }
  }, 60_000);

  it("chat: prompts are user turns in the model directory's template, ended by its end of turn", async () => {
    const { root, tok, modelDir } = await tinyRun();
    const chat = (q: string) => `<|im_start|>user\n${q}<|im_end|>\n<|im_start|>assistant\n`;
    const replies = await Promise.all(
      ['5+5', '6+6'].map((q) => greedyReply(modelDir, tok, chat(q), ['<|im_end|>', '<|endoftext|>'])),
    );
    writeFileSync(
      join(root, 'chat.jsonl'),
      [
        `{"prompt":"5+5","answer":${JSON.stringify(replies[0])}}`,
        `{"prompt":"6+6","answer":${JSON.stringify(replies[1])}}`,
      ].join('\n'),
    );
    const m = await runEval(
      root,
      taskAccuracy({ name: 'chat', file: 'chat.jsonl', chat: true, maxTokens: 4, caseSensitive: true }),
    );
    expect(m['chat/accuracy']).toBe(1);
  }, 60_000);

  it('fresh instances: seeded, distinct, none from the training files; bad options fail before work', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-task-fresh-'));
    mkdirSync(dir, { recursive: true });
    const family = addition({ maxDigits: 1 });
    const first = freshInstances([family], 20, 3, new Set(), 'test');
    writeFileSync(
      join(dir, 'sft.jsonl'),
      first
        .slice(0, 10)
        .map((t) =>
          JSON.stringify({
            messages: [
              { role: 'user', content: t.prompt },
              { role: 'assistant', content: t.answer },
            ],
          }),
        )
        .join('\n'),
    );
    const seen = await promptsIn([join(dir, 'sft.jsonl')]);
    expect(seen.size).toBe(10);
    const fresh = freshInstances([family], 30, 3, seen, 'test');
    expect(new Set(fresh.map((t) => t.prompt)).size).toBe(30);
    expect(fresh.some((t) => seen.has(t.prompt))).toBe(false);
    expect(freshInstances([family], 30, 3, seen, 'test')).toEqual(fresh);
    for (const t of fresh)
      expect(Number(t.answer)).toBe(
        t.prompt
          .split('+')
          .map(Number)
          .reduce((a, b) => a + b, 0),
      );
    expect(() => freshInstances([family], 200, 3, seen, 'kiln:eval-task-accuracy')).toThrow(
      /found only \d+ of 200 instances unseen in training/,
    );
    expect(() => taskAccuracy({ file: 'x.jsonl', tasks: [family] })).toThrow(/exactly one of "tasks"/);
    expect(() => taskAccuracy({ tasks: [family], count: 0 })).toThrow(/"count" must be a positive integer/);
  });
});
