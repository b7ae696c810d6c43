import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { KilnContext, Tokenizer } from '@kiln/core';
import { type TrainingChatTemplate, writeChatFiles } from '@kiln/finetune';
import { writeFileAtomic } from '@kiln/tensor';

export const ALIGN_WRITER = 'kiln:align@0.1.0';

/**
 * Write `<runDir>/align/<folder>/` (model, chat files, align-state.json) through a temporary folder
 * renamed into place; the folder is align.name, else the trainer's name.
 */
export async function saveAlignedModel(
  ctx: KilnContext,
  model: { save(dir: string): Promise<string[]> },
  method: string,
  step: number,
  tokenizer: Tokenizer,
  template: TrainingChatTemplate,
  folder = method,
): Promise<string> {
  const final = ctx.runDir.path('align', folder);
  const tmp = `${final}.${process.pid}.tmp`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  await model.save(tmp);
  await writeChatFiles(tmp, tokenizer, template, ALIGN_WRITER);
  await writeFileAtomic(
    join(tmp, 'align-state.json'),
    JSON.stringify({ format: 'kiln-align-state', version: 1, writer: ALIGN_WRITER, method, step }, null, 1) + '\n',
  );
  await rm(final, { recursive: true, force: true });
  await rename(tmp, final);
  await ctx.hooks.emitCheckpoint({ stage: 'align', step, dir: final });
  return final;
}
