/**
 * Editing one stage's options in llm.config.ts reruns exactly that stage and the ones after it
 * (issue 28 item 7): every built-in plugin declares its cache key, so no stage falls back to the
 * text of the whole config file (changing quantize({ group }) used to retrain from step 0).
 * A small whole pipeline, each stage's options edited in turn, in the config file as a user would.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createKiln, createMemoryLogger, STAGES, type StageName } from '@kiln/core';
import { addition, taskSplits, toChat, toJsonl, toPreference } from '@kiln/tasks';
import { expect, onTestFinished, test } from 'vitest';

const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');

/** The options the test edits, one per stage (plugin options where the stage has a plugin with options). */
const BASE = {
  minWords: 3, // data: cleaning({ quality })
  vocabSize: 300, // tokenizer section
  valFraction: 0.1, // encode: shards()
  trainSteps: 2, // train section
  finetuneSteps: 2, // finetune section
  beta: 0.1, // align section (DPO)
  contextLength: 16, // eval: perplexity()
  group: 16, // compress: quantize()
  ggufType: 'f32', // export: gguf()
};
type Options = typeof BASE;

/** An edit to each stage's options, in pipeline order. */
const EDITS: Record<StageName, Partial<Options>> = {
  data: { minWords: 1300 }, // drops one of the three documents
  tokenizer: { vocabSize: 310 },
  encode: { valFraction: 0.2 },
  train: { trainSteps: 3 },
  finetune: { finetuneSteps: 3 },
  align: { beta: 0.2 },
  eval: { contextLength: 8 },
  compress: { group: 8 },
  export: { ggufType: 'f16' },
};

function configText(o: Options): string {
  return `import { quantize } from '@kiln/compress';
import { defineConfig } from '@kiln/core';
import { cleaning, shards, textFiles } from '@kiln/data';
import { perplexity } from '@kiln/eval';
import { gguf, huggingface } from '@kiln/export';
import finetune from '@kiln/finetune';
import align from '@kiln/align';
import gpt2 from '@kiln/gpt2';
import tokenizers from '@kiln/tokenizers';
import trainer from '@kiln/trainer';

export default defineConfig({
  name: 'edits',
  seed: 5,
  backend: 'js',
  plugins: [
    textFiles({ include: 'corpus.txt', split: 'paragraph' }),
    cleaning({ quality: { minWords: ${o.minWords} }, language: false, pii: false, minhashDedup: false, t2s: false }),
    tokenizers(),
    shards({ valFraction: ${o.valFraction} }),
    gpt2(),
    trainer(),
    finetune(),
    align(),
    perplexity({ name: 'held', file: 'held.txt', contextLength: ${o.contextLength} }),
    quantize({ bits: 8, group: ${o.group} }),
    huggingface(),
    gguf({ type: '${o.ggufType}' }),
  ],
  tokenizer: { type: 'bpe', vocabSize: ${o.vocabSize}, specialTokens: ['<|endoftext|>', '<|im_start|>', '<|im_end|>'] },
  encode: {},
  model: { architecture: 'gpt2', vocabSize: 320, context: 32, nLayer: 1, nEmbd: 16, nHead: 2 },
  train: { trainer: 'causal-lm', steps: ${o.trainSteps}, batchSize: 2, seqLen: 32, evalEvery: 0, evalBatches: 1 },
  finetune: { trainer: 'sft', data: { chat: 'sft.jsonl', valFraction: 0.2 }, steps: ${o.finetuneSteps}, batchSize: 2, seqLen: 32 },
  align: { trainer: 'dpo', data: { pairs: 'pairs.jsonl' }, steps: 2, batchSize: 2, beta: ${o.beta} },
  eval: {},
  compress: {},
  export: {},
});
`;
}

/** Runs the config in `cwd`; returns the stages that ran (were not skipped). */
async function run(cwd: string): Promise<StageName[]> {
  const logger = createMemoryLogger();
  const kiln = await createKiln({ cwd, logger });
  try {
    const results = await kiln.run();
    return (Object.keys(results) as StageName[]).filter((stage) => results[stage].skipped !== true);
  } finally {
    await kiln.close();
  }
}

test("editing one stage's options reruns that stage and the ones after it, and no earlier one", async () => {
  const base = join(REPO_ROOT, 'node_modules/.cache/kiln-tests');
  mkdirSync(base, { recursive: true });
  const cwd = mkdtempSync(join(base, 'stage-edits-'));
  onTestFinished(() => rmSync(cwd, { recursive: true, force: true }));
  const text = readFileSync(join(REPO_ROOT, 'examples/state-of-the-union/data/sotu-1790-1809.txt'), 'utf8');
  writeFileSync(join(cwd, 'corpus.txt'), text.slice(0, 30_000));
  writeFileSync(join(cwd, 'held.txt'), text.slice(30_000, 32_000));
  const tasks = taskSplits([addition({ maxDigits: 1 })], { train: 20, val: 5 }, 1);
  writeFileSync(join(cwd, 'sft.jsonl'), toJsonl(tasks.train.map(toChat)));
  writeFileSync(join(cwd, 'pairs.jsonl'), toJsonl(tasks.train.map((t, i) => toPreference(t, i))));

  let options: Options = { ...BASE };
  writeFileSync(join(cwd, 'llm.config.ts'), configText(options));
  expect(await run(cwd)).toEqual([...STAGES]);
  expect(await run(cwd)).toEqual([]); // nothing changed, nothing runs

  for (const stage of STAGES) {
    options = { ...options, ...EDITS[stage] };
    writeFileSync(join(cwd, 'llm.config.ts'), configText(options));
    expect(await run(cwd), `after editing ${stage}'s options`).toEqual(STAGES.slice(STAGES.indexOf(stage)));
  }
}, 600_000);
