import { isAbsolute, resolve } from 'node:path';
import type { KilnContext, Tokenizer } from '@kiln/core';
import {
  type ChatMessage,
  checkTemplateTokenizer,
  encodeChatPrompt,
  resolveChatTemplate,
  type TrainingChatTemplate,
} from '@kiln/finetune';
import { createRng } from '@kiln/tensor';
import { asPolicy, type PolicyModel } from './policy.js';

export interface AlignSetup {
  tokenizer: Tokenizer;
  template: TrainingChatTemplate;
  /** Token ids that end a reply: the template's end-of-turn and eos. */
  stopIds: number[];
  abs(path: string): string;
  /** Load the starting model, or the one in `dir` (a resume checkpoint); a fresh copy each call: the policy, and a frozen reference. */
  loadPolicy(dir?: string): Promise<{ model: PolicyModel; dir?: string; architecture: string }>;
  encodePrompt(messages: readonly ChatMessage[]): number[];
  /** A reply as the template ends it (with end-of-turn), as ids. */
  encodeReply(text: string): number[];
}

export async function alignSetup(
  o: { initFrom?: string; chatTemplate: string; chatEndOfTurn?: string },
  ctx: KilnContext,
  where: string,
): Promise<AlignSetup> {
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(ctx.config.root, p));
  const tokenizerDir = ctx.runDir.path('tokenizer');
  const tokenizer = await ctx.hooks.loadTokenizer(tokenizerDir);
  const template = await resolveChatTemplate(o.chatTemplate, ctx, {
    tokenizer,
    tokenizerDir,
    field: `${where}: align.chatTemplate`,
    endOfTurn: o.chatEndOfTurn,
  });
  checkTemplateTokenizer(template, tokenizer, where);
  // Without initFrom: the model of the training stage before align (core's default), never align's own last output.
  const dir = o.initFrom ? abs(o.initFrom) : undefined;
  const endId = tokenizer.specialTokens[template.endOfTurn];
  return {
    tokenizer,
    template,
    stopIds: [...new Set([endId, tokenizer.eosId])],
    abs,
    async loadPolicy(from = dir) {
      const loaded = await ctx.hooks.loadModel(from);
      return { model: asPolicy(loaded.model, where), dir: from, architecture: loaded.architecture.name };
    },
    encodePrompt: (messages) => encodeChatPrompt(messages, template, tokenizer),
    encodeReply: (text) => [...tokenizer.encode(text), endId],
  };
}

/** Seeded split of records into train and held-out parts. */
export function splitRecords<T>(
  items: readonly T[],
  valFraction: number,
  seed: number,
  where: string,
): { train: T[]; val: T[] } {
  const a = [...items];
  const rng = createRng(seed);
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [a[i], a[j]] = [a[j], a[i]];
  }
  const nVal = Math.max(1, Math.round(a.length * valFraction));
  if (a.length - nVal < 1) throw new Error(`${where}: ${a.length} records are too few to hold out ${nVal}`);
  return { train: a.slice(nVal), val: a.slice(0, nVal) };
}
