// A third-party plugin adds a chat template through the chatTemplate hook; the finetune stage trains with it
// (loss on what its assistant turns add) and the model directory carries it for serving.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KilnPlugin } from '@kiln/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareRunDir, runStage, writeStageData } from './stage-helper.js';

const root = mkdtempSync(join(tmpdir(), 'kiln-chat-hook-'));
beforeAll(() => writeStageData(root));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const BRACKETS =
  "{% for m in messages %}{{ '<|im_start|>[' + m['role'] + '] ' + m['content'] + '<|im_end|>' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>[assistant] ' }}{% endif %}";
const bracketTemplate: KilnPlugin = {
  name: 'kiln-plugin-bracket-chat',
  chatTemplate: {
    name: 'brackets',
    jinja: BRACKETS,
    specialTokens: ['<|im_start|>', '<|im_end|>'],
    endOfTurn: '<|im_end|>',
  },
};

describe('the chatTemplate hook', () => {
  it("finetune.chatTemplate names a plugin's template; tokenizer_config.json carries its Jinja", async () => {
    const runDir = join(root, 'run');
    await prepareRunDir(runDir);
    const section = {
      trainer: 'sft',
      initFrom: 'base',
      data: { chat: 'sft.jsonl', valFraction: 0.2 },
      steps: 2,
      batchSize: 4,
      seqLen: 32,
      lr: 1e-2,
      chatTemplate: 'brackets',
    };
    const r = await runStage({ root, runDir, stage: 'finetune', section, plugins: [bracketTemplate] });
    const dir = join(runDir, r.result.modelDir as string);
    expect(JSON.parse(readFileSync(join(dir, 'tokenizer_config.json'), 'utf8')).chat_template).toBe(BRACKETS);
    expect(JSON.parse(readFileSync(join(dir, 'chat-template.json'), 'utf8'))).toMatchObject({
      name: 'brackets',
      endOfTurn: '<|im_end|>',
    });
    // Another template gives other tokens, so another validation loss before training.
    await prepareRunDir(join(root, 'run-chatml'));
    const chatml = await runStage({
      root,
      runDir: join(root, 'run-chatml'),
      stage: 'finetune',
      section: { ...section, chatTemplate: 'chatml' },
    });
    expect(r.result.metrics?.['val/lossBefore']).not.toBe(chatml.result.metrics?.['val/lossBefore']);
  }, 60_000);

  it('an unknown template name fails naming the field and what exists', async () => {
    const runDir = join(root, 'run-unknown');
    await prepareRunDir(runDir);
    const section = { trainer: 'sft', initFrom: 'base', data: { chat: 'sft.jsonl' }, steps: 1, chatTemplate: 'nope' };
    await expect(runStage({ root, runDir, stage: 'finetune', section })).rejects.toThrow(
      /finetune\.chatTemplate: unknown chat template 'nope' \(known: chatml, llama3, tokenizer/,
    );
  });
});
