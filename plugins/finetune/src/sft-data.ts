import { readFile } from 'node:fs/promises';
import type { KilnContext, Tokenizer } from '@kiln/core';
import { createRng } from '@kiln/tensor';
import { type ChatRecord, readChatJsonl } from './chat-data.js';
import type { TrainingChatTemplate } from './chat-template.js';
import type { SftOptions } from './options.js';
import { PackedBatches, type PackedRow, packExamples } from './packing.js';
import { encodeChat, encodeText, type SftExample } from './sft-example.js';

export interface SftData {
  train: PackedBatches;
  valRows: PackedRow[];
  examples: number;
}

/**
 * Tokenize (loss on the assistant's tokens, or on all of a text), hold out a
 * share for validation (chosen by data.splitSeed), pack into rows of T, served in
 * an order drawn from the config's seed. The same seeds give the same rows, so a
 * resumed run rebuilds exactly the data it was cut off in.
 */
export async function prepareSftData(
  o: SftOptions,
  T: number,
  tokenizer: Tokenizer,
  template: TrainingChatTemplate,
  ctx: KilnContext,
  abs: (p: string) => string,
  where: string,
  records?: ChatRecord[],
): Promise<SftData> {
  let examples: SftExample[];
  if (o.data.text) {
    const text = await readFile(abs(o.data.text), 'utf8');
    examples = text
      .split(/\n\s*\n/)
      .filter((p) => p.trim())
      .map((p) => encodeText(p, tokenizer));
  } else {
    const chats = records ?? (await readChatJsonl(abs(o.data.chat!)));
    examples = chats.map((r) => encodeChat(r.messages, template, tokenizer));
  }
  const shuffled = [...examples];
  const rng = createRng(o.data.splitSeed);
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
  }
  const nVal = Math.max(1, Math.round(shuffled.length * o.data.valFraction));
  if (shuffled.length - nVal < 1)
    throw new Error(`${where}: ${shuffled.length} examples are too few to hold out a validation share`);
  const train = packExamples(shuffled.slice(nVal), T, tokenizer.eosId, o.pack);
  const val = packExamples(shuffled.slice(0, nVal), T, tokenizer.eosId, o.pack);
  if (train.truncated + val.truncated > 0)
    ctx.logger.warn(`${train.truncated + val.truncated} examples are longer than finetune.seqLen (${T}) and were cut`);
  ctx.logger.info('finetune data', {
    examples: examples.length,
    trainRows: train.rows.length,
    valExamples: nVal,
    packed: o.pack,
    seqLen: T,
  });
  return {
    train: new PackedBatches(train.rows, ctx.config.seed),
    valRows: val.rows.slice(0, 64),
    examples: examples.length,
  };
}
